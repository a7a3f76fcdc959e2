"""Kafka: the embedded broker, the clients and how they authenticate."""
