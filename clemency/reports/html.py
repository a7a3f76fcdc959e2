"""One self-contained HTML file: inline CSS, inline SVG, no script, no external URL.

Rendered through `templates/report.html.j2` (and `table.html.j2`) by the autoescaping
environment of `templating`: this module only decides what each cell shows."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from clemency.reports.data import Report, Table
from clemency.reports.i18n import number, t
from clemency.reports.privacy import PRIMARY
from clemency.reports.templating import render, trusted

STYLE = """
*{box-sizing:border-box}
body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2rem auto;color:#1d2733;max-width:72rem;
padding:0 1rem;font-size:14px}
h1{font-size:1.5rem;margin-bottom:.3rem}h2{font-size:1.15rem;margin-top:2rem;
border-bottom:2px solid #2f6690;padding-bottom:.2rem}h3{font-size:1rem;margin:1.2rem 0 .3rem}
.meta{color:#5b6775;font-size:.9rem;margin:.15rem 0}
table{border-collapse:collapse;margin-top:.4rem}
th,td{border:1px solid #c9d1da;padding:.2rem .5rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}td.n{white-space:nowrap}
th{background:#eef2f6}tfoot td{font-weight:bold;background:#f6f8fa}
td.hidden{color:#8a94a0;text-align:center}
.note{color:#5b6775;font-size:.85rem;margin:.3rem 0}
.cards{display:flex;flex-wrap:wrap;gap:.6rem;margin-top:1rem}
.card{border:1px solid #c9d1da;border-radius:6px;padding:.5rem .8rem;min-width:8.5rem}
.card b{display:block;font-size:1.35rem}
nav ol{columns:2;font-size:.9rem}
.chart,.scroll{margin:.6rem 0;overflow-x:auto}td:first-child{min-width:9rem}
@media print{body{margin:0;max-width:none}h2{break-before:auto}}
"""


def cell_text(table: Table, r: int | None, c: int, value: Any, lang: str) -> str:
    """What a cell shows: hidden counts become "<threshold" (primary) or "–" (complement)."""
    if r is not None and (r, c) in table.hidden:
        return f"<{table.threshold}" if table.hidden[(r, c)] == PRIMARY else "–"
    if value is None:
        return ""
    if isinstance(value, bool):
        return t("yes" if value else "no", lang)
    if isinstance(value, int):
        return number(value, lang)
    if isinstance(value, float):
        return number(value, lang, 1)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _anchor(key: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "-", key.lower())


def table_view(table: Table, lang: str, heading: bool = True) -> dict[str, Any]:
    """What `table.html.j2` shows of a table: every cell's text and class (hidden counts as
    "<threshold" or "–", numbers right-aligned)."""
    numeric = {i for i, k in enumerate(table.kinds) if k in ("int", "float")}

    def cls(c: int) -> str | None:
        return "n" if c in numeric else None

    rows = [
        [
            (cell_text(table, r, c, value, lang), "hidden" if (r, c) in table.hidden else cls(c))
            for c, value in enumerate(row)
        ]
        for r, row in enumerate(table.rows)
    ]
    total = [(cell_text(table, None, c, v, lang), cls(c)) for c, v in enumerate(table.total or [])]
    return {
        "heading": heading,
        "anchor": _anchor(table.key),
        "title": table.title,
        "chart": trusted(table.chart) if table.chart else None,  # charts escape their text
        "columns": [(header, cls(c)) for c, header in enumerate(table.columns)],
        "rows": rows,
        "total": total,
        "notes": table.notes,
    }


def render_table(table: Table, lang: str, heading: bool = True) -> str:
    return render("table.html.j2", view=table_view(table, lang, heading))


def render_html(report: Report) -> str:
    lang = report.lang
    sections = [
        {
            "title": section.title,
            "tables": [
                table_view(table, lang, table.title != section.title) for table in section.tables
            ],
        }  # fmt: skip
        for section in report.sections
    ]
    return render(
        "report.html.j2",
        lang=lang,
        title=report.title,
        style=trusted(STYLE),
        meta=report.meta,
        key_figures=t("key_figures", lang),
        cards=[(label, number(value, lang)) for label, value in report.cards],
        contents=t("contents", lang),
        sections=sections,
    )
