"""Importing a branch's roster from a spreadsheet (.xlsx or CSV), all or nothing, off the web process.

The same shape as the sales results import (livestreams.services.sales_import): the view stores the upload
in a RosterImport row and roster_import_start queues partyorgs.tasks.roster_import_check on commit; the task
calls roster_import_run, which claims the row (queued → checking, a conditional UPDATE), reads the file
within bounds (hub.tabular.read_table), checks every cell by the cleaner of its column and reports each
problem by row and column as the organizer sees them (row 1 is the header). Only a file without a single
problem is applied, in one transaction.

What a row does (documented for organizers on the import page):
- the person is identified by the mobile number, or by the email address when the row has no number;
- a member of this branch with that number/address: their roster data is corrected (name; status and date of
  joining when the cells are filled: an empty cell leaves what is there), each change audited (RosterChange);
- anybody else: an invitation to this branch carrying the row's data, sent by SMS (number) or email. An
  invitation already waiting for that person and branch takes the row's data instead (no second message);
- a person who is a member of another branch is refused with the one neutral sentence of invitations.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.import_jobs import import_job_run
from hub.models import User
from hub.sms import phone_normalize
from hub.tabular import Limits, TableError, read_table
from partyorgs.models import Invitation, PartyMember, PartyOrganization, RosterImport
from partyorgs.permissions import get_scope
from partyorgs.services import (
    account_for_contact,
    invitation_create,
    member_update,
    one_branch_message,
    waiting_invitations,
)

logger = logging.getLogger(__name__)

MAX_ROWS = 2000
MAX_COLUMNS = 30
MAX_BYTES = 2 * 1024 * 1024
MAX_PROBLEMS_KEPT = 200
PROGRESS_EVERY = 100
LIMITS = Limits(max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)

TEMPLATE_HEADER = ["姓名", "手机号", "邮箱", "党员状态", "入党日期"]
STATUS_WORDS = {
    "正式党员": PartyMember.Status.FULL,
    "正式": PartyMember.Status.FULL,
    "full": PartyMember.Status.FULL,
    "fullmember": PartyMember.Status.FULL,
    "预备党员": PartyMember.Status.PROBATIONARY,
    "预备": PartyMember.Status.PROBATIONARY,
    "probationary": PartyMember.Status.PROBATIONARY,
    "probationarymember": PartyMember.Status.PROBATIONARY,
}
_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


@dataclass
class Problem:
    row: int
    column: str
    message: str


@dataclass
class RosterRow:
    row: int
    name: str
    phone: str
    email: str
    status: str
    joined_on: date | None
    member: PartyMember | None = None  # set when the row corrects a member of the branch


@dataclass
class RosterOutcome:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _norm(header: object) -> str:
    return "".join(str(header or "").split()).lower()


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --- One cleaner per column ----------------------------------------------------------------------------


@dataclass
class RosterContext:
    branch: PartyOrganization
    seen: dict[str, int] = field(default_factory=dict)  # phone or email -> row


class Column:
    key = ""
    headers: tuple[str, ...] = ()
    required = False

    def clean(self, value: object) -> object:
        raise NotImplementedError

    def clean_cell(self, value: object) -> object:
        if _blank(value):
            if self.required:
                raise ValueError(_("This value is required."))
            return None
        return self.clean(value)


class NameColumn(Column):
    key, headers, required = "name", ("姓名", "名字", "name"), True

    def clean(self, value: object) -> str:
        text = " ".join(str(value).split())
        if len(text) > 50:
            raise ValueError(_("A name has at most 50 characters."))
        return text


class PhoneColumn(Column):
    key, headers = "phone", ("手机号", "手机号码", "手机", "电话", "mobile", "phone")

    def clean(self, value: object) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a number cell: 13812345678.0
        try:
            return phone_normalize(str(value))
        except ValidationError as exc:
            raise ValueError(" ".join(exc.messages)) from None


class EmailColumn(Column):
    key, headers = "email", ("邮箱", "电子邮箱", "邮件", "email", "e-mail")

    def clean(self, value: object) -> str:
        text = str(value).strip().lower()
        try:
            validate_email(text)
        except ValidationError:
            raise ValueError(_("“%(value)s” is not an email address.") % {"value": value}) from None
        return text


class StatusColumn(Column):
    key, headers = "status", ("党员状态", "状态", "身份", "status")

    def clean(self, value: object) -> str:
        status = STATUS_WORDS.get(_norm(value))
        if status is None:
            raise ValueError(_("Write 正式党员 or 预备党员 (or leave it empty)."))
        return str(status)


class DateColumn(Column):
    key, headers = "joined_on", ("入党日期", "入党时间", "joinedon", "joinedthepartyon")

    def clean(self, value: object) -> date:
        day: date | None = None
        if isinstance(value, datetime):
            day = value.date()
        elif isinstance(value, date):
            day = value
        else:
            match = _DATE_TEXT.fullmatch(str(value).strip())
            if match:
                try:
                    day = date(int(match[1]), int(match[2]), int(match[3]))
                except ValueError:
                    day = None
        if day is None:
            raise ValueError(
                _("“%(value)s” is not a date: write it as 2021-07-01 or 2021年7月1日.") % {"value": value}
            )
        if day > timezone.localdate():
            raise ValueError(_("The date of joining the Party cannot be in the future."))
        if day.year < 1921:
            raise ValueError(_("The date of joining the Party is before 1921."))
        return day


COLUMNS: list[Column] = [NameColumn(), PhoneColumn(), EmailColumn(), StatusColumn(), DateColumn()]


# --- The whole file ------------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, row: int, message: str):
        self.problem = Problem(row, "", message)


def _positions(table: list[list[Any]]) -> dict[str, int]:
    if not table or all(_blank(c) for c in table[0]):
        raise _Refused(1, _("The first row must name the columns."))
    positions: dict[str, int] = {}
    for index, cell in enumerate(table[0]):
        key = _norm(cell)
        for column in COLUMNS:
            if column.key not in positions and key in {_norm(h) for h in column.headers}:
                positions[column.key] = index
    missing = [c.headers[0] for c in COLUMNS if c.required and c.key not in positions]
    if "phone" not in positions and "email" not in positions:
        missing.append("手机号/邮箱")
    if missing:
        raise _Refused(
            1, _("Columns missing from the first row: %(columns)s.") % {"columns": "、".join(missing)}
        )
    return positions


def _data_rows(table: list[list[Any]]) -> list[tuple[int, list[Any]]]:
    data = [(i + 2, row) for i, row in enumerate(table[1:]) if not all(_blank(c) for c in row)]
    if not data:
        raise _Refused(2, _("The file has no rows of members."))
    if len(data) > MAX_ROWS:
        raise _Refused(0, _("At most %(max)s rows per file.") % {"max": MAX_ROWS})
    return data


def _cell_name(header: list[Any], index: int) -> str:
    text = str(header[index]).strip() if index < len(header) and not _blank(header[index]) else ""
    return f"{_column_letter(index)} {text}".strip()


def _person_problem(row: RosterRow, context: RosterContext) -> str | None:
    """Who the row is about: a member of this branch (row.member is set), or somebody to invite."""
    account = account_for_contact(email=row.email, phone=row.phone)
    member = getattr(account, "party_member", None) if account is not None else None
    if member is not None:
        if member.branch_id != context.branch.pk:
            return one_branch_message()
        row.member = member
    return None


def _clean_row(
    number: int, cells: list[Any], header: list[Any], positions: dict[str, int], context: RosterContext
) -> tuple[RosterRow | None, list[Problem]]:
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for column in COLUMNS:
        index = positions.get(column.key)
        if index is None:
            values[column.key] = None
            continue
        try:
            values[column.key] = column.clean_cell(cells[index] if index < len(cells) else None)
        except ValueError as exc:
            problems.append(Problem(number, _cell_name(header, index), str(exc)))
    if problems:
        return None, problems
    # The number when the row has one, else the address.
    key = "phone" if values["phone"] else "email"
    if not values[key]:
        return None, [Problem(number, "", _("Give the member's mobile number or email address."))]
    contact = values[key]
    if contact in context.seen:
        return None, [
            Problem(
                number,
                _cell_name(header, positions[key]),
                _("The same person is already in row %(row)s.") % {"row": context.seen[contact]},
            )
        ]
    context.seen[contact] = number
    row = RosterRow(
        row=number,
        name=values["name"],
        phone=values["phone"] or "",
        email="" if values["phone"] else values["email"] or "",
        status=values["status"] or "",
        joined_on=values["joined_on"],
    )
    refused = _person_problem(row, context)
    if refused:
        return None, [Problem(number, _cell_name(header, positions[key]), refused)]
    return row, []


def parse_roster(
    *,
    branch: PartyOrganization,
    name: str,
    content: bytes,
    progress: Callable[[int, int], None] | None = None,
) -> RosterOutcome:
    """Check a whole roster file for a branch; rows come back only when there is no problem at all."""
    out = RosterOutcome()
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
    context = RosterContext(branch=branch)
    for done, (number, cells) in enumerate(data, start=1):
        row, problems = _clean_row(number, cells, table[0], positions, context)
        out.problems.extend(problems)
        if row is not None:
            out.rows.append(row)
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(data)):
            progress(done, len(data))
    if out.problems:
        out.rows = []
    return out


@transaction.atomic
def roster_import_apply(
    *, user: User, branch: PartyOrganization, rows: list[RosterRow], base_url: str = ""
) -> tuple[int, int]:
    """Write every row of a checked file in one transaction: correct the branch's members, invite the others.
    Returns (invited, updated)."""
    invited = updated = 0
    for row in rows:
        if row.member is not None:
            member = row.member
            changes = member_update(
                user=user,
                member=member,
                name=row.name,
                status=row.status or member.status,
                joined_on=row.joined_on or member.joined_on,
                left_on=member.left_on,
            )
            updated += bool(changes)
            continue
        waiting = waiting_invitations(
            email=row.email, phone=row.phone, role_kind=Invitation.RoleKind.MEMBER, organization=branch
        )
        if waiting.update(name=row.name, member_status=row.status, member_joined_on=row.joined_on):
            invited += 1
            continue
        invitation_create(
            user=user,
            role_kind=Invitation.RoleKind.MEMBER,
            email=row.email,
            phone=row.phone,
            organization=branch,
            name=row.name,
            member_status=row.status,
            member_joined_on=row.joined_on,
            base_url=base_url,
        )
        invited += 1
    return invited, updated


# --- The import, off the web process --------------------------------------------------------------------


@transaction.atomic
def roster_import_start(
    *, user: User, branch: PartyOrganization, file_name: str, content: bytes, language: str, base_url: str
) -> RosterImport:
    """Keep the file and queue its check (partyorgs.tasks.roster_import_check) after commit."""
    from partyorgs.tasks import roster_import_check

    scope = get_scope(user)
    if not (scope.is_staff or scope.manages_org_path(branch.path)):
        raise ValidationError(_("Choose a branch that you manage."))
    if branch.kind != PartyOrganization.Kind.BRANCH:
        raise ValidationError(_("A Party member belongs to a branch: choose a Party branch."))
    job = RosterImport(
        user=user,
        branch=branch,
        file_name=file_name[:200],
        content=content,
        language=language[:10],
        base_url=base_url[:200],
    )
    job.full_clean(exclude=["content"])
    job.save()
    # robust: with the broker down the upload still answers; the page shows the check as failed later.
    transaction.on_commit(lambda: roster_import_check.delay(job.pk), robust=True)
    return job


def roster_import_run(*, import_id: int) -> str:
    """Check the file of a queued import and, when every row is valid, apply it; returns the final state
    (hub.import_jobs: claimed once, ends in a final state, the file dropped; a change between the check and
    the writing, e.g. the person joined meanwhile, refuses it with its message)."""
    return import_job_run(
        model=RosterImport,
        import_id=import_id,
        check=_check,
        apply=_apply,
        max_problems=MAX_PROBLEMS_KEPT,
    )


def _check(job: RosterImport, progress: Callable[[int, int], None]) -> RosterOutcome:
    return parse_roster(branch=job.branch, name=job.file_name, content=bytes(job.content), progress=progress)


def _apply(job: RosterImport, outcome: RosterOutcome) -> dict[str, Any]:
    invited, updated = roster_import_apply(
        user=job.user, branch=job.branch, rows=outcome.rows, base_url=job.base_url
    )
    count = len(outcome.rows)
    return {"invited": invited, "updated": updated, "rows_total": count, "rows_checked": count}
