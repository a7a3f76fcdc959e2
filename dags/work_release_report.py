"""Write the yearly work-and-training-release report MoPS sends upward (Resolution 54/2022).

Yearly data intervals: the run for [1 Jan Y, 1 Jan Y+1) reports year Y from the latest
curated marts. The report lands in `$CLEMENCY_LAKE/reports/work-release/<as-of date>/` as
HTML, XLSX and PDF, and the portal `reports/index.html` is rebuilt.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import CronDataIntervalTimetable, dag, task

from clemency.orchestration import on_failure


@dag(
    schedule=CronDataIntervalTimetable("0 0 1 1 *", timezone="UTC"),
    start_date=pendulum.datetime(2023, 1, 1, tz="UTC"),
    catchup=False,
    doc_md=__doc__,
    max_active_runs=1,
    tags=["clemency", "reports", "work_release"],
    default_args={"owner": "clemency", "on_failure_callback": on_failure},
)
def work_release_report():
    @task
    def build(*, data_interval_start=None) -> list[str]:
        """The report of the interval's year; returns the files written."""
        from clemency.orchestration import resolve_runtime
        from clemency.reports.work_release_report import build_work_release_report

        lake = resolve_runtime().lake
        files = build_work_release_report(lake, data_interval_start.year, lake.reports)
        return [str(path) for path in files.values()]

    build()


work_release_report()
