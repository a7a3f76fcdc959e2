"""The pipeline's assets: the one place their URIs are spelled.

Producers declare them as `outlets`, consumers schedule on them; a URI spelled twice is a
dependency waiting to break silently.
"""

from __future__ import annotations

from airflow.sdk import Asset

# Landed by the `ingest` DAG: raw/ and quarantine/ under the lake, plus the ingest ledger.
RAW_LAKE = Asset("clemency://lake/raw")

# Built by the `eligibility_daily` DAG: the dbt marts (aggregate ones under curated/,
# person-level ones under restricted/curated/; the URI names them all).
CURATED = Asset("clemency://lake/curated")
