"""Write the monitoring report of each amnesty round whenever the curated marts change.

Consumes the curated asset, so it follows every `eligibility_daily` run (and backfill);
trigger it by hand with `round_id` to report one round. The reports land in
`$CLEMENCY_LAKE/reports/<round id>/<as-of date>/` as HTML, XLSX and PDF, and the portal
`reports/index.html` is rebuilt.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task
from assets import CURATED

from clemency.orchestration import on_failure


@dag(
    schedule=[CURATED],
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    doc_md=__doc__,
    max_active_runs=1,
    tags=["clemency", "reports", "amnesty"],
    default_args={"owner": "clemency", "on_failure_callback": on_failure},
    params={
        "round_id": Param(
            None,
            type=["null", "string"],
            description="One round, e.g. 2025-2; empty = every round in the amnesty mart",
        ),
        "lang": Param("vi", enum=["vi", "en"], description="Report language"),
    },
)
def round_report():
    @task
    def build(*, params=None, triggering_asset_events=None) -> dict[str, list[str]]:
        """Every round's report (or the one asked for) from the latest published marts;
        returns the files per round. A build of an older as-of date (a backfill) leaves the
        current report as it is."""
        from clemency.orchestration import resolve_runtime, triggered_by_latest
        from clemency.reports.round_report import build_reports_for_rounds

        if not triggered_by_latest(triggering_asset_events):
            return {}
        lake = resolve_runtime().lake
        built = build_reports_for_rounds(lake, params.get("round_id"), params.get("lang", "vi"))
        return {round_id: [str(p) for p in files.values()] for round_id, files in built.items()}

    build()


round_report()
