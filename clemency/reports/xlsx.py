"""The workbook: one sheet per table, typed cells, bold frozen header, totals row, widths.

Every value goes through `safe_text.xlsx`: text is cleaned and quoted with `'` when a
spreadsheet could read it as a formula, so no data-derived string is ever a formula cell.
The only formulas are the SUMs of the totals rows, set here directly.

Hidden (suppressed) cells are left empty with a note under the table. A totals column
without hidden cells gets a SUM formula; one with hidden cells gets the checked true total
(a SUM would undercount). Saved with fixed zip timestamps and document dates so the same
inputs and `generated_at` give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from clemency.reports import safe_text
from clemency.reports.data import Report, Table
from clemency.reports.i18n import t

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="EEF2F6")
INVALID = set("[]:*?/\\")


def _sheet_name(table: Table, index: int, used: set[str]) -> str:
    title = safe_text.clean(table.title)
    base = "".join("-" if ch in INVALID else ch for ch in f"{index:02d} {title}")[:31]
    base = base.rstrip("'")  # Excel refuses a sheet name ending with an apostrophe
    name, n = base, 2
    while name.lower() in used:
        name = f"{base[:28]}~{n}"
        n += 1
    used.add(name.lower())
    return name


def _row(values) -> list:
    return [safe_text.xlsx(value) for value in values]


def _fill(ws: Worksheet, table: Table, report: Report) -> None:
    _header(ws, table)
    _body(ws, table)
    last = len(table.rows) + 1
    if table.total and table.rows:
        last = _totals(ws, table, table.total, last)
    _notes(ws, table, report, last)
    _widths(ws, table)


def _header(ws: Worksheet, table: Table) -> None:
    """Row 1: the column headers, bold on a tint, wrapped, frozen above the data."""
    ws.append(_row(table.columns))
    for cell in ws[1]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"


def _body(ws: Worksheet, table: Table) -> None:
    """The data rows from row 2, hidden cells empty, each column formatted by its kind."""
    for r, row in enumerate(table.rows):
        ws.append(_row(None if (r, c) in table.hidden else v for c, v in enumerate(row)))
        for c, kind in enumerate(table.kinds):
            cell = ws.cell(row=r + 2, column=c + 1)
            if kind == "date" and cell.value is not None:
                cell.number_format = "yyyy-mm-dd"
            elif kind == "int":
                cell.number_format = "#,##0"
            elif kind == "float":
                cell.number_format = "#,##0.0"


def _totals(ws: Worksheet, table: Table, total: list[Any], last: int) -> int:
    """`total` (the table's totals row) under data row `last`: a SUM where no cell of the
    column is hidden (a SUM would undercount), the checked total otherwise. Returns its row."""
    total_row = last + 1
    for c, value in enumerate(total):
        cell = ws.cell(row=total_row, column=c + 1)
        kind = table.kinds[c]
        has_hidden = any(col == c for (_, col) in table.hidden)
        if kind == "int" and value is not None and not has_hidden:
            letter = get_column_letter(c + 1)
            cell.value = f"=SUM({letter}2:{letter}{last})"
        else:
            cell.value = safe_text.xlsx(value)
        if kind == "int":
            cell.number_format = "#,##0"
        cell.font = BOLD
    return total_row


def _notes(ws: Worksheet, table: Table, report: Report, last: int) -> None:
    """The table's notes in italics, one blank row under row `last`; the suppression
    note first when any cell is hidden."""
    notes = list(table.notes)
    if table.hidden:
        notes.insert(0, t("xlsx_suppressed_note", report.lang, threshold=table.threshold))
    for offset, note in enumerate(notes, 2):
        ws.cell(row=last + offset, column=1, value=safe_text.xlsx(note)).font = Font(italic=True)


def _widths(ws: Worksheet, table: Table) -> None:
    """Each column as wide as its longest header or value, between 8 and 60 characters."""
    for c, header in enumerate(table.columns, 1):
        texts = [str(header)] + [str(row[c - 1]) for row in table.rows if row[c - 1] is not None]
        width = min(max(len(x) for x in texts) + 2, 60)
        ws.column_dimensions[get_column_letter(c)].width = max(width, 8)


def build_workbook(report: Report) -> Workbook:
    wb = Workbook()
    cover = wb.active
    cover.title = "00 " + ("Thông tin" if report.lang == "vi" else "About")
    cover.append(_row([report.title]))
    cover["A1"].font = Font(bold=True, size=14)
    for line in report.meta:
        cover.append(_row([line]))
    cover.append([])
    cover.append(_row([t("col_item", report.lang), t("col_people", report.lang)]))
    for cell in cover[cover.max_row]:
        cell.font = BOLD
    for label, value in report.cards:
        cover.append(_row([label, value]))
    cover.column_dimensions["A"].width = 60
    cover.column_dimensions["B"].width = 14
    used = {cover.title.lower()}
    index = 0
    for section in report.sections:
        for table in section.tables:
            index += 1
            _fill(wb.create_sheet(_sheet_name(table, index, used)), table, report)
    stamp = report.generated_at.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    wb.properties.creator = "clemency"
    wb.properties.title = safe_text.clean(report.title)
    wb.properties.language = report.lang
    wb.properties.created = stamp
    wb.properties.modified = stamp
    return wb


def workbook_bytes(report: Report) -> bytes:
    """The saved workbook, whole in memory (a file is only ever written from a complete
    zip): without openpyxl's `modified = now`, every zip entry dated generated_at."""
    wb = build_workbook(report)
    buffer = io.BytesIO()
    archive = zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()
    stamp = report.generated_at.astimezone(dt.UTC)
    date_time = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute,
                 stamp.second)  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                fixed = zipfile.ZipInfo(info.filename, date_time=date_time)
                fixed.compress_type = zipfile.ZIP_DEFLATED
                fixed.external_attr = 0o600 << 16
                target.writestr(fixed, source.read(info.filename))
    return out.getvalue()
