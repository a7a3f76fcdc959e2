"""Validation: the Great Expectations gate over landed raw records."""
