"""Tabular exports (.xlsx and CSV): the one writer every download of the hub goes through.

Every text cell passes through `safe_cell`, because exported values come from people (class titles, excuse
reasons, organization and enterprise names) and a spreadsheet program turns text that starts with `=`, `+`,
`-` or `@` into a formula ("CSV/formula injection"). The class is closed here once:

- the trigger may hide behind leading whitespace, control or format characters (spaces, tabs, CR/LF,
  zero-width spaces, a BOM) and may be written in full width or as a compatibility form (`＝`, `﹢`, `－`),
  so the first visible character is compared after NFKC normalization, and a leading tab or CR always counts;
- in CSV, which has no types, a dangerous text gets a leading apostrophe (OWASP's advice: spreadsheet
  programs read it as "this is text");
- in .xlsx every text is written as a string cell with Excel's quote prefix, so it is never a formula, not
  even after the official edits the cell, and the text itself is kept as typed;
- control characters that .xlsx cannot hold (openpyxl raises on them) are dropped instead of failing the
  download.

Sheet names are cleaned (no []:*?/\\, not starting or ending with an apostrophe, at most 31 characters,
unique) by `sheet_title`.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = frozenset("=+-@")
# Minus signs that NFKC leaves alone but spreadsheet programs may still read as an operator.
EXTRA_TRIGGERS = frozenset("\u2212\u2796\ufe63\uff0d")
SHEET_FORBIDDEN = set("[]:*?/\\")


def _significant(text: str) -> str:
    """The first character a spreadsheet program would look at: whitespace, control and format
    characters (Unicode categories Z*, Cc, Cf) in front of it are skipped, as programs trim them."""
    for char in text:
        if char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp"):
            continue
        return char
    return ""


def is_formula_like(text: str) -> bool:
    if not text:
        return False
    if text[0] in "\t\r\n":
        return True
    first = _significant(text)
    if not first:
        return False
    return first in EXTRA_TRIGGERS or unicodedata.normalize("NFKC", first)[:1] in FORMULA_TRIGGERS


def _text(value) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def safe_cell(value):
    """A value for CSV: numbers and dates as they are, text never starting a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal | date | datetime):
        return value
    text = _text(value)
    return "'" + text if is_formula_like(text) else text


def sheet_title(title: str, used: set[str]) -> str:
    """A valid, unique sheet name for `title` (Excel: at most 31 characters, none of []:*?/\\, no
    apostrophe at either end); remembered in `used`."""
    name = "".join(c for c in _text(title) if c not in SHEET_FORBIDDEN).strip().strip("'")[:31].strip("'")
    name = name or "Sheet"
    base, n = name, 2
    while name.lower() in {u.lower() for u in used}:
        suffix = f"~{n}"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


@dataclass
class Sheet:
    """One sheet: optional heading lines (a title in bold, then e.g. the filters), then the table."""

    title: str
    columns: Sequence[str]
    rows: Iterable[Sequence]
    heading: Sequence[str] = field(default_factory=tuple)


def _xlsx_cell(ws, value, *, bold: bool = False, size: int | None = None):
    if isinstance(value, bool):
        value = str(value)
    if value is None or isinstance(value, int | float | Decimal | date | datetime):
        cell = WriteOnlyCell(ws, value=value)
        if isinstance(value, date | datetime):
            cell.number_format = "yyyy-mm-dd hh:mm" if isinstance(value, datetime) else "yyyy-mm-dd"
    else:
        cell = WriteOnlyCell(ws, value=_text(value))
        cell.data_type = "s"  # openpyxl reads a leading "=" as a formula; text stays text
        cell.quotePrefix = True
    if bold or size:
        cell.font = Font(bold=bold, size=size)
    return cell


def _width(value) -> int:
    text = str(value) if value is not None else ""
    # CJK characters take two columns.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """An .xlsx workbook with one sheet per Sheet (write-only: rows are streamed, not kept as cells)."""
    wb = Workbook(write_only=True)
    used: set[str] = set()
    for sheet in sheets:
        ws = wb.create_sheet(sheet_title(sheet.title, used))
        rows = [list(r) for r in sheet.rows]
        widths = [_width(c) for c in sheet.columns]
        for row in rows:
            for i, value in enumerate(row[: len(widths)]):
                widths[i] = max(widths[i], _width(value))
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(60, max(10, width + 2))
        top = len(sheet.heading) + (1 if sheet.heading else 0) + 1
        ws.freeze_panes = f"A{top + 1}"
        for i, line in enumerate(sheet.heading):
            ws.append([_xlsx_cell(ws, line, bold=i == 0, size=13 if i == 0 else None)])
        if sheet.heading:
            ws.append([])
        ws.append([_xlsx_cell(ws, c, bold=True) for c in sheet.columns])
        for row in rows:
            ws.append([_xlsx_cell(ws, v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    safe = "".join(c for c in filename if c.isascii() and (c.isalnum() or c in "-_.")) or "export"
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    return response


def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> HttpResponse:
    """`filename` without its extension."""
    return _attachment(HttpResponse(xlsx_bytes(sheets), content_type=XLSX_TYPE), f"{filename}.xlsx")


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")  # a BOM, so that Excel opens Chinese text as UTF-8
    writer = csv.writer(out)
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


def csv_response(filename: str, columns: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """`filename` without its extension; UTF-8 with a BOM."""
    response = HttpResponse(csv_bytes(columns, rows), content_type="text/csv; charset=utf-8")
    return _attachment(response, f"{filename}.csv")
