"""The PDF for sending: A4, DejaVu Sans (Vietnamese glyphs), reproducible (`invariant=1`).

Paragraph text is reportlab markup, so every string goes through `safe_text.pdf` (cleaned,
`<` `>` `&` escaped, cut to `safe_text.PDF_MAX_CHARS`; table headers to `HEADER_MAX_CHARS`).
Table rows may split inside a row (`splitInRow`) so a very long name cannot make a row
taller than the page (reportlab's LayoutError); ordinary rows still move whole.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

from clemency.reports import safe_text
from clemency.reports.data import Report, Table
from clemency.reports.html import cell_text
from clemency.reports.i18n import number

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
GRID = colors.HexColor("#c9d1da")
HEAD = colors.HexColor("#eef2f6")
INK = colors.HexColor("#1d2733")
MUTED = colors.HexColor("#5b6775")
BAR = colors.HexColor("#2f6690")
HEADER_MAX_CHARS = 120  # a header row repeats on every page and cannot split
SPLIT_IN_ROW = 100  # points: split a row only when it leaves at least this much on each page


class FontMissing(RuntimeError):
    pass


def register_fonts(font_dir: Path = FONT_DIR) -> None:
    """Register DejaVu Sans (regular, bold); a clear error naming the path if missing."""
    for name, file in [(FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")]:
        path = font_dir / file
        if not path.is_file():
            raise FontMissing(
                f"TrueType font with Vietnamese glyphs not found: {path} "
                "(install fonts-dejavu-core)"
            )
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=11.5, textColor=INK)
    return {
        "title": ParagraphStyle("title", base, fontName=FONT_BOLD, fontSize=16, leading=20,
                                spaceAfter=4),
        "h2": ParagraphStyle("h2", base, fontName=FONT_BOLD, fontSize=12.5, leading=16,
                             spaceBefore=10, spaceAfter=4, textColor=BAR),
        "h3": ParagraphStyle("h3", base, fontName=FONT_BOLD, fontSize=10, leading=13,
                             spaceBefore=6, spaceAfter=3),
        "meta": ParagraphStyle("meta", base, fontSize=8.5, leading=11, textColor=MUTED),
        "note": ParagraphStyle("note", base, fontSize=7.5, leading=9.5, textColor=MUTED,
                               spaceBefore=2),
        "cell": ParagraphStyle("cell", base, fontSize=7.5, leading=9),
        "num": ParagraphStyle("num", base, fontSize=7.5, leading=9, alignment=2),
        "head": ParagraphStyle("head", base, fontName=FONT_BOLD, fontSize=7.5, leading=9),
        "headnum": ParagraphStyle("headnum", base, fontName=FONT_BOLD, fontSize=7.5, leading=9,
                                  alignment=2),
        "card": ParagraphStyle("card", base, fontSize=8, leading=10, textColor=MUTED),
        "cardnum": ParagraphStyle("cardnum", base, fontName=FONT_BOLD, fontSize=14, leading=17),
    }  # fmt: skip


def _p(text: str, style: ParagraphStyle, limit: int = safe_text.PDF_MAX_CHARS) -> Paragraph:
    return Paragraph(safe_text.pdf(text, limit), style)


def _bar_drawing(chart: dict, lang: str, width: float) -> Drawing:
    items = chart["items"]
    bar_h, gap, label_w, top = 11, 4, 150, 16
    height = top + len(items) * (bar_h + gap) + 4
    drawing = Drawing(width, height)
    title = safe_text.clean(chart["title"], HEADER_MAX_CHARS)
    drawing.add(String(0, height - 11, title, fontName=FONT_BOLD, fontSize=9))
    largest = max((v for _, v in items), default=0) or 1
    span = width - label_w - 50
    for i, (label, value) in enumerate(items):
        y = height - top - (i + 1) * (bar_h + gap) + gap
        label = safe_text.clean(label, 40)
        drawing.add(String(label_w - 5, y + 2, label, fontName=FONT, fontSize=7.5,
                           textAnchor="end"))  # fmt: skip
        w = span * value / largest
        drawing.add(Rect(label_w, y, w, bar_h, fillColor=BAR, strokeColor=None))
        drawing.add(String(label_w + w + 4, y + 2, number(value, lang), fontName=FONT,
                           fontSize=7.5))  # fmt: skip
    return drawing


def _table(table: Table, lang: str, styles, width: float) -> LongTable:
    numeric = {i for i, k in enumerate(table.kinds) if k in ("int", "float")}
    head = [_p(h, styles["headnum" if c in numeric else "head"], HEADER_MAX_CHARS) for c, h in
            enumerate(table.columns)]  # fmt: skip
    data = [head]
    for r, row in enumerate(table.rows):
        data.append(
            [_p(cell_text(table, r, c, v, lang), styles["num" if c in numeric else "cell"])
             for c, v in enumerate(row)]
        )  # fmt: skip
    if table.total:
        data.append(
            [_p(cell_text(table, None, c, v, lang), styles["headnum" if c in numeric else "head"])
             for c, v in enumerate(table.total)]
        )  # fmt: skip
    # text columns get more room than count columns
    weights = [1.0 if c in numeric else 2.6 for c in range(len(table.columns))]
    scale = width / sum(weights)
    result = LongTable(data, colWidths=[w * scale for w in weights], repeatRows=1,
                       splitInRow=SPLIT_IN_ROW)  # fmt: skip
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if table.total:
        commands.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f6f8fa")))
    for r, c in table.hidden:
        commands.append(("TEXTCOLOR", (c, r + 1), (c, r + 1), MUTED))
    result.setStyle(TableStyle(commands))
    return result


def build_story(report: Report, width: float) -> list:
    styles = _styles()
    lang = report.lang
    story: list = [_p(report.title, styles["title"])]
    story += [_p(line, styles["meta"]) for line in report.meta]
    story.append(Spacer(1, 6))
    per_row = 4
    cards = [
        [_p(label, styles["card"]), _p(number(value, lang), styles["cardnum"])]
        for label, value in report.cards
    ]
    grid = []
    for i in range(0, len(cards), per_row):
        chunk = cards[i : i + per_row] + [["", ""]] * (per_row - len(cards[i : i + per_row]))
        grid.append([c[0] for c in chunk])
        grid.append([c[1] for c in chunk])
    cards_table = LongTable(grid, colWidths=[width / per_row] * per_row)
    cards_table.setStyle(
        TableStyle(
            [("BOX", (0, 0), (-1, -1), 0.4, GRID), ("INNERGRID", (0, 0), (-1, -1), 0.4, GRID),
             ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
        )
    )  # fmt: skip
    story.append(cards_table)
    for i, section in enumerate(report.sections, 1):
        story.append(_p(f"{i}. {section.title}", styles["h2"]))
        for table in section.tables:
            block = []
            if table.title != section.title:
                block.append(_p(table.title, styles["h3"]))
            if table.chart_data:
                block.append(_bar_drawing(table.chart_data, lang, width))
            if table.rows:
                block.append(_table(table, lang, styles, width))
            block += [_p(note, styles["note"]) for note in table.notes]
            story.append(KeepTogether(block) if len(table.rows) < 25 else block[0])
            if len(table.rows) >= 25:
                story.extend(block[1:])
            story.append(Spacer(1, 4))
    return story


def render_pdf(report: Report, path: Path, compress: bool = True) -> Path:
    register_fonts()
    margin = 15 * mm
    title = safe_text.clean(report.title, HEADER_MAX_CHARS)
    footer = f"{title} · {report.generated_at.strftime('%Y-%m-%d %H:%M UTC')}"

    def on_page(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(MUTED)
        canvas.drawString(margin, 9 * mm, footer)
        canvas.drawRightString(A4[0] - margin, 9 * mm, str(doc.page))
        canvas.restoreState()

    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin + 4 * mm,
        title=title,
        author="clemency",
        creator="clemency",
        lang=report.lang,
        invariant=1,
        pageCompression=1 if compress else 0,
    )
    doc.build(build_story(report, A4[0] - 2 * margin), onFirstPage=on_page, onLaterPages=on_page)
    return path
