"""Checking a results file (CSV or .xlsx) before anything is written.

The whole file is read and every cell checked first; each problem is reported by row and column as the
merchant sees them in their spreadsheet (row 1 is the header). Only a file without a single problem is
handed to sales_results_import, which writes all rows in one transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from hub.models import User
from livestreams.models import SalesSession
from livestreams.selectors.sales import result_reportable
from partyorgs.permissions import get_scope

MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024
MAX_GMV = Decimal("999999999999.99")

# Column -> the headers accepted for it (compared without spaces and case; Chinese first).
COLUMNS = {
    "session": ["场次编号", "场次", "编号", "sessionid", "session", "id"],
    "gmv": [
        "成交额（元）",
        "成交额(元)",
        "成交额",
        "销售额（元）",
        "销售额(元)",
        "销售额",
        "gmv（元）",
        "gmv",
        "gmv(yuan)",
    ],
    "orders": ["订单数", "订单", "orders"],
    "peak_viewers": ["峰值在线", "峰值在线人数", "peakviewers", "peak"],
    "viewers": ["观看人数", "viewers"],
    "new_followers": ["新增粉丝", "新增粉丝数", "newfollowers", "followers"],
}
REQUIRED = ["session", "gmv", "orders", "peak_viewers"]
TEMPLATE_HEADER = [
    "场次编号",
    "标题",
    "开始时间",
    "成交额（元）",
    "订单数",
    "峰值在线",
    "观看人数",
    "新增粉丝",
]


@dataclass
class Problem:
    row: int
    column: str  # the header as written in the file ("" for the whole row or file)
    message: str


@dataclass
class ResultRow:
    row: int
    sales_session: SalesSession
    gmv: Decimal
    orders: int
    peak_viewers: int
    viewers: int = 0
    new_followers: int = 0


@dataclass
class ParseOutcome:
    rows: list[ResultRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _norm(header: object) -> str:
    return "".join(str(header or "").split()).lower()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _read_csv(content: bytes) -> list[Sequence[object]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError(_("The file is neither UTF-8 nor GBK text; save it as CSV (UTF-8) or as .xlsx."))
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _read_xlsx(content: bytes) -> list[Sequence[object]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise ValueError(_("The file could not be read as an Excel workbook (.xlsx).")) from exc
    try:
        sheet = workbook.worksheets[0]
        rows: list[Sequence[object]] = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


def read_table(name: str, content: bytes) -> list[Sequence[object]]:
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        return _read_xlsx(content)
    if lowered.endswith(".csv"):
        return _read_csv(content)
    raise ValueError(_("Upload a .csv or .xlsx file."))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _money(value: object) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip().replace(",", "").replace("，", "").lstrip("¥￥").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("“%(value)s” is not an amount in yuan.") % {"value": value}) from None
    if not amount.is_finite():
        raise ValueError(_("“%(value)s” is not an amount in yuan.") % {"value": value})
    if amount < 0:
        raise ValueError(_("The amount cannot be negative."))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(_("Yuan have at most two decimals (fen)."))
    if amount > MAX_GMV:
        raise ValueError(_("The amount is too large."))
    return amount.quantize(Decimal("0.01"))


def _count(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value})
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip().replace(",", "").replace("，", "")
        try:
            parsed = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value}) from None
        if not parsed.is_finite() or parsed != parsed.to_integral_value():
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value})
        number = int(parsed)
    if number < 0:
        raise ValueError(_("The number cannot be negative."))
    if number > 2_000_000_000:
        raise ValueError(_("The number is too large."))
    return number


def parse_results(*, user: User, name: str, content: bytes) -> ParseOutcome:
    """Check a whole results file; rows come back only when there is no problem at all."""
    out = ParseOutcome()
    if len(content) > MAX_BYTES:
        out.problems.append(Problem(0, "", _("The file is larger than 2 MB.")))
        return out
    try:
        table = read_table(name, content)
    except ValueError as exc:
        out.problems.append(Problem(0, "", str(exc)))
        return out
    if not table or all(_blank(c) for c in table[0]):
        out.problems.append(Problem(1, "", _("The first row must name the columns.")))
        return out
    header = table[0]
    positions: dict[str, int] = {}
    for index, heading in enumerate(header):
        key = _norm(heading)
        for column, aliases in COLUMNS.items():
            if key in {_norm(a) for a in aliases} and column not in positions:
                positions[column] = index
    missing = [COLUMNS[c][0] for c in REQUIRED if c not in positions]
    if missing:
        out.problems.append(
            Problem(
                1, "", _("Columns missing from the first row: %(columns)s.") % {"columns": "、".join(missing)}
            )
        )
        return out
    data = [(i + 2, row) for i, row in enumerate(table[1:]) if not all(_blank(c) for c in row)]
    if not data:
        out.problems.append(Problem(2, "", _("The file has no rows of results.")))
        return out
    if len(data) > MAX_ROWS:
        out.problems.append(Problem(0, "", _("At most %(max)s rows per file.") % {"max": MAX_ROWS}))
        return out

    def label(column: str) -> str:
        index = positions[column]
        text = str(header[index]).strip() if not _blank(header[index]) else ""
        return f"{_column_letter(index)} {text}".strip()

    def cell(row: Sequence[object], column: str) -> object:
        index = positions.get(column)
        if index is None or index >= len(row):
            return None
        return row[index]

    # The sessions named in the file, in one query, limited to the ones this user may report on.
    wanted = set()
    for _n, row in data:
        try:
            wanted.add(_count(cell(row, "session")))
        except ValueError:
            pass
    scope = get_scope(user)
    sessions = SalesSession.objects.select_related("session").filter(pk__in=wanted)
    if not scope.is_staff:
        sessions = sessions.filter(enterprise_id__in=scope.enterprise_ids)
    by_id = {ss.pk: ss for ss in sessions}

    seen: dict[int, int] = {}
    for number, row in data:
        values: dict[str, Any] = {}  # the parsed cells: ResultRow's fields
        row_ok = True
        raw = cell(row, "session")
        if _blank(raw):
            out.problems.append(Problem(number, label("session"), _("The session number is missing.")))
            row_ok = False
        else:
            try:
                pk = _count(raw)
            except ValueError:
                out.problems.append(
                    Problem(
                        number, label("session"), _("“%(value)s” is not a session number.") % {"value": raw}
                    )
                )
                row_ok = False
            else:
                ss = by_id.get(pk)
                if ss is None:
                    out.problems.append(
                        Problem(
                            number,
                            label("session"),
                            _("You have no sales session number %(id)s.") % {"id": pk},
                        )
                    )
                    row_ok = False
                elif not result_reportable(ss):
                    out.problems.append(
                        Problem(
                            number,
                            label("session"),
                            _("Session %(id)s cannot take results yet: it was not approved or has not ended.")
                            % {"id": pk},
                        )
                    )
                    row_ok = False
                elif pk in seen:
                    out.problems.append(
                        Problem(
                            number,
                            label("session"),
                            _("Session %(id)s is already in row %(row)s.") % {"id": pk, "row": seen[pk]},
                        )
                    )
                    row_ok = False
                else:
                    seen[pk] = number
                    values["sales_session"] = ss
        for column, parse, required in [
            ("gmv", _money, True),
            ("orders", _count, True),
            ("peak_viewers", _count, True),
            ("viewers", _count, False),
            ("new_followers", _count, False),
        ]:
            if column not in positions:
                values[column] = 0
                continue
            raw = cell(row, column)
            if _blank(raw):
                if required:
                    out.problems.append(Problem(number, label(column), _("This value is required.")))
                    row_ok = False
                else:
                    values[column] = 0
                continue
            try:
                values[column] = parse(raw)
            except ValueError as exc:
                out.problems.append(Problem(number, label(column), str(exc)))
                row_ok = False
        if row_ok:
            out.rows.append(ResultRow(row=number, **values))
    if out.problems:
        out.rows = []
    return out
