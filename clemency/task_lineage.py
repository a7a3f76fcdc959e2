"""OpenLineage for every Airflow task: its inputs and outputs from its audit record, and a
file transport that writes each event under the lake the task used.

Airflow's OpenLineage provider emits a START and a COMPLETE (or FAIL) event for every task.
A `@task` function is opaque to it, so `AuditedTaskExtractor` (registered for Python tasks by
`[openlineage] extractors`) reads what the task itself recorded: every pipeline step writes
an audit record (`clemency.lake.audit`) naming the Kafka offsets or files it read and the
files it wrote, and the record's trigger names the DAG run, task and try. Those become the
event's datasets (`clemency.lake.lineage_events.record_datasets`): the ingest task's inputs
are its Kafka topics with the offset range of each partition, the transform's the raw
partitions it read, the reports' the marts; and the event carries the audit run ids.

`LakeFileTransport` is OpenLineage's file transport with two changes: the file is named by
DAG, run, task and try under `<lake>/lineage/airflow/` (so the audit record can name it before
it exists), and it is written through `lake.atomic`. The lake is the one the task resolved
(`resolve_runtime`), so events land beside the data they describe.

Configured for Airflow by environment (docker-compose.yml, tests/test_dags.py):
    AIRFLOW__OPENLINEAGE__TRANSPORT='{"type": "clemency.task_lineage.LakeFileTransport"}'
    AIRFLOW__OPENLINEAGE__EXTRACTORS=clemency.task_lineage.AuditedTaskExtractor
    AIRFLOW__OPENLINEAGE__EXECUTE_IN_THREAD=True   (no fork of the task process)
Without them OpenLineage stays off, and nothing here is loaded.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import attr
from airflow.providers.openlineage.extractors.base import BaseExtractor, OperatorLineage
from openlineage.client.facet_v2 import RunFacet
from openlineage.client.serde import Serde
from openlineage.client.transport.file import FileConfig, FileTransport

from clemency.lake.audit import load_runs, record_path
from clemency.lake.layout import Lake
from clemency.lake.lineage import airflow_run_folder, safe_name
from clemency.lake.lineage_events import record_datasets, write_event
from clemency.orchestration import resolve_runtime
from clemency.settings import load_settings

log = logging.getLogger(__name__)

AUDIT_FACET = "clemency_audit"


@attr.define
class AuditRunFacet(RunFacet):
    """The audit records (`clemency runs show <run id>`) of the pipeline runs a task made."""

    runs: list[dict[str, Any]] = attr.field(factory=list)

    @staticmethod
    def _get_schema() -> str:
        return "https://github.com/clemency/clemency/blob/main/docs/architecture.md#lineage-audit"


def task_records(lake: Lake, dag_id: str, dag_run_id: str, task_id: str, try_number: Any) -> list:
    """The audit records written by one task try (from yesterday on: a run id is recent)."""
    since = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    return [
        record
        for record in load_runs(lake, since=since)
        if record.trigger.get("kind") == "airflow"
        and (record.trigger.get("dag_id"), record.trigger.get("task_id")) == (dag_id, task_id)
        and record.trigger.get("dag_run_id") == dag_run_id
        and record.trigger.get("try_number") == try_number
    ]


def task_lineage(task_instance: Any) -> OperatorLineage:
    """What a finished task read and wrote, from its audit records."""
    runtime = resolve_runtime()
    lake = runtime.lake
    records = task_records(
        lake,
        task_instance.dag_id,
        task_instance.run_id,
        task_instance.task_id,
        task_instance.try_number,
    )
    inputs: list[Any] = []
    outputs: list[Any] = []
    for record in reversed(records):  # oldest first
        found_in, found_out = record_datasets(
            lake, record.inputs, record.outputs, runtime.bootstrap_servers
        )
        inputs += found_in
        outputs += found_out
    facet = AuditRunFacet(
        runs=[
            {
                "run_id": record.run_id,
                "command": record.command,
                "status": record.status,
                "record": str(record_path(lake, record).relative_to(lake.root)),
            }
            for record in records
        ]
    )
    return OperatorLineage(inputs=inputs, outputs=outputs, run_facets={AUDIT_FACET: facet})


class AuditedTaskExtractor(BaseExtractor):
    """Inputs and outputs of a Clemency `@task`, read from its audit records once it ends."""

    @classmethod
    def get_operator_classnames(cls) -> list[str]:
        return ["_PythonDecoratedOperator", "PythonOperator"]

    def _execute_extraction(self) -> OperatorLineage | None:
        return OperatorLineage()  # at START nothing is known yet

    def extract_on_complete(self, task_instance: Any) -> OperatorLineage | None:
        return task_lineage(task_instance)

    def extract_on_failure(self, task_instance: Any) -> OperatorLineage | None:
        return task_lineage(task_instance)  # what it read before failing, and its error


@dataclass
class LakeFileConfig(FileConfig):
    """The file transport's config; the folder is the lake's, so no path need be given."""

    log_file_path: str = "lineage/airflow"

    @classmethod
    def from_dict(cls, params: dict[str, Any]) -> LakeFileConfig:
        return cls(log_file_path=str(params.get("log_file_path") or cls.log_file_path))


def _lake() -> Lake:
    """The lake a task resolved; outside a task (the scheduler's DAG-run events) the
    settings' lake, should Airflow refuse a variable lookup there."""
    try:
        return resolve_runtime().lake
    except Exception:
        return load_settings().lake


class LakeFileTransport(FileTransport):
    """The file transport, one event per file under `<lake>/lineage/airflow/`, atomically."""

    config_class = LakeFileConfig

    def lake_path(self, event: Any) -> Path:
        """`<dag>/<dag run>/<task>.<try>.<EVENT>.json` (`_dag.<EVENT>.json` for the run)."""
        body = Serde.to_dict(event)
        facets = (body.get("run") or {}).get("facets") or {}
        airflow = facets.get("airflow") or facets.get("airflowDagRun") or {}
        dag_run = airflow.get("dagRun") or {}
        task_instance = airflow.get("taskInstance") or {}
        dag_id = (airflow.get("dag") or {}).get("dag_id") or dag_run.get("dag_id") or "unknown"
        run_id = dag_run.get("run_id") or body.get("run", {}).get("runId", "unknown")
        job = str((body.get("job") or {}).get("name") or "unknown")
        kind = body.get("eventType") or "EVENT"
        folder = airflow_run_folder(_lake(), dag_id, run_id)
        if task_instance:
            task_id = job.removeprefix(f"{dag_id}.")
            return folder / f"{safe_name(task_id)}.{task_instance.get('try_number', 0)}.{kind}.json"
        return folder / f"_dag.{kind}.json"

    def emit(self, event: Any) -> None:
        write_event(self.lake_path(event), event)
