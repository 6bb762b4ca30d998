"""Reads of the 三会一课 records: which meetings a branch held in a quarter, which of them count (the validity
rules of the subdistrict) and why not, the ledger's rows and totals, the annual plan and its shortfall.

A meeting is an ended Party class of a record kind (livestreamed; its record, when written, adds the minutes)
or an offline MeetingRecord. A meeting counts for a branch when the branch hosts it or is in its audience
(directly, or through an organization above it with its subtree), as classes always have.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.models import User
from livestreams.models import (
    Attendance,
    LiveSession,
    MeetingAttendee,
    MeetingPlan,
    MeetingRecord,
    MeetingRule,
    PartyClass,
    SessionAudience,
)
from livestreams.models.meetings import RECORD_KINDS
from livestreams.selectors.classes import current_quarter, quarter_bounds, session_window
from partyorgs.models import (
    AllianceMembership,
    PartyMember,
    PartyOrganization,
    Role,
    ancestor_paths,
    member_current_q,
)
from partyorgs.permissions import get_scope

S = LiveSession.Status
CK = PartyClass.ClassKind
# The ledger's columns, in the order branch secretaries file them. 开展总数 is their sum, nothing else.
LEDGER_KINDS: list[str] = [k.value for k in RECORD_KINDS]
# The usual norms of 三会一课 per quarter: 党员大会 and 党课 quarterly, 支委会 and 党小组会 monthly; the
# themed Party day monthly, as subdistricts hold it.
PLAN_NORMS: dict[str, list[int]] = {
    CK.GENERAL_MEETING: [1, 1, 1, 1],
    CK.COMMITTEE_MEETING: [3, 3, 3, 3],
    CK.GROUP_MEETING: [3, 3, 3, 3],
    CK.PARTY_LECTURE: [1, 1, 1, 1],
    CK.THEMED_DAY: [3, 3, 3, 3],
}
SIGNIN_SALT = "livestreams.meetings.signin"
SIGNIN_MAX_AGE = 24 * 3600


# --- Validity rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    min_minutes: int = 30
    min_attendance_percent: int = 50
    minutes_required: bool = True


DEFAULT_RULES = Rules()


def rules_for_regions(region_ids: Iterable[int]) -> dict[int, Rules]:
    """Each region's rules: its own, else its district's, else the defaults. One query."""
    ids = set(region_ids)
    if not ids:
        return {}
    own: dict[int, Rules] = {}
    inherited: dict[int, Rules] = {}
    rows = (
        MeetingRule.objects.filter(Q(region_id__in=ids) | Q(region__children__in=ids))
        .values_list(
            "region_id", "region__children", "min_minutes", "min_attendance_percent", "minutes_required"
        )
        .distinct()
    )
    for region_id, child_id, minutes, percent, required in rows:
        rules = Rules(minutes, percent, required)
        if region_id in ids:
            own[region_id] = rules
        if child_id in ids:
            inherited[child_id] = rules
    return {rid: own.get(rid) or inherited.get(rid) or DEFAULT_RULES for rid in ids}


def format_length(seconds: int) -> str:
    minutes, secs = divmod(max(seconds, 0), 60)
    if minutes and secs:
        return _("%(m)s min %(s)s s") % {"m": minutes, "s": secs}
    if minutes:
        return _("%(m)s min") % {"m": minutes}
    return _("%(s)s s") % {"s": secs}


def meeting_reasons(
    *, seconds: int, attended: int, expected: int, has_minutes: bool, rules: Rules
) -> list[str]:
    """Why a meeting does not count as held (empty: it counts)."""
    reasons = []
    if seconds < rules.min_minutes * 60:
        reasons.append(
            _("Lasted %(length)s, shorter than the minimum of %(min)s minutes.")
            % {"length": format_length(seconds), "min": rules.min_minutes}
        )
    if attended == 0:
        reasons.append(_("Nobody attended."))
    elif attended * 100 < rules.min_attendance_percent * expected:
        reasons.append(
            _("%(attended)s of %(expected)s expected attended, below the minimum of %(min)s%%.")
            % {"attended": attended, "expected": expected, "min": rules.min_attendance_percent}
        )
    if rules.minutes_required and not has_minutes:
        reasons.append(_("No minutes written."))
    return reasons


# --- Meetings -----------------------------------------------------------------------------------


@dataclass
class Meeting:
    kind: str
    topic: str
    starts_at: datetime
    ends_at: datetime
    place: str
    organization: PartyOrganization
    session_id: int | None
    record: MeetingRecord | None
    attended: int
    excused: int
    absent: int
    reasons: list[str] = field(default_factory=list)

    @property
    def counted(self) -> bool:
        return not self.reasons

    @property
    def expected(self) -> int:
        return self.attended + self.absent

    @property
    def seconds(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds())

    @property
    def length(self) -> str:
        return format_length(self.seconds)

    @property
    def kind_label(self) -> str:
        return str(CK(self.kind).label)

    @property
    def has_minutes(self) -> bool:
        return self.record is not None and bool(self.record.minutes.strip())


def _online_sessions(start: datetime, end: datetime) -> QuerySet[LiveSession]:
    return LiveSession.objects.filter(
        kind=LiveSession.Kind.PARTY_CLASS,
        status=S.ENDED,
        party_class__isnull=False,
        starts_at__gte=start,
        starts_at__lt=end,
    )


def _online_meetings(start: datetime, end: datetime) -> list[tuple[Meeting, LiveSession]]:
    # The other queries take the sessions as a subquery, so that their number never depends on the data.
    found = _online_sessions(start, end)
    sessions = list(
        found.select_related(
            "party_class", "party_class__venue", "host_organization", "meeting_record__organization"
        ).order_by("starts_at", "pk")
    )
    tallies = {
        row["session_id"]: row
        for row in Attendance.objects.filter(session__in=found.values("pk"))
        .order_by()
        .values("session_id")
        .annotate(
            n_total=Count("pk"),
            n_attended=Count("pk", filter=Q(attended=True)),
            n_excused=Count("pk", filter=Q(attended=False, excused=True)),
        )
    }
    out = []
    for s in sessions:
        record = getattr(s, "meeting_record", None)
        t = tallies.get(s.pk, {"n_total": 0, "n_attended": 0, "n_excused": 0})
        begin, finish = session_window(s)
        pc = s.party_class
        meeting = Meeting(
            kind=pc.class_kind,
            topic=record.topic if record else s.title,
            starts_at=begin,
            ends_at=finish,
            place=record.place if record else (pc.venue.name if pc.venue else _("Online (Red Livestream)")),
            organization=record.organization if record else s.host_organization,  # type: ignore[arg-type]  # classes are hosted by an organization
            session_id=s.pk,
            record=record,
            attended=t["n_attended"],
            excused=t["n_excused"],
            absent=t["n_total"] - t["n_attended"] - t["n_excused"],
        )
        out.append((meeting, s))
    return out


def _offline_meetings(start: datetime, end: datetime, paths: set[str]) -> list[Meeting]:
    found = MeetingRecord.objects.filter(
        session__isnull=True, starts_at__gte=start, starts_at__lt=end, organization__path__in=paths
    )
    records = list(found.select_related("organization").order_by("starts_at", "pk"))
    tallies = {
        row["record_id"]: row
        for row in MeetingAttendee.objects.filter(record__in=found.values("pk"))
        .order_by()
        .values("record_id")
        .annotate(
            attended=Count("pk", filter=Q(state=MeetingAttendee.State.ATTENDED)),
            excused=Count("pk", filter=Q(state=MeetingAttendee.State.EXCUSED)),
            absent=Count("pk", filter=Q(state=MeetingAttendee.State.ABSENT)),
        )
    }
    out = []
    for r in records:
        t = tallies.get(r.pk, {"attended": 0, "excused": 0, "absent": 0})
        out.append(
            Meeting(
                kind=r.kind,
                topic=r.topic,
                starts_at=r.starts_at,
                ends_at=r.ends_at,
                place=r.place,
                organization=r.organization,
                session_id=None,
                record=r,
                attended=t["attended"],
                excused=t["excused"],
                absent=t["absent"],
            )
        )
    return out


def _judge(meetings: list[Meeting], region_of: dict[int, int], also: set[int]) -> None:
    # The branches' regions too: the same two queries with or without meetings.
    rules = rules_for_regions({*region_of.values(), *also})
    for i, m in enumerate(meetings):
        r = rules.get(region_of[i], DEFAULT_RULES)
        m.reasons = meeting_reasons(
            seconds=m.seconds, attended=m.attended, expected=m.expected, has_minutes=m.has_minutes, rules=r
        )


def meetings_for_branches(
    *, branches: list[PartyOrganization], start: datetime, end: datetime
) -> dict[int, list[Meeting]]:
    """Every meeting each branch held in [start, end), judged by the rules of its region. A fixed number of
    queries (eight at most), whatever the number of branches and meetings."""
    if not branches:
        return {}
    paths = {p for b in branches for p in ancestor_paths(b.path)}
    online = _online_meetings(start, end)
    offline = _offline_meetings(start, end, paths)
    sessions = _online_sessions(start, end)
    audience: defaultdict[int, list[tuple[str, bool]]] = defaultdict(list)
    for row in SessionAudience.objects.filter(session__in=sessions.values("pk")).values(
        "session_id", "organization__path", "include_subtree"
    ):
        audience[row["session_id"]].append((row["organization__path"], row["include_subtree"]))
    alliance_ids = {s.audience_alliance_id for _m, s in online if s.audience_alliance_id}
    alliance_paths: defaultdict[int | None, list[str]] = defaultdict(list)
    if alliance_ids:
        for alliance_id, org_path in AllianceMembership.objects.filter(
            alliance_id__in=alliance_ids
        ).values_list("alliance_id", "organization__path"):
            alliance_paths[alliance_id].append(org_path)
    all_meetings = [m for m, _s in online] + offline
    region_of = {i: _region_of(m, s) for i, (m, s) in enumerate(online)}
    region_of.update({len(online) + i: m.organization.region_id for i, m in enumerate(offline)})
    _judge(all_meetings, region_of, {b.region_id for b in branches})

    def covers_online(m: Meeting, s: LiveSession, path: str) -> bool:
        if s.host_organization is not None and s.host_organization.path == path:
            return True
        for org_path, subtree in audience[s.pk]:
            if path == org_path or (subtree and path.startswith(org_path)):
                return True
        return any(path.startswith(p) for p in alliance_paths.get(s.audience_alliance_id, []))

    out: dict[int, list[Meeting]] = {}
    for b in branches:
        mine = [m for m, s in online if covers_online(m, s, b.path)]
        mine += [m for m in offline if b.path.startswith(m.organization.path)]
        out[b.pk] = sorted(mine, key=lambda m: m.starts_at)
    return out


def _region_of(m: Meeting, s: LiveSession) -> int:
    return m.record.region_id if m.record is not None else s.region_id


# --- The ledger ---------------------------------------------------------------------------------


@dataclass
class BranchRecord:
    branch: PartyOrganization
    meetings: list[Meeting]
    planned: dict[str, int]
    members: int
    attended: int
    expected: int

    @property
    def ledger_meetings(self) -> list[Meeting]:
        return [m for m in self.meetings if m.kind in LEDGER_KINDS]

    @property
    def counts(self) -> dict[str, int]:
        """Meetings that count, per kind (kinds with none left out)."""
        out: dict[str, int] = defaultdict(int)
        for m in self.ledger_meetings:
            if m.counted:
                out[m.kind] += 1
        return dict(out)

    @property
    def meeting_counts(self) -> list[int]:
        counts = self.counts
        return [counts.get(k, 0) for k in LEDGER_KINDS]

    @property
    def classes_held(self) -> int:
        """开展总数: the meetings that count; the sum of the columns."""
        return sum(self.meeting_counts)

    @property
    def not_counted(self) -> int:
        return sum(not m.counted for m in self.ledger_meetings)

    @property
    def other(self) -> list[Meeting]:
        """Classes of kinds outside 三会一课 (special study sessions): listed, never in the total."""
        return [m for m in self.meetings if m.kind not in LEDGER_KINDS]

    @property
    def party_lectures(self) -> int:
        return self.counts.get(CK.PARTY_LECTURE, 0)

    @property
    def planned_total(self) -> int:
        return sum(self.planned.get(k, 0) for k in LEDGER_KINDS)

    @property
    def shortfall(self) -> int:
        counts = self.counts
        return sum(max(self.planned.get(k, 0) - counts.get(k, 0), 0) for k in LEDGER_KINDS)

    @property
    def flagged(self) -> bool:
        """A branch must hold a Party class at least once a quarter (三会一课); only one that counts counts.
        A branch with no members on the hub yet is listed but not flagged: there is nobody to hold it with."""
        return self.party_lectures == 0 and self.members > 0

    @property
    def rate(self) -> float | None:
        return self.attended / self.expected if self.expected else None


def ledger_branches(user: User) -> QuerySet[PartyOrganization]:
    """The branches whose records a user may read: an organizer's subtree, an official's regions, staff: all."""
    scope = get_scope(user)
    q = scope.managed_orgs_q()
    if scope.region_ids:
        q |= Q(region_id__in=scope.region_ids)
    orgs: QuerySet[PartyOrganization] = PartyOrganization.objects.all()
    if not (scope.is_staff or scope.is_organizer or scope.is_official):
        return orgs.none()
    return orgs.filter(q, kind=PartyOrganization.Kind.BRANCH).order_by("path")


def plans_for(branch_ids: list[int], year: int) -> dict[int, dict[str, list[int]]]:
    """Each branch's plan for the year, per kind and quarter: its own rows, the norms for kinds without one."""
    rows: dict[int, dict[str, list[int]]] = {
        b: {k: list(v) for k, v in PLAN_NORMS.items()} for b in branch_ids
    }
    for p in MeetingPlan.objects.filter(organization_id__in=branch_ids, year=year):
        rows[p.organization_id][p.kind] = p.quarters()
    return rows


def branch_ledger(*, branches: Iterable[PartyOrganization], year: int, quarter: int) -> list[BranchRecord]:
    """Per branch, the meetings of the quarter (counted or not, and why), the plan of the quarter and the
    attendance rate of its members at livestreamed classes. A fixed number of queries."""
    branches = list(branches)
    if not branches:
        return []
    start, end = quarter_bounds(year, quarter)
    meetings = meetings_for_branches(branches=branches, start=start, end=end)
    branch_ids = [b.pk for b in branches]
    plans = plans_for(branch_ids, year)
    stats: dict[int, Mapping[str, Any]] = {
        row["member__branch_id"]: row
        for row in Attendance.objects.filter(
            session__in=_online_sessions(start, end).values("pk"),
            member__branch_id__in=branch_ids,
            excused=False,
        )
        .values("member__branch_id")
        .annotate(expected=Count("pk"), attended=Count("pk", filter=Q(attended=True)))
    }
    members = dict(
        PartyMember.objects.filter(member_current_q(timezone.localdate()), branch_id__in=branch_ids)
        .values("branch_id")
        .annotate(n=Count("pk"))
        .values_list("branch_id", "n")
    )
    return [
        BranchRecord(
            branch=b,
            meetings=meetings.get(b.pk, []),
            planned={k: v[quarter - 1] for k, v in plans[b.pk].items()},
            members=members.get(b.pk, 0),
            attended=stats.get(b.pk, {}).get("attended", 0),
            expected=stats.get(b.pk, {}).get("expected", 0),
        )
        for b in branches
    ]


def branches_behind(
    user: User, *, year: int | None = None, quarter: int | None = None
) -> list[PartyOrganization]:
    """The user's branches that have held no Party class that counts in the quarter (by default this one)."""
    if year is None or quarter is None:
        year, quarter = current_quarter()
    scope = get_scope(user)
    if not (scope.is_organizer or scope.is_staff):
        return []
    branches = PartyOrganization.objects.filter(scope.managed_orgs_q(), kind=PartyOrganization.Kind.BRANCH)
    return [
        r.branch
        for r in branch_ledger(branches=branches.order_by("path"), year=year, quarter=quarter)
        if r.flagged
    ]


# --- The annual plan --------------------------------------------------------------------------


@dataclass
class PlanRow:
    kind: str
    label: str
    planned: list[int]
    counted: list[int]
    held: list[int]

    @property
    def shortfall(self) -> list[int]:
        return [max(p - c, 0) for p, c in zip(self.planned, self.counted, strict=True)]

    @property
    def planned_total(self) -> int:
        return sum(self.planned)

    @property
    def counted_total(self) -> int:
        return sum(self.counted)


def branch_plan(*, branch: PartyOrganization, year: int) -> list[PlanRow]:
    """The branch's plan for the year beside what it held and what counted, quarter by quarter."""
    plan = plans_for([branch.pk], year)[branch.pk]
    start, _e = quarter_bounds(year, 1)
    _s, end = quarter_bounds(year, 4)
    meetings = meetings_for_branches(branches=[branch], start=start, end=end)[branch.pk]
    rows = []
    for k in LEDGER_KINDS:
        counted, held = [0, 0, 0, 0], [0, 0, 0, 0]
        for m in meetings:
            if m.kind == k:
                q = (timezone.localtime(m.starts_at).month - 1) // 3
                held[q] += 1
                counted[q] += m.counted
        rows.append(PlanRow(kind=k, label=str(CK(k).label), planned=plan[k], counted=counted, held=held))
    return rows


# --- One record -----------------------------------------------------------------------------------


def meeting_record_get_for_user(user: User, pk: int) -> tuple[MeetingRecord, bool]:
    """(record, can_manage) for a record the user may read: the organizers of its organization (and above),
    the officials of its region, staff. Anyone else: 404, as if it did not exist."""
    record = (
        MeetingRecord.objects.select_related("organization", "region", "session", "session__party_class")
        .filter(pk=pk)
        .first()
    )
    if record is None:
        raise Http404
    scope = get_scope(user)
    can_manage = scope.manages_org_path(record.organization.path)
    if not (can_manage or record.region_id in scope.region_ids):
        raise Http404
    return record, can_manage


def meeting_roster(record: MeetingRecord) -> QuerySet[PartyMember]:
    """Who may be listed at an offline meeting: the members of its organization and the organizations below
    who had not left their branch by the day of the meeting."""
    return (
        PartyMember.objects.filter(
            member_current_q(timezone.localdate(record.starts_at)),
            branch__path__startswith=record.organization.path,
        )
        .select_related("user", "branch")
        .order_by("branch__path", "user__name", "pk")
    )


@dataclass
class AttendeeRow:
    member: PartyMember
    state: str
    reason: str
    signed_in_at: datetime | None


def meeting_attendees(record: MeetingRecord) -> list[AttendeeRow]:
    """The offline meeting's roster with each member's state ("" when not listed: not expected)."""
    rows = {a.member_id: a for a in MeetingAttendee.objects.filter(record=record)}
    out = []
    for m in meeting_roster(record):
        a = rows.get(m.pk)
        out.append(
            AttendeeRow(
                member=m,
                state=a.state if a else "",
                reason=a.reason if a else "",
                signed_in_at=a.signed_in_at if a else None,
            )
        )
    return out


def meeting_of_record(record: MeetingRecord) -> Meeting:
    """The record as the ledger judges it (counted or not, and why)."""
    # The ledger finds a livestreamed meeting by its session's scheduled start, an offline one by its own.
    start = record.session.starts_at if record.session is not None else record.starts_at
    found = meetings_for_branches(
        branches=[record.organization], start=start, end=start + timedelta(seconds=1)
    )
    for m in found.get(record.organization.pk, []):
        if (m.record is not None and m.record.pk == record.pk) or (
            record.session_id and m.session_id == record.session_id
        ):
            m.record = record
            return m
    raise Http404


def signin_token(record: MeetingRecord) -> str:
    """The signed value a meeting's sign-in QR code carries (valid for a day from when it is shown)."""
    return signing.TimestampSigner(salt=SIGNIN_SALT).sign(str(record.pk)).split(":", 1)[1]


def signin_token_valid(record: MeetingRecord, token: str) -> bool:
    try:
        value = signing.TimestampSigner(salt=SIGNIN_SALT).unsign(
            f"{record.pk}:{token}", max_age=SIGNIN_MAX_AGE
        )
    except signing.BadSignature:
        return False
    return value == str(record.pk)


def organizers_of(branch: PartyOrganization) -> QuerySet[User]:
    """The organizers of a branch: those of the branch itself and of the organizations above it."""
    return User.objects.filter(
        is_active=True,
        roles__kind=Role.Kind.ORGANIZER,
        roles__organization__path__in=ancestor_paths(branch.path),
    ).distinct()


def meeting_names(meetings: Iterable[Meeting]) -> dict[tuple[str, int], dict[str, list[str]]]:
    """Who attended, was excused and was absent at each meeting, by name (two queries for any number of
    meetings). Keys: ("s", session id) for livestreamed meetings, ("r", record id) for offline ones."""
    meetings = list(meetings)
    session_ids = [m.session_id for m in meetings if m.session_id]
    record_ids = [m.record.pk for m in meetings if m.session_id is None and m.record is not None]
    out: dict[tuple[str, int], dict[str, list[str]]] = defaultdict(
        lambda: {"attended": [], "excused": [], "absent": []}
    )
    for sid, name, attended, excused in (
        Attendance.objects.filter(session_id__in=session_ids)
        .order_by("member__user__name", "pk")
        .values_list("session_id", "member__user__name", "attended", "excused")
    ):
        state = "attended" if attended else ("excused" if excused else "absent")
        out[("s", sid)][state].append(name)
    for rid, name, state in (
        MeetingAttendee.objects.filter(record_id__in=record_ids)
        .order_by("member__user__name", "pk")
        .values_list("record_id", "member__user__name", "state")
    ):
        out[("r", rid)][state].append(name)
    return out


def meeting_key(m: Meeting) -> tuple[str, int]:
    if m.session_id:
        return ("s", m.session_id)
    assert m.record is not None
    return ("r", m.record.pk)
