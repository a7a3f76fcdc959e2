"""Ingest: Kafka topics into the raw lake and the quarantine, exactly once per record."""
