"""Reading uploaded spreadsheets within bounds (hub.tabular): the files of the audit (issue 11, item 3) and
a legitimate 5,000-row workbook, each read in a fresh process so that its peak memory is its own.

    .venv/bin/python bench/uploads.py

For each file: its size on the wire, the outcome (rows read or the refusal), wall time of one read and the
peak of memory allocated while reading it (tracemalloc, in a second read). No database is needed.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

SHEET = "xl/worksheets/sheet1.xml"
HEADER = ["场次编号", "成交额（元）", "订单数", "峰值在线", "观看人数", "新增粉丝"]


def _workbook(rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rewrite(content: bytes, parts: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, parts.pop(name, source.read(name)))
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def _small() -> bytes:
    return _workbook([HEADER, [1, 100, 1, 2, 3, 4]])


def _dimension() -> bytes:
    small = _small()
    sheet = zipfile.ZipFile(io.BytesIO(small)).read(SHEET)
    return _rewrite(small, {SHEET: sheet.replace(b'ref="A1:F2"', b'ref="A1:XFD5002"')})


BUILDERS = {
    "legit-5000-rows.xlsx": lambda: (
        "r.xlsx",
        _workbook([HEADER] + [[n, 1000 + n, n, 2 * n, 30 * n, n // 3] for n in range(1, 5001)]),
    ),
    "dimension-A1:XFD5002.xlsx": lambda: ("r.xlsx", _dimension()),
    "3M-shared-strings.xlsx": lambda: (
        "r.xlsx",
        _rewrite(
            _workbook([["x"]]), {"xl/sharedStrings.xml": b"<sst>" + b"<si><t/></si>" * 3_000_000 + b"</sst>"}
        ),
    ),
    "200MB-zip-member.xlsx": lambda: (
        "r.xlsx",
        _rewrite(_small(), {"xl/media/zeros.bin": b"\0" * (200 << 20)}),
    ),
    "1.5M-char-field.csv": lambda: ("r.csv", ("场次编号,成交额\n1," + "9" * 1_500_000 + "\n").encode()),
}


def child(label: str) -> None:
    import django

    django.setup()
    from django.utils import translation

    from hub.tabular import Limits, TableError, read_table

    name, content = BUILDERS[label]()
    limits = Limits(max_rows=5000, max_columns=50)

    def read() -> str:
        try:
            with translation.override("en"):
                return f"{len(read_table(name, content, limits))} rows read"
        except TableError as exc:
            return f"refused: {exc}"

    start = time.perf_counter()
    outcome = read()
    elapsed = time.perf_counter() - start
    tracemalloc.start()  # a second run for memory: tracing slows the reading down several times
    read()
    peak = tracemalloc.get_traced_memory()[1] / (1024 * 1024)
    tracemalloc.stop()
    print(f"| {label} | {len(content) // 1024} KiB | {outcome} | {elapsed * 1000:.0f} ms | {peak:.1f} MiB |")


def main() -> None:
    import django

    django.setup()
    print("| file | size | outcome | time | peak memory |")
    print("| --- | --- | --- | --- | --- |")
    for label in BUILDERS:
        subprocess.run([sys.executable, __file__, label], check=True)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child(sys.argv[1])
    else:
        main()
