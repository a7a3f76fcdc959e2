"""OpenLineage events under the lake: where they land, how a run's datasets are named.

    lineage/airflow/<dag id>/<dag run id>/<task id>.<try>.<EVENT>.json   every Airflow task
    lineage/airflow/<dag id>/<dag run id>/_dag.<EVENT>.json             the DAG run itself
    lineage/dbt/<transform run id>/<dbt job>.<EVENT>.json               every dbt node

One event per file (START, COMPLETE, FAIL), written through `lake.atomic`, named so that a
run's audit record can name its lineage before the events exist (`airflow_task_lineage`):
the trail says which files a run wrote, the lineage which datasets they are and what they
were read from, down to Kafka topics and offsets.

Datasets are named once, in `clemency.lake.lineage_events` (it imports the OpenLineage
client; this module stays cheap for the audit trail and the DAG files): a Kafka topic is
`kafka://<first bootstrap server>` / `<topic>` (with the partitions' offset ranges the run
read as the `clemency_offsets` facet), a lake folder is `file` / `<lake>/<zone>/<name>`
(`raw/<topic>`, `curated/<mart>`, `reports/<report>`, with the files the run wrote as the
`clemency_files` facet: paths, sizes, digests, never a row). dbt's own datasets are the
warehouse tables; the raw sources point at their lake folders through a `symlinks` facet
(`clemency.transform.lineage`).
"""

from __future__ import annotations

import re
from pathlib import Path

from clemency.lake.layout import Lake

# Characters kept in a file name made from an Airflow run id (`manual__2025-…+00:00`).
_UNSAFE = re.compile(r"[^A-Za-z0-9_.=-]")


def safe_name(text: object) -> str:
    return _UNSAFE.sub("_", str(text))


def airflow_task_lineage(
    lake: Lake, dag_id: str, dag_run_id: str, task_id: str, try_number: int | None
) -> str:
    """The lake-relative pattern of one Airflow task try's event files (START, COMPLETE or
    FAIL), for its audit record."""
    folder = airflow_run_folder(lake, dag_id, dag_run_id)
    pattern = folder / f"{safe_name(task_id)}.{try_number or 0}.*.json"
    return str(pattern.relative_to(lake.root))


def airflow_run_folder(lake: Lake, dag_id: str, dag_run_id: str) -> Path:
    return lake.lineage / "airflow" / safe_name(dag_id) / safe_name(dag_run_id)


def dbt_run_folder(lake: Lake, run_id: str) -> Path:
    return lake.lineage / "dbt" / safe_name(run_id)
