"""Untrusted text made safe for every report format: one set of rules, used by all writers.

Facility, site, province and agency names, reasons, round ids, run ids and topic names come
partly from events that external facility and court systems publish, so any of them may be
hostile: a spreadsheet formula, HTML or reportlab markup, control characters, bidi overrides.
Every writer passes every string it outputs through exactly one of these functions:

- `clean` (all formats, applied by the others): CR and CRLF become LF (as an XML parser
  reads them anyway); lone surrogates, control characters other than tab and LF (C0, DEL,
  C1) and the non-characters U+FFFE/U+FFFF become U+FFFD.
  They are illegal in XML 1.0 (openpyxl raises IllegalCharacterError, so one NUL in a
  facility name would stop the workbook) and a lone surrogate cannot be written as UTF-8.
  The explicit bidi controls (U+202A–U+202E embeddings and overrides, U+2066–U+2069
  isolates, U+200E/U+200F/U+061C marks) are removed. We strip rather than wrap data in
  `<bdi>`: XLSX and PDF have no isolation of their own and the three formats should show
  the same text. Arabic or Hebrew letters keep their natural direction; in the HTML every
  table cell is its own bidi paragraph, so implicit right-to-left text stays in its cell.
  Text is cut to `MAX_CHARS` (with "…"): the most an Excel cell holds.
- `html`: `clean` then `html.escape(quote=True)`: for element text and for attribute values
  (always written in double quotes). Nothing data-derived goes into `<script>` or `<style>`
  (the reports have no script at all).
- `pdf`: `clean` then `xml.sax.saxutils.escape`, for reportlab `Paragraph`, which reads its
  text as markup (`<b>`, `<font>`, `<a href>`, `&…;`): a stray `<` would crash the build.
  Cut to `PDF_MAX_CHARS`: a printed report has no use for a 30,000-character name.
- `xlsx`: `clean`, then OWASP's CSV/formula-injection rule: text starting with `=`, `+`, `-`,
  `@`, tab, CR or LF (also after leading white space), or equal to an Excel error code such
  as `#REF!`, gets a leading `'`. Written as a string cell, it is never a formula (openpyxl
  makes every string starting with "=" a formula) and never evaluated when the cell is edited
  or the sheet is saved as CSV. Numbers, dates and booleans stay typed; the workbook's own
  SUM formulas are set by the writer directly and never pass through here.
"""

from __future__ import annotations

import re
from html import escape as _html_escape
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

MAX_CHARS = 32_767  # the most text an Excel cell holds
PDF_MAX_CHARS = 2_000

# C0 controls except tab, LF, CR; DEL and C1; lone surrogates; the XML non-characters.
ILLEGAL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Explicit bidi formatting: marks, embeddings, overrides, isolates.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
EXCEL_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!",
                "#CONNECT!", "#BUSY!", "#PYTHON!"}  # fmt: skip


def clean(text: Any, limit: int = MAX_CHARS) -> str:
    """`text` as a str fit for XML, UTF-8 and a reader: see the module docstring."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    text = BIDI_CONTROLS.sub("", ILLEGAL_CHARS.sub("\ufffd", text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def html(text: Any) -> str:
    """Escaped for HTML and SVG element text and double-quoted attribute values."""
    return _html_escape(clean(text), quote=True)


def pdf(text: Any, limit: int = PDF_MAX_CHARS) -> str:
    """Escaped for reportlab's Paragraph markup: shown as is, never read as a tag."""
    return _xml_escape(clean(text, limit))


def is_formula_like(text: str) -> bool:
    """Would a spreadsheet read this text as a formula (or an error value)?"""
    return (
        text.startswith(FORMULA_START)
        or text.lstrip().startswith(FORMULA_START)
        or text.strip().upper() in EXCEL_ERRORS
    )


def xlsx(value: Any) -> Any:
    """A cell value: text cleaned and, if a spreadsheet could evaluate it, quoted with `'`;
    anything else (int, float, date, bool, None) unchanged."""
    if not isinstance(value, str):
        return value
    text = clean(value, MAX_CHARS - 1)
    return "'" + text if is_formula_like(text) else text


def file_part(text: Any) -> str:
    """A piece of a file name: only letters, digits, `.`, `_` and `-`; never `..` or empty."""
    part = re.sub(r"[^0-9A-Za-z._-]+", "_", str(text)).strip(".") or "_"
    return part.replace("..", "_")
