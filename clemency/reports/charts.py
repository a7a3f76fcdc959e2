"""Hand-written SVG charts as strings: no script, no external reference, every text escaped."""

from __future__ import annotations

import datetime as dt

from clemency.reports.safe_text import html as escape  # clean, then html.escape(quote=True)

FONT = "font-family=\"'DejaVu Sans',Arial,sans-serif\""
COLOURS = ["#2f6690", "#3a7ca5", "#81c3d7", "#d9a441", "#b5523b", "#6c757d"]


def _text(x: float, y: float, text: str, size: int = 11, anchor: str = "start", **extra) -> str:
    attrs = "".join(f' {k.replace("_", "-")}="{escape(str(v))}"' for k, v in extra.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" {FONT}{attrs}>'
        f"{escape(text)}</text>"
    )


def bar_chart(
    title: str, items: list[tuple[str, int]], width: int = 640, number=lambda v: f"{v:,}"
) -> str:
    """Horizontal bars, one per (label, value), in the given order."""
    bar_h, gap, label_w, top = 18, 6, 230, 28
    height = top + len(items) * (bar_h + gap) + 8
    largest = max((v for _, v in items), default=0) or 1
    span = width - label_w - 70
    parts = [
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        _text(0, 16, title, 13, font_weight="bold"),
    ]
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_h + gap)
        w = span * value / largest
        colour = COLOURS[i % len(COLOURS)]
        parts.append(_text(label_w - 8, y + 13, label, 11, "end"))
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>'
        )
        parts.append(_text(label_w + w + 5, y + 13, number(value), 11))
    parts.append("</svg>")
    return "".join(parts)


def timeline(
    title: str,
    milestones: list[tuple[dt.date, str, str]],
    width: int = 900,
) -> str:
    """Milestones (date, label, kind) on one date axis; kind "deadline" is drawn as a
    hollow diamond, "actual" as a filled circle. Labels alternate above and below."""
    dated = sorted((m for m in milestones if m[0] is not None), key=lambda m: (m[0], m[1]))
    rows = len(dated)
    left, right, axis_y = 20, width - 20, 40 + 16 * ((rows + 1) // 2)
    height = axis_y + 26 + 16 * ((rows + 1) // 2) + 10
    parts = [
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        _text(0, 16, title, 13, font_weight="bold"),
    ]
    if not dated:
        parts.append("</svg>")
        return "".join(parts)
    first, last = dated[0][0], dated[-1][0]
    days = max((last - first).days, 1)

    def x_of(day: dt.date) -> float:
        return left + (right - left) * (day - first).days / days

    parts.append(
        f'<line x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}" stroke="#5b6775" '
        'stroke-width="2"/>'
    )
    above = below = 0
    for i, (day, label, kind) in enumerate(dated):
        x = x_of(day)
        if i % 2 == 0:
            above += 1
            y_label = axis_y - 12 - 16 * (above - 1)
        else:
            below += 1
            y_label = axis_y + 22 + 16 * (below - 1)
        end = y_label - 11 if i % 2 else y_label + 3
        parts.append(
            f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{end:.1f}" stroke="#c9d1da"/>'
        )
        if kind == "deadline":
            parts.append(
                f'<path d="M{x:.1f} {axis_y - 6} l6 6 l-6 6 l-6 -6 z" fill="#fff" '
                'stroke="#b5523b" stroke-width="2"/>'
            )
        else:
            parts.append(f'<circle cx="{x:.1f}" cy="{axis_y}" r="5" fill="#2f6690"/>')
        anchor = "start" if x < width * 0.6 else "end"
        parts.append(_text(x, y_label, f"{day.isoformat()} {label}", 10, anchor))
    parts.append("</svg>")
    return "".join(parts)
