"""Transform: the dbt-duckdb build of staging, intermediate and mart models."""
