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
from django.db.models import Q
from django.utils.translation import gettext as _

from hub.import_jobs import import_job_run
from hub.models import User
from hub.tabular import Limits, TableError, read_table
from livestreams.models import PlatformColumnMapping, Product, ResultsImport, SalesSession
from livestreams.selectors.sales import result_reportable
from livestreams.services.sales import product_results_import, sales_results_import
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
class ProductRow:
    """One product's figures in one session, from a platform's export."""

    row: int
    product: Product
    units: int
    gmv: Decimal
    clicks: int = 0


@dataclass
class ParseOutcome:
    rows: list[ResultRow] = field(default_factory=list)
    product_rows: list[ProductRow] = field(default_factory=list)
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
    # Platform exports: sessions by exact title, the session of the row being cleaned, (session, product)
    # pairs already seen with their row.
    titles: dict[str, list[SalesSession]] = field(default_factory=dict)
    row_session: SalesSession | None = None
    seen_products: dict[int, int] = field(default_factory=dict)


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


def _reportable_or_raise(ss: SalesSession) -> None:
    if not result_reportable(ss):
        raise ValueError(
            _("Session %(id)s cannot take results yet: it was not approved or has not ended.") % {"id": ss.pk}
        )


class PlatformSessionColumn(Column):
    """A platform export names the session by the hub's session number or by its exact title; several
    rows (one per product) name the same session."""

    key = "session"

    def __init__(self, headers: tuple[str, ...]):
        self.headers = headers

    @property
    def blank_message(self) -> str:
        return _("The session is missing.")

    def clean(self, value: object, *, row: int, context: ImportContext) -> SalesSession:
        context.row_session = None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        ss: SalesSession | None = None
        if text.isdigit() and len(text) <= 10:
            ss = context.sessions.get(int(text))
        if ss is None:
            named = context.titles.get(text, [])
            if len(named) > 1:
                raise ValueError(
                    _("Several of your sessions are called “%(title)s”; write the session number instead.")
                    % {"title": text}
                )
            ss = named[0] if named else None
        if ss is None:
            raise ValueError(_("You have no sales session “%(value)s”.") % {"value": text})
        _reportable_or_raise(ss)
        context.row_session = ss
        return ss


class ProductColumn(Column):
    """The product's name as registered with the session (compared without spaces and case)."""

    key = "product"

    def __init__(self, headers: tuple[str, ...]):
        self.headers = headers

    @property
    def blank_message(self) -> str:
        return _("The product is missing.")

    def clean(self, value: object, *, row: int, context: ImportContext) -> Product | None:
        ss = context.row_session
        if ss is None:
            return None  # the session column has already said what is wrong
        wanted = _norm(value)
        product = next((p for p in ss.products.all() if _norm(p.name) == wanted), None)
        if product is None:
            raise ValueError(
                _("Session %(id)s has no product “%(name)s”.") % {"id": ss.pk, "name": str(value).strip()}
            )
        if product.pk in context.seen_products:
            raise ValueError(
                _("This product of this session is already in row %(row)s.")
                % {"row": context.seen_products[product.pk]}
            )
        context.seen_products[product.pk] = row
        return product


@dataclass(frozen=True)
class ColumnMap:
    """Which headers of a platform's export mean what (each a tuple of accepted spellings)."""

    session: tuple[str, ...]
    product: tuple[str, ...]
    units: tuple[str, ...]
    gmv: tuple[str, ...]
    clicks: tuple[str, ...] = ()

    def columns(self) -> list[Column]:
        cols: list[Column] = [
            PlatformSessionColumn(self.session),
            ProductColumn(self.product),
            CountColumn("units", self.units),
            MoneyColumn("gmv", self.gmv),
        ]
        if self.clicks:
            cols.append(CountColumn("clicks", self.clicks, required=False))
        return cols


# Built-in defaults, in the header style of each platform's product export of a livestream; staff replace
# any of them (or add other platforms) with a PlatformColumnMapping row in the admin.
BUILTIN_MAPPINGS: dict[str, ColumnMap] = {
    SalesSession.Platform.DOUYIN: ColumnMap(
        session=("直播场次", "直播间标题", "场次编号"),
        product=("商品名称", "商品标题"),
        units=("成交件数", "商品成交件数"),
        gmv=("成交金额（元）", "成交金额(元)", "成交金额"),
        clicks=("商品点击次数", "商品点击人数"),
    ),
    SalesSession.Platform.KUAISHOU: ColumnMap(
        session=("直播标题", "直播场次", "场次编号"),
        product=("商品标题", "商品名称"),
        units=("销量", "成交件数"),
        gmv=("支付金额（元）", "支付金额(元)", "支付金额"),
        clicks=("商品点击数", "点击次数"),
    ),
    SalesSession.Platform.TAOBAO: ColumnMap(
        session=("直播场次", "直播标题", "场次编号"),
        product=("宝贝标题", "商品名称"),
        units=("成交件数", "宝贝成交件数"),
        gmv=("成交金额", "成交金额（元）"),
        clicks=("宝贝点击次数", "点击次数"),
    ),
}


def _split(headers: str) -> tuple[str, ...]:
    return tuple(h.strip() for h in headers.split("|") if h.strip())


def column_map(platform: str) -> ColumnMap | None:
    """The platform's mapping: the admin's row when there is one, else the built-in default, else None."""
    row = PlatformColumnMapping.objects.filter(platform=platform).first()
    if row is not None:
        return ColumnMap(
            session=_split(row.session_header),
            product=_split(row.product_header),
            units=_split(row.units_header),
            gmv=_split(row.gmv_header),
            clicks=_split(row.clicks_header),
        )
    return BUILTIN_MAPPINGS.get(platform)


def platforms_with_mapping() -> list[str]:
    """Platforms whose exports can be imported (built in, or mapped by staff)."""
    mapped = set(PlatformColumnMapping.objects.values_list("platform", flat=True))
    return [p for p in SalesSession.Platform.values if p in mapped or p in BUILTIN_MAPPINGS]


def mappings_shown() -> list[tuple[str, ColumnMap]]:
    """(platform label, mapping) of every importable platform, for the import page."""
    labels = dict(SalesSession.Platform.choices)
    found = [(p, column_map(p)) for p in platforms_with_mapping()]
    return [(str(labels[p]), m) for p, m in found if m is not None]


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


def _positions(table: list[list[Any]], columns: list[Column]) -> dict[str, int]:
    """Column key -> index in the file, the first matching header winning."""
    if not table or all(_blank(c) for c in table[0]):
        raise _Refused(1, _("The first row must name the columns."))
    header = table[0]
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _norm(cell)
        for column in columns:
            if column.key not in positions and key in {_norm(h) for h in column.headers}:
                positions[column.key] = index
    missing = [c.headers[0] for c in columns if c.required and c.key not in positions]
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


def _context(user: User, data: list[tuple[int, list[Any]]], index: int, by_title: bool) -> ImportContext:
    """The sessions named in the file (by number, and by title for platform exports), in one query with
    their products, limited to the ones this user may report on."""
    wanted: set[int] = set()
    titles: set[str] = set()
    for _n, row in data:
        cell = row[index] if index < len(row) else None
        try:
            wanted.add(_count(cell))
        except (ValueError, TypeError):
            if by_title and not _blank(cell):
                titles.add(str(cell).strip()[:200])
    scope = get_scope(user)
    q = Q(pk__in=wanted) | Q(session__title__in=titles) if titles else Q(pk__in=wanted)
    sessions = SalesSession.objects.select_related("session").filter(q)
    if not scope.is_staff:
        sessions = sessions.filter(enterprise_id__in=scope.enterprise_ids)
    if by_title:
        sessions = sessions.prefetch_related("products")
    context = ImportContext(sessions={})
    for ss in sessions:
        if ss.pk in wanted:
            context.sessions[ss.pk] = ss
        if ss.session.title in titles:
            context.titles.setdefault(ss.session.title, []).append(ss)
    return context


def _clean_row(
    number: int,
    row: list[Any],
    header: list[Any],
    positions: dict[str, int],
    context: ImportContext,
    columns: list[Column],
) -> tuple[dict[str, Any] | None, list[Problem]]:
    # Any: each column's cleaner gives the type of its row field (SalesSession, Product, Decimal, int).
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    context.row_session = None
    for column in columns:
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
    return values, []


def _make_row(number: int, values: dict[str, Any], out: ParseOutcome) -> None:
    if "product" in values:
        out.product_rows.append(
            ProductRow(
                row=number,
                product=values["product"],
                units=values["units"],
                gmv=values["gmv"],
                clicks=values.get("clicks", 0),
            )
        )
    else:
        values["sales_session"] = values.pop(REFERENCE_COLUMN)
        out.rows.append(ResultRow(row=number, **values))


def parse_results(
    *,
    user: User,
    name: str,
    content: bytes,
    progress: Callable[[int, int], None] | None = None,
    platform: str = "",
) -> ParseOutcome:
    """Check a whole results file; rows come back only when there is no problem at all.
    Without a platform the file is the hub's per-session template; with one, that platform's per-product
    export read through its column mapping. progress(checked, total) is called every PROGRESS_EVERY rows."""
    out = ParseOutcome()
    columns = COLUMNS
    try:
        if platform:
            mapping = column_map(platform)
            if mapping is None:
                raise _Refused(0, _("There is no column mapping for this platform yet; ask the hub's staff."))
            columns = mapping.columns()
        if len(content) > MAX_BYTES:
            raise _Refused(0, _("The file is larger than 2 MB."))
        try:
            table = read_table(name, content, LIMITS)
        except TableError as exc:
            raise _Refused(0, str(exc)) from None
        positions = _positions(table, columns)
        data = _data_rows(table)
    except _Refused as refused:
        out.problems.append(refused.problem)
        return out
    context = _context(user, data, positions[REFERENCE_COLUMN], by_title=bool(platform))
    for done, (number, row) in enumerate(data, start=1):
        values, problems = _clean_row(number, row, table[0], positions, context, columns)
        out.problems.extend(problems)
        if values is not None:
            _make_row(number, values, out)
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(data)):
            progress(done, len(data))
    if out.problems:
        out.rows, out.product_rows = [], []
    return out


# --- The import, off the web process --------------------------------------------------------------------


@transaction.atomic
def results_import_start(
    *, user: User, file_name: str, content: bytes, language: str, platform: str = ""
) -> ResultsImport:
    """Keep the file and queue its check (livestreams.tasks.sales.results_import_check) after commit.
    platform: "" for the hub's per-session template, else the platform whose per-product export it is."""
    from livestreams.tasks.sales import results_import_check

    job = ResultsImport(
        user=user, file_name=file_name[:200], content=content, language=language[:10], platform=platform
    )
    job.full_clean(exclude=["content"])
    job.save()
    # robust: with the broker down the upload still answers; the page shows the check as failed later.
    transaction.on_commit(lambda: results_import_check.delay(job.pk), robust=True)
    return job


def results_import_run(*, import_id: int) -> str:
    """Check the file of a queued import and, when every row is valid, import it; returns the final state
    (hub.import_jobs: claimed once, ends in a final state, the file dropped)."""
    return import_job_run(
        model=ResultsImport,
        import_id=import_id,
        check=_check,
        apply=_apply,
        max_problems=MAX_PROBLEMS_KEPT,
    )


def _check(job: ResultsImport, progress: Callable[[int, int], None]) -> ParseOutcome:
    return parse_results(
        user=job.user,
        name=job.file_name,
        content=bytes(job.content),
        progress=progress,
        platform=job.platform,
    )


def _apply(job: ResultsImport, outcome: ParseOutcome) -> dict[str, Any]:
    if job.platform:
        count = product_results_import(user=job.user, rows=outcome.product_rows)
    else:
        count = sales_results_import(user=job.user, rows=outcome.rows)
    return {"imported": count, "rows_total": count, "rows_checked": count}
