"""One self-contained HTML file: inline CSS, inline SVG, no script, no external URL."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from clemency.lake import atomic
from clemency.reports.data import Report, Table
from clemency.reports.i18n import number, t
from clemency.reports.privacy import PRIMARY
from clemency.reports.safe_text import html as escape  # clean, then html.escape(quote=True)

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


def render_table(table: Table, lang: str, heading: bool = True) -> str:
    numeric = {i for i, k in enumerate(table.kinds) if k in ("int", "float")}

    def cls(c: int) -> str:
        return ' class="n"' if c in numeric else ""

    head = "".join(f"<th{cls(c)}>{escape(h)}</th>" for c, h in enumerate(table.columns))
    body = []
    for r, row in enumerate(table.rows):
        cells = []
        for c, value in enumerate(row):
            text = escape(cell_text(table, r, c, value, lang))
            hidden = (r, c) in table.hidden
            cells.append(f'<td class="{"hidden" if hidden else "n"}">{text}</td>'
                         if hidden or c in numeric else f"<td>{text}</td>")  # fmt: skip
        body.append("<tr>" + "".join(cells) + "</tr>")
    foot = ""
    if table.total:
        foot = (
            "<tfoot><tr>"
            + "".join(
                f"<td{cls(c)}>{escape(cell_text(table, None, c, v, lang))}</td>"
                for c, v in enumerate(table.total)
            )
            + "</tr></tfoot>"
        )
    parts = [f'<h3 id="{escape(_anchor(table.key))}">{escape(table.title)}</h3>'] if heading else []
    if table.chart:
        parts.append(f'<div class="chart">{table.chart}</div>')
    if table.rows:
        parts.append(
            f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody>{foot}</table></div>"
        )
    parts += [f'<p class="note">{escape(note)}</p>' for note in table.notes]
    return "\n".join(parts)


def render_html(report: Report) -> str:
    lang = report.lang
    cards = "".join(
        f'<div class="card">{escape(label)}<b>{escape(number(value, lang))}</b></div>'
        for label, value in report.cards
    )
    toc = "".join(
        f'<li><a href="#s{i}">{escape(section.title)}</a></li>'
        for i, section in enumerate(report.sections, 1)
    )
    sections = "\n".join(
        f'<section><h2 id="s{i}">{i}. {escape(section.title)}</h2>\n'
        + "\n".join(
            render_table(table, lang, heading=table.title != section.title)
            for table in section.tables
        )
        + "</section>"
        for i, section in enumerate(report.sections, 1)
    )
    meta = "".join(f'<p class="meta">{escape(line)}</p>' for line in report.meta)
    return f"""<!doctype html>
<html lang="{escape(lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(report.title)}</title><style>{STYLE}</style></head>
<body>
<h1>{escape(report.title)}</h1>
{meta}
<div class="cards" aria-label="{escape(t("key_figures", lang))}">{cards}</div>
<nav><h2>{escape(t("contents", lang))}</h2><ol>{toc}</ol></nav>
{sections}
</body></html>
"""


def write_html(report: Report, path: Path) -> Path:
    return atomic.write_text(path, render_html(report))
