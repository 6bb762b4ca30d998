"""Issue 11, item 3: uploaded spreadsheets and CSV files are read within bounds, whatever they claim
(hub.tabular, used by every upload). Each kind of bomb here is built by the test: the declared dimension,
shared strings, rows, columns, XML nesting and entities, zip members that inflate or lie about their size,
files that are not what their name says, encodings, NUL bytes and overlong CSV fields."""

import csv
import io
import struct
import tracemalloc
import zipfile

import openpyxl.xml
import pytest
from openpyxl import Workbook

from hub.tabular import Limits, TableError, read_table

LIMITS = Limits(max_rows=5000, max_columns=50)
HEADER = ["场次编号", "成交额（元）", "订单数", "峰值在线"]


def workbook_bytes(rows=(HEADER, [1, 100, 1, 2])) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rewrite(
    content: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None
) -> bytes:
    """The workbook with some parts replaced or added (deflated, as Excel writes them)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = (replace or {}).get(info.filename, source.read(info.filename))
            target.writestr(info.filename, data)
        names = set(source.namelist())
        extra = {**{k: v for k, v in (replace or {}).items() if k not in names}, **(add or {})}
        for name, data in extra.items():
            target.writestr(name, data)
    return out.getvalue()


def sheet_xml(rows_xml: str, dimension: str = "A1:D2") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows_xml}</sheetData></worksheet>'
    ).encode()


def header_row() -> str:
    cells = "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{h}</t></is></c>' for col, h in zip("ABCD", HEADER, strict=True)
    )
    return f'<row r="1">{cells}</row>'


SHEET = "xl/worksheets/sheet1.xml"


def read(name, content):
    return read_table(name, content, LIMITS)


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.xml.DEFUSEDXML


def test_a_plain_workbook_reads():
    assert read("r.xlsx", workbook_bytes()) == [HEADER, [1, 100, 1, 2]]


@pytest.mark.parametrize("dimension", ["A1:XFD5002", "A1:XFD1048576", "B2:A1", "A1"])
def test_the_declared_dimension_is_ignored_and_memory_stays_small(dimension):
    content = rewrite(workbook_bytes(), replace={SHEET: sheet_xml(header_row(), dimension)})
    tracemalloc.start()
    try:
        rows = read("r.xlsx", content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows == [HEADER]
    assert peak < 20 * 1024 * 1024, peak  # the 26 KB report file took 600 MiB before


def test_a_malformed_dimension_is_a_message():
    content = rewrite(workbook_bytes(), replace={SHEET: sheet_xml(header_row(), "garbage")})
    with pytest.raises(TableError, match="Excel"):
        read("r.xlsx", content)


def test_millions_of_shared_strings_are_refused_before_parsing():
    strings = b"<si><t/></si>" * 3_000_000
    sst = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + strings + b"</sst>"
    content = rewrite(workbook_bytes([["x"]]), replace={"xl/sharedStrings.xml": sst})
    assert len(content) < 300_000  # small on the wire
    with pytest.raises(TableError, match="解压后数据量过大"):
        read("r.xlsx", content)


def test_too_many_distinct_shared_strings_are_refused_even_when_the_part_is_small():
    strings = "".join(f"<si><t>{i:x}</t></si>" for i in range(120_000)).encode()
    sst = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + strings + b"</sst>"
    content = rewrite(workbook_bytes([["x"]]), replace={"xl/sharedStrings.xml": sst})
    with pytest.raises(TableError, match="解压后数据量过大"):
        read("r.xlsx", content)


def test_a_row_far_down_the_sheet_is_too_many_rows_not_a_million_empty_ones():
    rows = header_row() + '<row r="1048576"><c r="A1048576"><v>1</v></c></row>'
    content = rewrite(workbook_bytes(), replace={SHEET: sheet_xml(rows)})
    with pytest.raises(TableError, match="最多 5000 行"):
        read("r.xlsx", content)


def test_too_many_real_rows_are_refused():
    rows = [HEADER] + [[i, 1, 1, 1] for i in range(10_002)]
    with pytest.raises(TableError, match="最多 5000 行"):
        read("r.xlsx", workbook_bytes(rows))


def test_a_cell_past_the_last_column_is_refused():
    rows = header_row() + '<row r="2"><c r="A2"><v>1</v></c><c r="AY2"><v>9</v></c></row>'  # the 51st
    content = rewrite(workbook_bytes(), replace={SHEET: sheet_xml(rows)})
    with pytest.raises(TableError, match="超过 50 列"):
        read("r.xlsx", content)


def test_cells_far_to_the_right_are_not_read_at_all():
    """A cell in the last column Excel has (XFD) is never reached: rows are read 51 columns wide."""
    rows = header_row() + "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="XFD{r}"><v>9</v></c></row>' for r in range(2, 4000)
    )
    content = rewrite(workbook_bytes(), replace={SHEET: sheet_xml(rows)})
    tracemalloc.start()
    try:
        table = read("r.xlsx", content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert table[0] == HEADER and table[1] == [2] and len(table) == 3999
    assert peak < 40 * 1024 * 1024, peak


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_xml_is_refused(depth):
    deep = "<r>" * depth + "</r>" * depth
    rows = header_row() + f'<row r="2"><c r="A2" t="inlineStr"><is>{deep}</is></c></row>'
    content = rewrite(workbook_bytes(), replace={SHEET: sheet_xml(rows)})
    # Deep and small: refused for its depth; deep and huge: already for its size or compression ratio.
    with pytest.raises(TableError, match="Excel" if depth == 100 else "Excel|解压后数据量过大"):
        read("r.xlsx", content)


@pytest.mark.parametrize(
    "doctype",
    [
        # "Billion laughs": entities that expand to gigabytes.
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>',
        # An external entity (a local file).
        '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    ],
    ids=["billion-laughs", "external-entity"],
)
def test_xml_with_a_dtd_or_entities_is_refused(doctype):
    sst = (
        '<?xml version="1.0"?>'
        + doctype
        + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>&lol3;</t></si></sst>"
    ).encode()
    content = rewrite(workbook_bytes([["x"]]), replace={"xl/sharedStrings.xml": sst})
    with pytest.raises(TableError, match="Excel"):
        read("r.xlsx", content)


def test_a_zip_bomb_member_is_refused_from_its_declared_size():
    content = rewrite(workbook_bytes(), add={"xl/media/zeros.bin": b"\0" * (100 * 1024 * 1024)})
    assert len(content) < 1_000_000
    with pytest.raises(TableError, match="解压后数据量过大"):
        read("r.xlsx", content)


def test_a_highly_compressed_member_under_the_size_limit_is_refused_by_its_ratio():
    content = rewrite(workbook_bytes(), add={"xl/media/zeros.bin": b"\0" * (10 * 1024 * 1024)})
    with pytest.raises(TableError, match="解压后数据量过大"):
        read("r.xlsx", content)


def test_a_member_that_lies_about_its_size_is_refused():
    """The central directory declares 100 bytes for a part that inflates to far more."""
    content = bytearray(
        rewrite(workbook_bytes(), add={"xl/media/big.xml": b"<a>" + b"b" * 2_000_000 + b"</a>"})
    )
    archive = zipfile.ZipFile(io.BytesIO(bytes(content)))
    info = archive.getinfo("xl/media/big.xml")
    # Patch the uncompressed size in the local header and in the central directory entry.
    struct.pack_into("<I", content, info.header_offset + 22, 100)
    central = bytes(content).rindex(b"PK\x01\x02", 0, len(content))
    while not bytes(content[central + 46 : central + 46 + len(info.filename)]) == info.filename.encode():
        central = bytes(content).rindex(b"PK\x01\x02", 0, central)
    struct.pack_into("<I", content, central + 24, 100)
    with pytest.raises(TableError, match="Excel"):
        read("r.xlsx", bytes(content))


def _xls_header() -> bytes:
    return bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504


@pytest.mark.parametrize(
    "content",
    [
        b"not a zip file",
        "场次编号,成交额\n1,2\n".encode(),
        b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
        _xls_header(),
        b"",
    ],
    ids=["text", "csv", "png", "old-xls", "empty"],
)
def test_a_file_that_is_not_a_workbook_but_named_xlsx_is_refused(content):
    with pytest.raises(TableError, match="Excel"):
        read("r.xlsx", content)


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(TableError, match="Excel"):
        read("r.xlsx", out.getvalue())


# --- CSV ------------------------------------------------------------------------------------------------


def test_a_csv_field_over_the_csv_modules_limit_is_a_message():
    text = "场次编号,成交额\n1," + "9" * 200_000 + "\n"
    with pytest.raises(TableError, match="第 2 行无法读取"):
        read("r.csv", text.encode())


def test_an_unclosed_quote_running_to_the_end_is_a_message():
    text = '场次编号,成交额\n1,"' + "x" * 140_000
    with pytest.raises(TableError, match="无法读取"):
        read("r.csv", text.encode())


@pytest.mark.parametrize(
    "content",
    ["场次编号,成交额\n1,2\x00\n".encode(), "场次编号,成交额\n1,2\n".encode("utf-16-le")],
    ids=["nul-in-utf8", "utf-16-without-bom"],
)
def test_nul_bytes_are_a_message(content):
    with pytest.raises(TableError, match="NUL|编码"):
        read("r.csv", content)


def test_utf16_with_a_bom_and_tabs_as_excel_saves_unicode_text_reads():
    content = "场次编号\t成交额（元）\n1\t2\n".encode("utf-16")
    assert read("r.csv", content) == [["场次编号", "成交额（元）"], ["1", "2"]]


@pytest.mark.parametrize(
    "content",
    [b"\xe9t\xe9,caf\xe9\n", b"\xff\xfe\x00\x00garbage\x81\x81\xff", "場次".encode("big5") + b"\x80\xff"],
    ids=["latin-1", "broken-utf16", "big5-with-junk"],
)
def test_text_in_another_encoding_is_a_message(content):
    with pytest.raises(TableError, match="编码|UTF-8"):
        read("r.csv", content)


def test_too_many_csv_columns_or_rows_are_refused():
    with pytest.raises(TableError, match="超过 50 列"):
        read("r.csv", (",".join(["a"] * 60) + "\n").encode())
    out = io.StringIO()
    csv.writer(out).writerows([[i, 1] for i in range(10_003)])
    with pytest.raises(TableError, match="最多 5000 行"):
        read("r.csv", out.getvalue().encode())


@pytest.mark.parametrize("name", ["r.txt", "r.xls", "r.csv.exe", "", "r"])
def test_other_names_are_refused(name):
    with pytest.raises(TableError):
        read(name, b"1,2")
