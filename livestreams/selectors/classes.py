"""Reads of the Party-class area: lists, calendar, audiences, conflicts, reports, the quarters of the ledger
(the ledger itself: selectors.meetings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hub.models import User
from livestreams.models import Attendance, CalendarFeed, LiveSession, PartyClass
from livestreams.permissions import visible_q
from partyorgs.models import AllianceMembership, PartyMember, Role, member_current_q

S = LiveSession.Status
CK = PartyClass.ClassKind


# --- Audiences ---------------------------------------------------------------------------------


def audience_orgs_q(session: LiveSession, prefix: str = "") -> Q:
    """Q over PartyOrganization (or a relation to it via prefix, e.g. 'branch__') for the session's audience."""
    q = Q(pk__in=[])
    rows = session.audience.select_related("organization").all()
    for row in rows:
        if row.include_subtree:
            q |= Q(**{f"{prefix}path__startswith": row.organization.path})
        else:
            q |= Q(**{f"{prefix}pk": row.organization_id})
    if session.audience_alliance_id:
        # An alliance member organization brings the organizations below it, as in permissions.audience_q.
        for path in AllianceMembership.objects.filter(alliance_id=session.audience_alliance_id).values_list(
            "organization__path", flat=True
        ):
            q |= Q(**{f"{prefix}path__startswith": path})
    return q


def audience_members(session: LiveSession) -> QuerySet[PartyMember]:
    """The Party members whose branch is in the session's audience, less those who had left it by the day of
    the session (their records and past attendance stay)."""
    day = timezone.localdate(session.starts_at)
    return PartyMember.objects.filter(audience_orgs_q(session, "branch__"), member_current_q(day))


def audience_users(session: LiveSession) -> QuerySet[User]:
    return User.objects.filter(is_active=True, party_member__in=audience_members(session))


def reminder_recipient_ids(session: LiveSession) -> set[int]:
    """Who is reminded before a session: its hosts always; for a Party class its audience and lecturer; for a
    session hosted by an enterprise (a sales session) the merchants of that enterprise."""
    ids = set(session.hosts.values_list("pk", flat=True))
    if session.kind == LiveSession.Kind.PARTY_CLASS:
        ids |= set(audience_users(session).values_list("pk", flat=True))
        pc = (
            PartyClass.objects.filter(session=session)
            .select_related("lecturer_member", "lecturer_expert")
            .first()
        )
        if pc is not None:
            if pc.lecturer_member is not None:
                ids.add(pc.lecturer_member.user_id)
            if pc.lecturer_expert is not None and pc.lecturer_expert.user_id:
                ids.add(pc.lecturer_expert.user_id)
    if session.host_enterprise_id:
        ids |= set(
            Role.objects.filter(
                kind=Role.Kind.MERCHANT, enterprise_id=session.host_enterprise_id
            ).values_list("user_id", flat=True)
        )
    if not ids:
        return ids
    return set(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))


# --- Lists and the calendar -------------------------------------------------------------------


def classes_visible(user: User) -> QuerySet[LiveSession]:
    """Party classes the user may open: their organizations' classes, public ones, the ones they manage.
    A class is a session with its PartyClass row (a bare session of that kind has no class data to show)."""
    return (
        LiveSession.objects.filter(
            visible_q(user), kind=LiveSession.Kind.PARTY_CLASS, party_class__isnull=False
        )
        .select_related("host_organization", "party_class", "party_class__venue")
        .distinct()
    )


def classes_live_now(*, user: User) -> list[LiveSession]:
    return list(classes_visible(user).filter(status=S.LIVE).order_by("starts_at"))


def classes_upcoming(*, user: User, limit: int = 50) -> list[LiveSession]:
    return list(
        classes_visible(user)
        .filter(status__in=[S.SCHEDULED, S.DRAFT], ends_at__gt=timezone.now())
        .order_by("starts_at")[:limit]
    )


def classes_past(*, user: User) -> QuerySet[LiveSession]:
    return (
        classes_visible(user)
        .filter(Q(status__in=[S.ENDED, S.CANCELLED]) | Q(ends_at__lte=timezone.now()))
        .exclude(status=S.LIVE)
        .order_by("-starts_at")
    )


def classes_between(*, user: User, start: datetime, end: datetime) -> list[LiveSession]:
    """Classes that overlap [start, end), cancelled ones included (the calendar shows them struck through)."""
    return list(
        classes_visible(user).filter(starts_at__lt=end, ends_at__gt=start).order_by("starts_at", "pk")
    )


# --- Conflicts ---------------------------------------------------------------------------------


@dataclass
class Conflicts:
    lecturer: list[LiveSession] = field(default_factory=list)
    venue: list[LiveSession] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.lecturer or self.venue)


def class_conflicts(
    *,
    starts_at: datetime,
    ends_at: datetime,
    lecturer_member_id: int | None = None,
    lecturer_expert_id: int | None = None,
    venue_id: int | None = None,
    exclude_session_ids: list[int] | None = None,
) -> Conflicts:
    """Other classes (not cancelled, not ended) that already book the lecturer or the venue at that time."""
    busy = PartyClass.objects.filter(
        session__starts_at__lt=ends_at,
        session__ends_at__gt=starts_at,
        session__status__in=[S.DRAFT, S.SCHEDULED, S.LIVE],
    ).exclude(session_id__in=exclude_session_ids or [])
    found = Conflicts()
    lecturer_q = Q(pk__in=[])
    if lecturer_member_id:
        lecturer_q |= Q(lecturer_member_id=lecturer_member_id)
    if lecturer_expert_id:
        lecturer_q |= Q(lecturer_expert_id=lecturer_expert_id)
    if lecturer_member_id or lecturer_expert_id:
        found.lecturer = [pc.session for pc in busy.filter(lecturer_q).select_related("session")[:5]]
    if venue_id:
        found.venue = [pc.session for pc in busy.filter(venue_id=venue_id).select_related("session")[:5]]
    return found


# --- Reports -----------------------------------------------------------------------------------


@dataclass
class AttendanceRow:
    member: PartyMember
    seconds: int
    attended: bool
    excused: bool
    reason: str
    signed_in_at: datetime | None

    @property
    def minutes(self) -> int:
        return self.seconds // 60

    @property
    def state(self) -> str:
        if self.attended:
            return "attended"
        return "excused" if self.excused else "absent"


@dataclass
class AttendanceReport:
    rows: list[AttendanceRow]

    @property
    def attended(self) -> int:
        return sum(r.attended for r in self.rows)

    @property
    def excused(self) -> int:
        return sum(r.excused and not r.attended for r in self.rows)

    @property
    def absent(self) -> int:
        return sum(not r.attended and not r.excused for r in self.rows)

    @property
    def expected(self) -> int:
        return len(self.rows) - self.excused

    @property
    def rate(self) -> float | None:
        return (self.attended / self.expected) if self.expected else None


def attendance_report(session: LiveSession) -> AttendanceReport:
    """Every audience member (and any other member who watched), with the minutes watched and the outcome.

    Before attendance is computed the rows come from the audience alone, all absent."""
    records = {
        a.member_id: a
        for a in Attendance.objects.filter(session=session).select_related("member__user", "member__branch")
    }
    members = {
        m.pk: m
        for m in audience_members(session)
        .select_related("user", "branch")
        .order_by("branch__path", "user__name")
    }
    for member_id, record in records.items():
        members.setdefault(member_id, record.member)
    rows = []
    for member in sorted(members.values(), key=lambda m: (m.branch.path, m.user.name, m.pk)):
        a = records.get(member.pk)
        rows.append(
            AttendanceRow(
                member=member,
                seconds=a.seconds_watched if a else 0,
                attended=a.attended if a else False,
                excused=a.excused if a else False,
                reason=a.excuse_reason if a else "",
                signed_in_at=a.signed_in_at if a else None,
            )
        )
    return AttendanceReport(rows=rows)


# --- 三会一课 ledger ---------------------------------------------------------------------------


def quarter_bounds(year: int, quarter: int) -> tuple[datetime, datetime]:
    tz = timezone.get_default_timezone()
    first_month = 3 * (quarter - 1) + 1
    start = datetime(year, first_month, 1, tzinfo=tz)
    end = (
        datetime(year + 1, 1, 1, tzinfo=tz) if quarter == 4 else datetime(year, first_month + 3, 1, tzinfo=tz)
    )
    return start, end


def current_quarter(today: date | None = None) -> tuple[int, int]:
    today = today or timezone.localdate()
    return today.year, (today.month - 1) // 3 + 1


def offset_label(minutes: int) -> str:
    """A reminder's offset as people say it: "1 day", "3 hours", "15 minutes" (not "1440 minutes")."""
    if minutes and minutes % 1440 == 0:
        n = minutes // 1440
        return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}
    if minutes and minutes % 60 == 0:
        n = minutes // 60
        return ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def reminders_summary(session: LiveSession) -> list[dict[str, Any]]:
    """How many reminders are pending/sent/dropped per offset, for the organizer's class page. A reminder
    dropped because its time had already passed when the class was created says so (not "dropped")."""
    from livestreams.models import Reminder

    rows = list(
        Reminder.objects.filter(session=session)
        .annotate(
            past_at_creation=Case(
                When(state=Reminder.State.DROPPED, due_at__lte=F("session__created_at"), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .values("offset_minutes", "state", "past_at_creation")
        .annotate(n=Count("pk"))
        .order_by("-offset_minutes", "state")
    )
    return [
        {
            **row,
            "offset_label": offset_label(row["offset_minutes"]),
            "label": _("Already past when the class was created")
            if row["past_at_creation"]
            else Reminder.State(row["state"]).label,
        }
        for row in rows
    ]


def session_window(session: LiveSession) -> tuple[datetime, datetime]:
    """The span attendance is measured over: when it actually went live and ended, else the scheduled times."""
    start = session.went_live_at or session.starts_at
    end = session.ended_at or session.ends_at
    if end <= start:
        start, end = session.starts_at, session.ends_at
    return start, end


def week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def calendar_feed_of(*, user: User) -> CalendarFeed | None:
    """The user's private calendar feed, if they made one."""
    return CalendarFeed.objects.filter(user=user).first()
