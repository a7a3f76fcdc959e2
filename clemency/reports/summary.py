"""The one-page HTML summary of a pipeline run: what was ingested, quarantined and built.

Self-contained (inline CSS, no scripts, no external URL) and free of personal data:
it shows counts only.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from clemency.lake.audit import RunRecord, file_entry
from clemency.lake.layout import SUMMARY_REPORTS, Lake
from clemency.reports.publish import write_audited_page
from clemency.reports.templating import render, trusted

SUMMARY_MARTS = ("facility_population", "round_funnel", "work_release_eligibility")

STYLE = """
body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2rem;color:#1d2733;max-width:60rem}
h1{font-size:1.4rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:1.6rem}
.meta{color:#5b6775;font-size:.9rem}table{border-collapse:collapse;margin-top:.5rem}
th,td{border:1px solid #c9d1da;padding:.25rem .6rem;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#eef2f6}
.cards{display:flex;gap:1rem}.card{border:1px solid #c9d1da;border-radius:6px;padding:.6rem 1rem}
.card b{display:block;font-size:1.4rem}
"""


def write_summary(lake: Lake, as_of: dt.date, generated_at: dt.datetime | None = None) -> Path:
    """Write `reports/summary/<as_of>/summary-<as_of>.html` as a report run on the audit
    trail (the portal lists it) and return its path."""
    generated_at = generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0)

    def render(record: RunRecord) -> tuple[str, str, dt.datetime]:
        marts = [_mart(lake, name, as_of) for name in SUMMARY_MARTS]
        record.inputs = [file_entry(path, lake) for path in marts if path.exists()]
        page = render_summary(lake, as_of, generated_at)
        return page, f"Tóm tắt lần chạy {as_of.isoformat()}", generated_at

    return write_audited_page(
        lake,
        {"program": "summary", "as_of": as_of.isoformat()},
        SUMMARY_REPORTS,
        as_of,
        f"summary-{as_of.isoformat()}.html",
        render,
    )


def _mart(lake: Lake, name: str, as_of: dt.date) -> Path:
    """The mart as built for `as_of` (a backfill's summary shows its own day), or the latest
    set when that day has no snapshot (a lake built by hand)."""
    snapshot = lake.mart(name, as_of)
    return snapshot if snapshot.is_file() else lake.mart(name)


def render_summary(lake: Lake, as_of: dt.date, generated_at: dt.datetime) -> str:
    """The page's HTML (`templates/summary.html.j2`), from the ledger, quarantine and marts."""
    ledger_files = sorted(lake.ingest_ledger.glob("*.parquet"))
    ledger_rows = [row for f in ledger_files for row in pq.read_table(f).to_pylist()]
    landed: Counter[str] = Counter()
    quarantined: Counter[str] = Counter()
    for row in ledger_rows:
        landed[row["topic"]] += row["landed"]
        quarantined[row["topic"]] += row["quarantined"]

    reasons: Counter[str] = Counter()
    for path in sorted(lake.quarantine.rglob("*.parquet")):
        for codes in pq.read_table(path, columns=["reason_codes"]).column(0).to_pylist():
            reasons.update(codes)

    population = pq.read_table(_mart(lake, "facility_population", as_of))
    by_agency: Counter[str] = Counter()
    by_province: Counter[str] = Counter()
    for row in population.to_pylist():
        by_agency[row["agency"]] += row["people_admitted"]
        by_province[row["province"]] += row["people_admitted"]
    people = int(pc.sum(population.column("people_admitted")).as_py() or 0)

    cards = [
        ("Sự kiện đã nhận (events landed)", sum(landed.values())),
        ("Bị cách ly (quarantined)", sum(quarantined.values())),
        ("Cơ sở giam giữ (facilities)", population.num_rows),
        ("Người đã tiếp nhận (people admitted)", people),
    ]
    topics = sorted(set(landed) | set(quarantined))
    statuses = ["eligible", "almost_eligible", "ineligible", "excluded"]
    by_round: dict[str, Counter] = {}
    for row in pq.read_table(_mart(lake, "round_funnel", as_of)).to_pylist():
        if row["reason"] == "all":
            by_round.setdefault(row["round_id"], Counter())[row["status"]] += row["people"]
    work_release = Counter(
        pq.read_table(_mart(lake, "work_release_eligibility", as_of), columns=["status"])
        .column(0)
        .to_pylist()
    )
    # each table: (headers, rows, indexes of its numeric columns)
    return render(
        "summary.html.j2",
        as_of=as_of.isoformat(),
        stamp=generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        style=trusted(STYLE),
        cards=cards,
        amnesty=(
            ["Round", "Considered", *statuses],
            [
                [round_id, sum(counts.values()), *(counts[s] for s in statuses)]
                for round_id, counts in sorted(by_round.items())
            ],
            set(range(1, 6)),
        ),
        work_release=(
            ["Considered", *statuses],
            [[sum(work_release.values()), *(work_release[s] for s in statuses)]],
            set(range(5)),
        ),
        ingest=(
            ["Topic", "Landed", "Quarantined"],
            [[t, landed[t], quarantined[t]] for t in topics],
            {1, 2},
        ),
        reasons=(["Reason", "Records"], sorted(reasons.items()), {1}),
        by_agency=(["Agency", "People admitted"], sorted(by_agency.items()), {1}),
        by_province=(["Province", "People admitted"], sorted(by_province.items()), {1}),
    )
