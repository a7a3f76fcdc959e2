"""Daily housekeeping: enforce the restricted zones' retention, then check the lake.

`purge_expired` deletes quarantine files and validation results (and raw files, when a raw
retention is set) older than their retention period, counted back from the end of the data
interval, so a rerun of a day deletes nothing more. `check_lake` runs `clemency doctor`'s
checks and fails on any error, which raises the usual failure alert.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronDataIntervalTimetable, dag, task

from clemency.orchestration import deadline_alert, on_failure


@dag(
    schedule=CronDataIntervalTimetable("0 19 * * *", timezone="UTC"),  # 02:00 in Vietnam
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    doc_md=__doc__,
    max_active_runs=1,
    tags=["clemency", "housekeeping"],
    default_args={"owner": "clemency", "on_failure_callback": on_failure},
    deadline=deadline_alert(timedelta(hours=1)),
)
def housekeeping():
    @task
    def purge_expired(*, data_interval_end=None) -> dict[str, int]:
        """Delete restricted files past retention; return how many and how many bytes."""
        from clemency.ops.retention import purge
        from clemency.orchestration import resolve_runtime

        runtime = resolve_runtime()
        result = purge(
            runtime.lake,
            quarantine_days=runtime.quarantine_retention_days,
            raw_days=runtime.raw_retention_days,
            now=data_interval_end,
        )
        return {"files": len(result.deleted), "bytes": result.bytes_freed}

    @task
    def check_lake() -> dict[str, int]:
        """`clemency doctor`: fail on any error, log every finding."""
        import logging

        from clemency.ops.doctor import ERROR, examine
        from clemency.orchestration import resolve_runtime

        findings = examine(resolve_runtime().lake)
        for finding in findings:
            logging.getLogger(__name__).warning(
                "%s %s: %s: %s (what to do: %s)",
                finding.severity,
                finding.code,
                finding.path,
                finding.problem,
                finding.remedy,
            )
        errors = [f for f in findings if f.severity == ERROR]
        if errors:
            raise RuntimeError(
                f"clemency doctor found {len(errors)} error(s), first: "
                f"{errors[0].code} {errors[0].path}: {errors[0].problem}"
            )
        return {"warnings": len(findings)}

    purge_expired() >> check_lake()


housekeeping()
