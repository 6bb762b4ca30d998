"""Reads of each member's learning record (我的学习档案, issue 15): classes attended live, made up by replay,
on leave; time watched; 学时 and points by the rules below; rankings of branches and subdistricts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from livestreams.models import Attendance, Courseware, LeaveRequest, LiveSession, ReplayWatch, SessionAudience
from livestreams.selectors.classes import quarter_bounds, session_window
from livestreams.selectors.interaction import quiz_scores
from partyorgs.models import AllianceMembership, PartyMember, PartyOrganization, Region

S = LiveSession.Status

# The rules, shown to everyone on the rules page (/classes/learning/rules/).
MINUTES_PER_STUDY_HOUR = 45  # one 学时 is a class hour of 45 minutes
POINTS_ATTEND = 10  # attended live (the class's attendance threshold reached)
POINTS_MAKEUP = 6  # made up by replay within the class's make-up period
POINTS_CORRECT = 2  # each right answer to a quick quiz (随堂测验) question


def period_bounds(year: int, quarter: int | None) -> tuple[datetime, datetime]:
    """A year, or one quarter of it, in Asia/Shanghai."""
    if quarter:
        return quarter_bounds(year, quarter)
    return quarter_bounds(year, 1)[0], quarter_bounds(year, 4)[1]


def courseware_of(session: LiveSession) -> list[Courseware]:
    return list(Courseware.objects.filter(session=session).order_by("created_at", "pk"))


def leave_of(*, session: LiveSession, member: PartyMember | None) -> LeaveRequest | None:
    if member is None:
        return None
    return LeaveRequest.objects.filter(session=session, member=member).first()


def leave_requests_of(session: LiveSession) -> list[LeaveRequest]:
    return list(
        LeaveRequest.objects.filter(session=session)
        .select_related("member__user", "member__branch")
        .order_by("state", "created_at")
    )


def made_up_user_ids(session: LiveSession) -> set[int]:
    """Who made the class up by replay (shown apart from live attendance)."""
    return set(
        ReplayWatch.objects.filter(session=session, made_up_at__isnull=False).values_list(
            "user_id", flat=True
        )
    )


@dataclass
class RecordRow:
    session: LiveSession
    live_seconds: int = 0
    replay_seconds: int = 0
    attended: bool = False
    made_up: bool = False
    leave: bool = False
    quiz_correct: int = 0
    quiz_total: int = 0

    @property
    def outcome(self) -> str:
        if self.attended:
            return "attended"
        if self.made_up:
            return "made_up"
        return "leave" if self.leave else "absent"

    @property
    def study_hours(self) -> float:
        if not (self.attended or self.made_up):
            return 0.0
        start, end = session_window(self.session)
        return round((end - start).total_seconds() / 60 / MINUTES_PER_STUDY_HOUR, 1)

    @property
    def points(self) -> int:
        points = POINTS_ATTEND if self.attended else POINTS_MAKEUP if self.made_up else 0
        return points + self.quiz_correct * POINTS_CORRECT

    @property
    def minutes(self) -> int:
        return (self.live_seconds + self.replay_seconds) // 60


@dataclass
class Record:
    rows: list[RecordRow] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(r.outcome == outcome for r in self.rows)

    @property
    def attended(self) -> int:
        return self.count("attended")

    @property
    def made_up(self) -> int:
        return self.count("made_up")

    @property
    def leave(self) -> int:
        return self.count("leave")

    @property
    def absent(self) -> int:
        return self.count("absent")

    @property
    def minutes(self) -> int:
        return sum(r.minutes for r in self.rows)

    @property
    def study_hours(self) -> float:
        return round(sum(r.study_hours for r in self.rows), 1)

    @property
    def points(self) -> int:
        return sum(r.points for r in self.rows)

    @property
    def quiz_correct(self) -> int:
        return sum(r.quiz_correct for r in self.rows)

    @property
    def quiz_total(self) -> int:
        return sum(r.quiz_total for r in self.rows)


def _classes_in(start: datetime, end: datetime) -> list[LiveSession]:
    return list(
        LiveSession.objects.filter(
            kind=LiveSession.Kind.PARTY_CLASS,
            party_class__isnull=False,
            status=S.ENDED,
            starts_at__gte=start,
            starts_at__lt=end,
        ).order_by("starts_at", "pk")
    )


def _audience_of(classes: list[LiveSession]) -> dict[int, list[tuple[str, bool]]]:
    """Per class, the (organization path, with subtree) of its audience, alliances unfolded."""
    ids = [c.pk for c in classes]
    out: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for row in SessionAudience.objects.filter(session_id__in=ids).values(
        "session_id", "organization__path", "include_subtree"
    ):
        out[row["session_id"]].append((row["organization__path"], row["include_subtree"]))
    alliances = {c.audience_alliance_id for c in classes if c.audience_alliance_id}
    paths: dict[int, list[str]] = defaultdict(list)
    for m in AllianceMembership.objects.filter(alliance_id__in=alliances).values(
        "alliance_id", "organization__path"
    ):
        paths[m["alliance_id"]].append(m["organization__path"])
    for c in classes:
        if c.audience_alliance_id:
            out[c.pk].extend((p, True) for p in paths[c.audience_alliance_id])
    return out


def _includes(audience: list[tuple[str, bool]], branch_path: str) -> bool:
    return any(branch_path == p or (sub and branch_path.startswith(p)) for p, sub in audience)


def quiz_scores_for(*, session_ids: list[int], user_ids: list[int]) -> dict[tuple[int, int], tuple[int, int]]:
    """(user id, session id) -> (right answers, quiz questions asked) of the quick quizzes (d15live's selector)."""
    if not session_ids or not user_ids:
        return {}
    return quiz_scores(session_ids=session_ids, user_ids=user_ids)


def records_for(members: Iterable[PartyMember], start: datetime, end: datetime) -> dict[int, Record]:
    """Each member's record over [start, end): a row for every ended class whose audience held their branch or
    that they watched. A fixed number of queries, whatever the number of members and classes."""
    members = list(members)
    classes = _classes_in(start, end)
    if not members:
        return {}
    audience = _audience_of(classes)
    class_ids = [c.pk for c in classes]
    member_ids = [m.pk for m in members]
    user_ids = [m.user_id for m in members]
    attendance = {
        (a.member_id, a.session_id): a
        for a in Attendance.objects.filter(session_id__in=class_ids, member_id__in=member_ids)
    }
    replays = {
        (w.user_id, w.session_id): w
        for w in ReplayWatch.objects.filter(session_id__in=class_ids, user_id__in=user_ids)
    }
    leaves = set(
        LeaveRequest.objects.filter(
            session_id__in=class_ids, member_id__in=member_ids, state=LeaveRequest.State.APPROVED
        ).values_list("member_id", "session_id")
    )
    quizzes = quiz_scores_for(session_ids=class_ids, user_ids=user_ids)
    records: dict[int, Record] = {}
    for m in members:
        record = Record()
        for c in classes:
            a = attendance.get((m.pk, c.pk))
            w = replays.get((m.user_id, c.pk))
            if a is None and w is None and not _includes(audience[c.pk], m.branch.path):
                continue
            correct, total = quizzes.get((m.user_id, c.pk), (0, 0))
            record.rows.append(
                RecordRow(
                    session=c,
                    live_seconds=a.seconds_watched if a else 0,
                    replay_seconds=w.seconds if w else 0,
                    attended=bool(a and a.attended),
                    made_up=bool(w and w.made_up_at) and not (a and a.attended),
                    leave=(m.pk, c.pk) in leaves or bool(a and a.excused),
                    quiz_correct=correct,
                    quiz_total=total,
                )
            )
        records[m.pk] = record
    return records


def learning_record(*, member: PartyMember, year: int, quarter: int | None = None) -> Record:
    start, end = period_bounds(year, quarter)
    return records_for([member], start, end).get(member.pk, Record())


# --- Rankings -------------------------------------------------------------------------------------------


@dataclass
class RankRow:
    rank: int
    name: str
    pk: int
    members: int
    points: int
    attended: int
    made_up: int
    study_hours: float

    @property
    def average(self) -> float:
        return round(self.points / self.members, 1) if self.members else 0.0


def _ranked(groups: dict[Any, dict[str, Any]]) -> list[RankRow]:
    rows = [
        RankRow(
            rank=0,
            name=g["name"],
            pk=key,
            members=g["members"],
            points=g["points"],
            attended=g["attended"],
            made_up=g["made_up"],
            study_hours=round(g["hours"], 1),
        )
        for key, g in groups.items()
    ]
    rows.sort(key=lambda r: (-r.average, -r.points, r.name))
    for i, row in enumerate(rows):
        row.rank = i + 1 if i == 0 or row.average != rows[i - 1].average else rows[i - 1].rank
    return rows


@dataclass
class Rankings:
    branches: list[RankRow]
    subdistricts: list[RankRow]
    members: dict[int, tuple[int, Record]]  # member id -> (rank in the branch, record)


def rankings(*, branches: QuerySet[PartyOrganization], year: int, quarter: int | None = None) -> Rankings:
    """Branches ranked by the average points of their members, subdistricts likewise (the region of each
    branch), and each member's rank in their branch."""
    start, end = period_bounds(year, quarter)
    members = list(PartyMember.objects.filter(branch__in=branches).select_related("branch", "user"))
    records = records_for(members, start, end)
    by_branch: dict[int, dict[str, Any]] = {}
    by_region: dict[int, dict[str, Any]] = {}
    branch_list = list(branches.select_related("region"))
    for b in branch_list:
        by_branch[b.pk] = {
            "name": b.name,
            "members": 0,
            "points": 0,
            "attended": 0,
            "made_up": 0,
            "hours": 0.0,
        }
        region = b.region
        if region.kind == Region.Kind.SUBDISTRICT:
            by_region.setdefault(
                region.pk,
                {"name": region.name, "members": 0, "points": 0, "attended": 0, "made_up": 0, "hours": 0.0},
            )
    region_of = {b.pk: b.region_id for b in branch_list}
    per_branch_members: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for m in members:
        rec = records.get(m.pk, Record())
        for group in (by_branch.get(m.branch_id), by_region.get(region_of.get(m.branch_id, 0))):
            if group is None:
                continue
            group["members"] += 1
            group["points"] += rec.points
            group["attended"] += rec.attended
            group["made_up"] += rec.made_up
            group["hours"] += rec.study_hours
        per_branch_members[m.branch_id].append((rec.points, m.pk))
    member_rank: dict[int, tuple[int, Record]] = {}
    for entries in per_branch_members.values():
        entries.sort(key=lambda e: -e[0])
        for i, (points, member_id) in enumerate(entries):
            rank = i + 1 if i == 0 or points != entries[i - 1][0] else member_rank[entries[i - 1][1]][0]
            member_rank[member_id] = (rank, records.get(member_id, Record()))
    return Rankings(branches=_ranked(by_branch), subdistricts=_ranked(by_region), members=member_rank)


def branch_peers(member: PartyMember) -> QuerySet[PartyOrganization]:
    """The branches a member's branch is ranked among: the branches of the same region."""
    # PartyOrganization's manager comes from treebeard, which has no types.
    orgs: QuerySet[PartyOrganization] = PartyOrganization.objects.all()
    return orgs.filter(Q(region_id=member.branch.region_id), kind=PartyOrganization.Kind.BRANCH).order_by(
        "path"
    )
