"""Land new Kafka records into the raw lake (and quarantine) every 15 minutes.

The task is a bounded consumer: it reads every data topic from the committed offsets until
caught up, lands the records, and commits only after the files are durable. A rerun, a retry
or an overlapping backfill therefore neither loses nor doubles a record, so the run is not
keyed by its data interval: each run simply takes whatever arrived since the last commit.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task
from assets import RAW_LAKE

from clemency.orchestration import deadline_alert, on_failure, transient_retry_policy


@dag(
    schedule="*/15 * * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    doc_md=__doc__,
    max_active_runs=1,
    tags=["clemency", "ingest"],
    default_args={"owner": "clemency", "on_failure_callback": on_failure},
    deadline=deadline_alert(timedelta(minutes=30)),  # two runs' worth: the lake is falling behind
)
def ingest():
    @task(
        outlets=[RAW_LAKE],
        retries=3,
        retry_delay=timedelta(seconds=30),
        retry_exponential_backoff=2.0,
        max_retry_delay=timedelta(minutes=5),
        retry_policy=transient_retry_policy(),
        execution_timeout=timedelta(minutes=14),
    )
    def land_new_records(*, outlet_events=None) -> dict[str, int]:
        """Consume every data topic up to now; return the run's ledger totals."""
        from clemency.ingest.run import ingest as run_ingest
        from clemency.orchestration import resolve_runtime

        runtime = resolve_runtime()
        # A CLI ingest (a backfill, a replay) may hold the lake: wait for it, within the run.
        result = run_ingest(
            runtime.bootstrap_servers, runtime.lake, security=runtime.kafka, lock_timeout_s=300
        )
        totals = {name: result.total(name) for name in ("consumed", "landed", "quarantined")}
        outlet_events[RAW_LAKE].extra = {"ingest_run_id": result.run_id, **totals}
        return totals

    land_new_records()


ingest()
