"""Checking a results file (CSV or .xlsx) before anything is written, and the import that runs it.

The file is read within bounds by hub.tabular (the same limits for every uploaded spreadsheet), then every
cell is checked by the cleaner of its column (one class per kind of column, pretix's modelimport shape);
each problem is reported by row and column as the merchant sees them in their spreadsheet (row 1 is the
header). Only a file without a single problem is handed to sales_results_import, which writes all rows in
one transaction.

A file is checked off the web process: results_import_start stores it and queues the Celery task, which
calls results_import_run; the merchant's page polls the import's progress and then shows the outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hub.models import User
from hub.tabular import Limits, TableError, read_table
from livestreams.models import ResultsImport, SalesSession
from livestreams.selectors.sales import result_reportable
from livestreams.services.sales import sales_results_import
from partyorgs.permissions import get_scope

logger = logging.getLogger(__name__)

MAX_ROWS = 5000
MAX_COLUMNS = 50
MAX_BYTES = 2 * 1024 * 1024
MAX_GMV = Decimal("999999999999.99")
MAX_PROBLEMS_KEPT = 200
PROGRESS_EVERY = 250  # rows between two progress updates
LIMITS = Limits(max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)

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
    # Compared before any arithmetic: quantizing "1e30" exceeds the decimal context and raises.
    if amount > MAX_GMV:
        raise ValueError(_("The amount is too large."))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(_("Yuan have at most two decimals (fen)."))
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
        # Bounded before int(): int(Decimal("1e999999999")) would build a billion-digit number.
        if parsed < 0:
            raise ValueError(_("The number cannot be negative."))
        if parsed > 2_000_000_000:
            raise ValueError(_("The number is too large."))
        number = int(parsed)
    if number < 0:
        raise ValueError(_("The number cannot be negative."))
    if number > 2_000_000_000:
        raise ValueError(_("The number is too large."))
    return number


# --- One cleaner per column ----------------------------------------------------------------------------


@dataclass
class ImportContext:
    """What the cleaners share: the sessions this user may report on, and the rows seen so far."""

    sessions: dict[int, SalesSession]
    seen: dict[int, int] = field(default_factory=dict)


class Column:
    """A column of the results file: the headers accepted for it (compared without spaces and case;
    Chinese first), whether it must be there and filled, and clean(), which turns a cell into a value or
    raises ValueError with the message for the merchant."""

    key = ""
    headers: tuple[str, ...] = ()
    required = True

    @property
    def blank_message(self) -> str:
        return ""

    def clean(self, value: object, *, row: int, context: ImportContext) -> object:
        raise NotImplementedError

    def clean_cell(self, value: object, *, row: int, context: ImportContext) -> object:
        if _blank(value):
            if self.required:
                raise ValueError(self.blank_message or _("This value is required."))
            return 0
        return self.clean(value, row=row, context=context)


class SessionColumn(Column):
    key = "session"
    headers = ("场次编号", "场次", "编号", "sessionid", "session", "id")

    @property
    def blank_message(self) -> str:
        return _("The session number is missing.")

    def clean(self, value: object, *, row: int, context: ImportContext) -> SalesSession:
        try:
            pk = _count(value)
        except ValueError:
            raise ValueError(_("“%(value)s” is not a session number.") % {"value": value}) from None
        ss = context.sessions.get(pk)
        if ss is None:
            raise ValueError(_("You have no sales session number %(id)s.") % {"id": pk})
        if not result_reportable(ss):
            raise ValueError(
                _("Session %(id)s cannot take results yet: it was not approved or has not ended.")
                % {"id": pk}
            )
        if pk in context.seen:
            raise ValueError(
                _("Session %(id)s is already in row %(row)s.") % {"id": pk, "row": context.seen[pk]}
            )
        context.seen[pk] = row
        return ss


class MoneyColumn(Column):
    def __init__(self, key: str, headers: tuple[str, ...]):
        self.key, self.headers = key, headers

    def clean(self, value: object, *, row: int, context: ImportContext) -> Decimal:
        return _money(value)


class CountColumn(Column):
    def __init__(self, key: str, headers: tuple[str, ...], *, required: bool = True):
        self.key, self.headers, self.required = key, headers, required

    def clean(self, value: object, *, row: int, context: ImportContext) -> int:
        return _count(value)


COLUMNS: list[Column] = [
    SessionColumn(),
    MoneyColumn(
        "gmv",
        (
            "成交额（元）",
            "成交额(元)",
            "成交额",
            "销售额（元）",
            "销售额(元)",
            "销售额",
            "gmv（元）",
            "gmv",
            "gmv(yuan)",
        ),
    ),
    CountColumn("orders", ("订单数", "订单", "orders")),
    CountColumn("peak_viewers", ("峰值在线", "峰值在线人数", "peakviewers", "peak")),
    CountColumn("viewers", ("观看人数", "viewers"), required=False),
    CountColumn("new_followers", ("新增粉丝", "新增粉丝数", "newfollowers", "followers"), required=False),
]
REFERENCE_COLUMN = "session"


# --- The whole file ------------------------------------------------------------------------------------


class _Refused(Exception):
    """The file as a whole cannot be checked (one problem, no rows)."""

    def __init__(self, row: int, message: str):
        self.problem = Problem(row, "", message)


def _positions(table: list[list[Any]]) -> dict[str, int]:
    """Column key -> index in the file, the first matching header winning."""
    if not table or all(_blank(c) for c in table[0]):
        raise _Refused(1, _("The first row must name the columns."))
    header = table[0]
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _norm(cell)
        for column in COLUMNS:
            if column.key not in positions and key in {_norm(h) for h in column.headers}:
                positions[column.key] = index
    missing = [c.headers[0] for c in COLUMNS if c.required and c.key not in positions]
    if missing:
        raise _Refused(
            1, _("Columns missing from the first row: %(columns)s.") % {"columns": "、".join(missing)}
        )
    return positions


def _data_rows(table: list[list[Any]]) -> list[tuple[int, list[Any]]]:
    data = [(i + 2, row) for i, row in enumerate(table[1:]) if not all(_blank(c) for c in row)]
    if not data:
        raise _Refused(2, _("The file has no rows of results."))
    if len(data) > MAX_ROWS:
        raise _Refused(0, _("At most %(max)s rows per file.") % {"max": MAX_ROWS})
    return data


def _sessions_named(user: User, data: list[tuple[int, list[Any]]], index: int) -> dict[int, SalesSession]:
    """The sessions named in the file, in one query, limited to the ones this user may report on."""
    wanted: set[int] = set()
    for _n, row in data:
        try:
            wanted.add(_count(row[index] if index < len(row) else None))
        except (ValueError, TypeError):
            pass
    scope = get_scope(user)
    sessions = SalesSession.objects.select_related("session").filter(pk__in=wanted)
    if not scope.is_staff:
        sessions = sessions.filter(enterprise_id__in=scope.enterprise_ids)
    return {ss.pk: ss for ss in sessions}


def _clean_row(
    number: int, row: list[Any], header: list[Any], positions: dict[str, int], context: ImportContext
) -> tuple[ResultRow | None, list[Problem]]:
    # Any: each column's cleaner gives the type of its ResultRow field (SalesSession, Decimal, int).
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for column in COLUMNS:
        index = positions.get(column.key)
        if index is None:
            values[column.key] = 0
            continue
        try:
            values[column.key] = column.clean_cell(
                row[index] if index < len(row) else None, row=number, context=context
            )
        except ValueError as exc:
            text = str(header[index]).strip() if not _blank(header[index]) else ""
            problems.append(Problem(number, f"{_column_letter(index)} {text}".strip(), str(exc)))
    if problems:
        return None, problems
    values["sales_session"] = values.pop(REFERENCE_COLUMN)
    return ResultRow(row=number, **values), []


def parse_results(
    *, user: User, name: str, content: bytes, progress: Callable[[int, int], None] | None = None
) -> ParseOutcome:
    """Check a whole results file; rows come back only when there is no problem at all.
    progress(checked, total) is called every PROGRESS_EVERY rows."""
    out = ParseOutcome()
    try:
        if len(content) > MAX_BYTES:
            raise _Refused(0, _("The file is larger than 2 MB."))
        try:
            table = read_table(name, content, LIMITS)
        except TableError as exc:
            raise _Refused(0, str(exc)) from None
        positions = _positions(table)
        data = _data_rows(table)
    except _Refused as refused:
        out.problems.append(refused.problem)
        return out
    context = ImportContext(sessions=_sessions_named(user, data, positions[REFERENCE_COLUMN]))
    for done, (number, row) in enumerate(data, start=1):
        result, problems = _clean_row(number, row, table[0], positions, context)
        out.problems.extend(problems)
        if result is not None:
            out.rows.append(result)
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(data)):
            progress(done, len(data))
    if out.problems:
        out.rows = []
    return out


# --- The import, off the web process --------------------------------------------------------------------


@transaction.atomic
def results_import_start(*, user: User, file_name: str, content: bytes, language: str) -> ResultsImport:
    """Keep the file and queue its check (livestreams.tasks.sales.results_import_check) after commit."""
    from livestreams.tasks.sales import results_import_check

    job = ResultsImport(user=user, file_name=file_name[:200], content=content, language=language[:10])
    job.full_clean(exclude=["content"])
    job.save()
    # robust: with the broker down the upload still answers; the page shows the check as failed later.
    transaction.on_commit(lambda: results_import_check.delay(job.pk), robust=True)
    return job


def _progress(job_id: int) -> Callable[[int, int], None]:
    def report(checked: int, total: int) -> None:
        ResultsImport.objects.filter(pk=job_id).update(rows_checked=checked, rows_total=total)

    return report


def results_import_run(*, import_id: int) -> str:
    """Check the file of a queued import and, when every row is valid, import it; returns the final state.

    Claimed with a conditional UPDATE (queued -> checking), so a second delivery of the task does
    nothing. Whatever happens, the import ends in a final state and its file is dropped."""
    S = ResultsImport.State
    if not ResultsImport.objects.filter(pk=import_id, state=S.QUEUED).update(state=S.CHECKING):
        return ""
    job = ResultsImport.objects.select_related("user").get(pk=import_id)
    try:
        with translation.override(job.language or None):
            outcome = parse_results(
                user=job.user, name=job.file_name, content=bytes(job.content), progress=_progress(job.pk)
            )
            return _finish(job, outcome)
    except Exception:
        logger.exception("results import %s failed", import_id)
        ResultsImport.objects.filter(pk=import_id).update(
            state=S.FAILED, content=b"", finished_at=timezone.now()
        )
        return S.FAILED


@transaction.atomic
def _finish(job: ResultsImport, outcome: ParseOutcome) -> str:
    S = ResultsImport.State
    fields: dict[str, object] = {"content": b"", "finished_at": timezone.now()}
    state: str
    if outcome.problems:
        state = S.REFUSED
        fields.update(
            state=state,
            problem_count=len(outcome.problems),
            problems=[
                {"row": p.row, "column": p.column, "message": p.message}
                for p in outcome.problems[:MAX_PROBLEMS_KEPT]
            ],
        )
    else:
        count = sales_results_import(user=job.user, rows=outcome.rows)
        state = S.IMPORTED
        fields.update(state=state, imported=count, rows_total=count, rows_checked=count)
    ResultsImport.objects.filter(pk=job.pk).update(**fields)
    return state
