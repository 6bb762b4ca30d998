"""Reading an uploaded spreadsheet (.xlsx) or CSV file into rows, within bounds, whatever the file claims.

Every spreadsheet or CSV people upload is read here, so that one set of limits holds everywhere. A file
is data from outside: an .xlsx is a zip of XML parts, and each part can lie.

- The zip is checked before any XML is parsed: number of members, each member's declared size, the sum of
  the declared sizes, the compression ratio, and then the actual size, by inflating every member in chunks
  and stopping at its limit (a "zip bomb" declares small sizes and inflates to gigabytes).
- Every XML part is scanned once with expat before openpyxl sees it: no DTD and no entity (the
  "billion laughs"), and at most MAX_XML_DEPTH levels of nesting. openpyxl itself parses with defusedxml
  (a dependency: openpyxl uses it when it is installed), and refuses to run without it.
- The shared-strings table (which openpyxl loads whole, before the first row) is bounded in bytes and in
  count.
- The declared dimension (`<dimension ref="A1:XFD1048576">`) is ignored (openpyxl would pad every row to
  it). Rows are read `max_columns + 1` wide: a value in the column just past the limit is refused, cells
  further right are never read. Rows past `max_rows` (blank rows count, up to twice the limit) are refused.
- CSV: UTF-8 (with or without BOM), UTF-16 with a BOM, or GB18030 (what Chinese Excel saves); a NUL
  character, a field over the csv module's limit or an unclosed quote is a message, never an exception.

Every refusal is a TableError whose message is for the person who uploaded the file.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from xml.parsers import expat

from django.utils.translation import gettext as _

MAX_ZIP_MEMBERS = 300
MAX_MEMBER_BYTES = 25 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 8 * 1024 * 1024
MAX_SHARED_STRINGS = 100_000
MAX_TOTAL_BYTES = 60 * 1024 * 1024
MAX_RATIO = 200  # inflated / compressed; XML of real workbooks stays well below
MAX_XML_DEPTH = 64
CHUNK = 256 * 1024


class TableError(ValueError):
    """A file that cannot be read within the limits; str() is the message for the uploader."""


@dataclass(frozen=True)
class Limits:
    max_rows: int  # rows of data, the header not counted; blank rows count against twice this
    max_columns: int


# --- .xlsx ----------------------------------------------------------------------------------------------


def _not_xlsx() -> TableError:
    return TableError(_("The file could not be read as an Excel workbook (.xlsx)."))


def _too_big() -> TableError:
    return TableError(
        _("The workbook unpacks to too much data; save only the results sheet, as CSV or .xlsx.")
    )


class _XmlScan:
    """Streams one XML part through expat: refuses a DTD, entities and deep nesting."""

    def __init__(self):
        self.depth = 0
        self.shared_strings = 0
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.StartDoctypeDeclHandler = self._refuse
        self.parser.EntityDeclHandler = self._refuse
        self.parser.UnparsedEntityDeclHandler = self._refuse
        self.parser.ExternalEntityRefHandler = self._refuse

    def _start(self, name, attrs):
        self.depth += 1
        if self.depth > MAX_XML_DEPTH:
            raise _not_xlsx()
        if name == "si" or name.endswith(":si"):
            self.shared_strings += 1
            if self.shared_strings > MAX_SHARED_STRINGS:
                raise _too_big()

    def _end(self, name):
        self.depth -= 1

    def _refuse(self, *args):
        raise _not_xlsx()

    def feed(self, data: bytes, final: bool = False) -> None:
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError:
            raise _not_xlsx() from None


def _member_limit(info: zipfile.ZipInfo) -> int:
    return MAX_SHARED_STRINGS_BYTES if info.filename.endswith("sharedStrings.xml") else MAX_MEMBER_BYTES


def _check_declared(members: list[zipfile.ZipInfo]) -> None:
    """What the zip's directory claims: member count, sizes, compression ratios, no encryption."""
    if not members or len(members) > MAX_ZIP_MEMBERS:
        raise _not_xlsx()
    for info in members:
        if info.flag_bits & 0x1:  # encrypted
            raise _not_xlsx()
        if info.file_size > _member_limit(info) or info.file_size > MAX_RATIO * max(info.compress_size, 1024):
            raise _too_big()
    if sum(info.file_size for info in members) > MAX_TOTAL_BYTES:
        raise _too_big()


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, total: int) -> int:
    """Inflate one member in chunks, stopping at its limit, scanning XML on the way; returns the running
    total of inflated bytes."""
    scan = _XmlScan() if info.filename.endswith((".xml", ".rels")) else None
    size = 0
    with archive.open(info) as member:
        while chunk := member.read(CHUNK):
            size += len(chunk)
            total += len(chunk)
            if size > _member_limit(info) or total > MAX_TOTAL_BYTES:
                raise _too_big()
            if scan is not None:
                scan.feed(chunk)
    if scan is not None:
        scan.feed(b"", final=True)
    return total


def check_xlsx_archive(content: bytes) -> None:
    """Raise TableError unless `content` is a zip whose parts inflate within the limits and whose XML
    parts are plain (no DTD, no entities, bounded nesting)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _not_xlsx() from None
    with archive:
        members = archive.infolist()
        _check_declared(members)
        total = 0
        for info in members:
            try:
                total = _inflate(archive, info, total)
            except TableError:
                raise
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
                # A CRC or size that does not match what the directory declared, an unknown method...
                raise _not_xlsx() from None


def _openpyxl_is_defused() -> bool:
    from openpyxl.xml import DEFUSEDXML

    return bool(DEFUSEDXML)


def _cell_blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def read_xlsx(content: bytes, limits: Limits) -> list[list]:
    check_xlsx_archive(content)
    if not _openpyxl_is_defused():  # a deployment without defusedxml must not parse outside XML
        raise _not_xlsx()
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on malformed parts; each means "not readable"
        raise _not_xlsx() from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None or not hasattr(sheet, "reset_dimensions"):
            raise _not_xlsx()
        sheet.reset_dimensions()  # the declared <dimension> is not trusted: rows are read as they are
        rows: list[list] = []
        physical = 0
        for row in sheet.iter_rows(max_col=limits.max_columns + 1, values_only=True):
            physical += 1
            if physical > 2 * limits.max_rows + 1:
                raise TableError(_("At most %(max)s rows per file.") % {"max": limits.max_rows})
            if len(row) > limits.max_columns and not _cell_blank(row[limits.max_columns]):
                raise TableError(
                    _("Row %(row)s has more than %(max)s columns.")
                    % {"row": physical, "max": limits.max_columns}
                )
            cells = list(row[: limits.max_columns])
            while cells and cells[-1] is None:  # openpyxl pads to max_col; the file's own width counts
                cells.pop()
            rows.append(cells)
        return rows
    except TableError:
        raise
    except Exception as exc:
        raise _not_xlsx() from exc
    finally:
        workbook.close()


# --- CSV ------------------------------------------------------------------------------------------------

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode_text(content: bytes) -> str:
    if content.startswith(_UTF16_BOMS):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    not_text = TableError(_("The file is neither UTF-8 nor GBK text; save it as CSV (UTF-8) or as .xlsx."))
    for encoding in encodings:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise not_text
    if "\x00" in text and encodings == ("utf-16",):
        raise not_text  # a UTF-16 mark in front of something else
    if "\x00" in text:
        raise TableError(
            _("The file contains NUL characters, so it is not a CSV text file; save it as CSV (UTF-8).")
        )
    return text


_DELIMITERS = ",;\t"


def read_csv(content: bytes, limits: Limits) -> list[list]:
    text = decode_text(content)
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=_DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows: list[list] = []
    try:
        for row in reader:
            if reader.line_num > 2 * limits.max_rows + 1 or len(rows) > 2 * limits.max_rows:
                raise TableError(_("At most %(max)s rows per file.") % {"max": limits.max_rows})
            if len(row) > limits.max_columns and any(not _cell_blank(c) for c in row[limits.max_columns :]):
                raise TableError(
                    _("Row %(row)s has more than %(max)s columns.")
                    % {"row": len(rows) + 1, "max": limits.max_columns}
                )
            rows.append(row[: limits.max_columns])
    except csv.Error:
        raise TableError(
            _("Row %(row)s could not be read: a field is too long or a quotation mark is not closed.")
            % {"row": len(rows) + 1}
        ) from None
    return rows


_NAME = re.compile(r"\.(csv|xlsx)$", re.IGNORECASE)


def read_table(name: str, content: bytes, limits: Limits) -> list[list]:
    """The rows of an uploaded .csv or .xlsx file (first sheet), each at most limits.max_columns wide."""
    match = _NAME.search(name or "")
    if match is None:
        raise TableError(_("Upload a .csv or .xlsx file."))
    if match.group(1).lower() == "xlsx":
        return read_xlsx(content, limits)
    return read_csv(content, limits)
