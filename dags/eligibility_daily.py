"""Build the curated marts with dbt for one as-of date a day, then write the run summary.

Time-scheduled with real daily data intervals (UTC midnight to midnight), so
`airflow backfill create --dag-id eligibility_daily --from-date ... --to-date ...` rebuilds
any range of days. The run for the interval [D, D+1) computes **as-of D**: it starts once
day D is over and sees the events recorded on or before D. A manual run takes the last
complete interval before its logical date, or the `as_of` param when one is given.

A backfill does not pay a full build per day: each build is incremental (only new raw
files are staged, the seeds and dbt's parse are kept), a backfill run whose day is already
published from the same raw files and seeds is done, and with
`--dag-run-conf '{"backfill_to": "<last day>"}'` the first run builds the whole range in
one pass and the others find their day done.

The dbt task runs in the `dbt` pool (one slot): DuckDB allows a single writer.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronDataIntervalTimetable, Param, dag, task
from assets import CURATED

from clemency.orchestration import deadline_alert, on_failure, transient_retry_policy


@dag(
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    doc_md=__doc__,
    max_active_runs=1,
    tags=["clemency", "dbt", "eligibility"],
    default_args={"owner": "clemency", "on_failure_callback": on_failure},
    # Queued at UTC midnight (07:00 in Vietnam); a build takes minutes: not done by 10:00
    # means the morning's reports are late.
    deadline=deadline_alert(timedelta(hours=3)),
    params={
        "as_of": Param(
            None,
            type=["null", "string"],
            format="date",
            description="Override the as-of date (YYYY-MM-DD); empty = the data interval's start",
        ),
        "backfill_to": Param(
            None,
            type=["null", "string"],
            format="date",
            description=(
                "In a backfill: its last as-of date; the backfill's first run then builds "
                "every day through it in one pass and the other runs find their day done"
            ),
        ),
    },
)
def eligibility_daily():
    @task(
        pool="dbt",
        outlets=[CURATED],
        retries=2,
        retry_delay=timedelta(minutes=1),
        retry_exponential_backoff=2.0,
        retry_policy=transient_retry_policy(),
    )
    def transform(
        *, data_interval_start=None, params=None, dag_run=None, outlet_events=None
    ) -> str:
        """`dbt build` for the run's as-of date; aggregate marts land under curated/,
        person-level ones under restricted/curated/. In a backfill, a day already built
        from the same inputs is done (see `build_run_days`)."""
        from clemency.orchestration import as_of_date, build_run_days, resolve_runtime

        params = params or {}
        as_of = as_of_date(data_interval_start, params.get("as_of"))
        _, latest = build_run_days(
            resolve_runtime().lake,
            as_of,
            getattr(dag_run, "run_type", None),
            params.get("backfill_to"),
        )
        # `latest`: whether this set became the published one (a backfill's older day does
        # not); the report DAG builds the as-of the event carries and leaves the current
        # report alone for an older day.
        outlet_events[CURATED].extra = {"as_of": as_of.isoformat(), "latest": latest}
        return as_of.isoformat()

    @task
    def summary(as_of: str) -> str:
        """The one-page HTML summary for the same as-of date; returns its path."""
        import datetime as dt

        from clemency.orchestration import resolve_runtime
        from clemency.reports.summary import write_summary

        lake = resolve_runtime().lake
        return str(write_summary(lake, dt.date.fromisoformat(as_of)))

    # Airflow passes transform's str at run time; its stubs type the call's value as XComArg.
    summary(transform())  # type: ignore[arg-type]


eligibility_daily()
