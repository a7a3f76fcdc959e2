"""The end-to-end demo: every stage once, on an embedded broker that is always stopped."""

from __future__ import annotations

import datetime as dt
import time

from clemency.ingest.publish import publish_events
from clemency.ingest.run import ingest
from clemency.kafka.broker import EmbeddedBroker
from clemency.kafka.clients import ensure_pipeline_topics
from clemency.reports.round_report import build_round_report
from clemency.reports.summary import write_summary
from clemency.settings import Settings
from clemency.transform.dbt import transform


def run_demo(settings: Settings, inmates: int, seed: int, as_of: dt.date) -> dict[str, str]:
    """Run the slice and return what was produced and where, for printing."""
    from producers.simulator import SimulationConfig, simulate

    lake = settings.lake
    lake.root.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with EmbeddedBroker(log_path=lake.root / "broker.log") as broker:
        # Its own loopback broker speaks PLAINTEXT only: settings.kafka (TLS/SASL for a real
        # cluster) does not apply here, so every client below uses the default.
        bootstrap = broker.bootstrap_servers
        ensure_pipeline_topics(settings, bootstrap)
        config = SimulationConfig(inmates=inmates, seed=seed, as_of=as_of)
        published = publish_events(bootstrap, simulate(config))
        if not published.ok:
            raise RuntimeError(f"simulator produced invalid events: {published.rejected[:3]}")
        landed = ingest(bootstrap, lake)
    transform(lake, as_of)
    summary = write_summary(lake, as_of)
    report = build_round_report(lake, "2025-2", lake.reports)
    return {
        "events published": f"{published.sent:,}",
        "events landed": f"{landed.total('landed'):,}",
        "quarantined": f"{landed.total('quarantined'):,}",
        "raw lake": str(lake.raw),
        "quarantine": str(lake.quarantine),
        "ingest ledger": str(lake.ingest_ledger),
        "aggregate marts": str(lake.curated),
        "restricted (dbt)": f"{lake.restricted} (person-level marts, warehouse; owner only)",
        "analyst catalog": f"{lake.catalog()} (views; README: For analysts)",
        "dbt docs": str(lake.dbt_docs_site),
        "summary (HTML)": str(summary),
        "round 2025-2 report": ", ".join(str(report[kind]) for kind in ("html", "xlsx", "pdf")),
        "report portal": f"{lake.portal_page()} (English: {lake.portal_page('en').name})",
        "took": f"{time.monotonic() - started:.1f} s",
    }
