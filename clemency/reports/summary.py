"""The one-page HTML summary of a pipeline run: what was ingested, quarantined and built.

Self-contained (inline CSS, no scripts, no external URL) and free of personal data:
it shows counts only.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from clemency.lake import atomic
from clemency.lake.layout import Lake
from clemency.reports.safe_text import html as escape  # clean, then html.escape(quote=True)

STYLE = """
body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2rem;color:#1d2733;max-width:60rem}
h1{font-size:1.4rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:1.6rem}
.meta{color:#5b6775;font-size:.9rem}table{border-collapse:collapse;margin-top:.5rem}
th,td{border:1px solid #c9d1da;padding:.25rem .6rem;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#eef2f6}
.cards{display:flex;gap:1rem}.card{border:1px solid #c9d1da;border-radius:6px;padding:.6rem 1rem}
.card b{display:block;font-size:1.4rem}
"""


def _table(headers: list[str], rows: Sequence[Sequence[object]], numeric: set[int]) -> str:
    head = "".join(
        f'<th class="n">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{value:,}</td>' if i in numeric else f"<td>{escape(str(value))}</td>"
            for i, value in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_summary(lake: Lake, as_of: dt.date, generated_at: dt.datetime | None = None) -> Path:
    """Write `reports/summary-<as_of>.html` and return its path."""
    generated_at = generated_at or dt.datetime.now(dt.UTC)
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

    population = pq.read_table(lake.mart("facility_population"))
    by_agency: Counter[str] = Counter()
    by_province: Counter[str] = Counter()
    for row in population.to_pylist():
        by_agency[row["agency"]] += row["people_admitted"]
        by_province[row["province"]] += row["people_admitted"]
    people = int(pc.sum(population.column("people_admitted")).as_py() or 0)

    cards = "".join(
        f'<div class="card">{escape(label)}<b>{value:,}</b></div>'
        for label, value in [
            ("Sự kiện đã nhận (events landed)", sum(landed.values())),
            ("Bị cách ly (quarantined)", sum(quarantined.values())),
            ("Cơ sở giam giữ (facilities)", population.num_rows),
            ("Người đã tiếp nhận (people admitted)", people),
        ]
    )
    topics = sorted(set(landed) | set(quarantined))
    ingest_table = _table(
        ["Topic", "Landed", "Quarantined"],
        [[t, landed[t], quarantined[t]] for t in topics],
        {1, 2},
    )
    reasons_table = (
        _table(["Reason", "Records"], sorted(reasons.items()), {1})
        if reasons
        else "<p>Không có (none).</p>"
    )
    stamp = generated_at.strftime("%Y-%m-%d %H:%M UTC")
    statuses = ["eligible", "almost_eligible", "ineligible", "excluded"]
    by_round: dict[str, Counter] = {}
    for row in pq.read_table(lake.mart("round_funnel")).to_pylist():
        if row["reason"] == "all":
            by_round.setdefault(row["round_id"], Counter())[row["status"]] += row["people"]
    amnesty_table = _table(
        ["Round", "Considered", *statuses],
        [
            [round_id, sum(counts.values()), *(counts[s] for s in statuses)]
            for round_id, counts in sorted(by_round.items())
        ],
        set(range(1, 6)),
    )
    work_release = Counter(
        pq.read_table(lake.mart("work_release_eligibility"), columns=["status"])
        .column(0)
        .to_pylist()
    )
    work_release_table = _table(
        ["Considered", *statuses],
        [[sum(work_release.values()), *(work_release[s] for s in statuses)]],
        set(range(5)),
    )
    html = f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<title>Tóm tắt lần chạy {escape(as_of.isoformat())}</title><style>{STYLE}</style></head>
<body>
<h1>Tóm tắt lần chạy dữ liệu đặc xá — {escape(as_of.isoformat())}</h1>
<p class="meta">Pipeline run summary · as of {escape(as_of.isoformat())} ·
generated {escape(stamp)} · counts only, no personal data</p>
<div class="cards">{cards}</div>
<h2>Xét đặc xá theo đợt (amnesty decisions by round)</h2>
{amnesty_table}
<h2>Lao động, học tập ngoài trại giam (work and training release, as of the run)</h2>
{work_release_table}
<h2>Tiếp nhận theo chủ đề (ingest by topic)</h2>
{ingest_table}
<h2>Lý do cách ly (quarantine reasons)</h2>
{reasons_table}
<h2>Theo cơ quan quản lý (by agency)</h2>
{_table(["Agency", "People admitted"], sorted(by_agency.items()), {1})}
<h2>Theo tỉnh, thành phố (by province)</h2>
{_table(["Province", "People admitted"], sorted(by_province.items()), {1})}
</body></html>
"""
    lake.reports.mkdir(parents=True, exist_ok=True)
    path = lake.reports / f"summary-{as_of.isoformat()}.html"
    return atomic.write_text(path, html)
