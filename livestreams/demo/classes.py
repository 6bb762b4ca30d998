"""Demo Party classes: a year of past classes and meetings with attendance for six branches (淮河路社区第一党支部
has held no Party class this quarter, so the records flag it), and recurring classes ahead.

Rows are keyed by natural keys (host, title, start), so a second run creates nothing. Dates follow the
calendar (the 12 months before today), so a run in a later month adds that month's classes.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from hub.demo import DemoContext
from hub.models import User
from livestreams.models import (
    Comment,
    LeaveRequest,
    LiveSession,
    PartyClass,
    PresenceInterval,
    ReplayWatch,
    SessionAudience,
)
from livestreams.selectors.classes import current_quarter, quarter_bounds
from livestreams.services.attendance import attendance_compute, attendance_excuse
from livestreams.services.classes import ClassDetails, Recurrence, party_class_schedule
from partyorgs.models import Expert, PartyMember, PartyOrganization, Venue

CK = PartyClass.ClassKind
S = LiveSession.Status
BEHIND = "淮河路社区第一党支部"
BRANCHES = [
    "白鲸·孵化器联合党支部",
    "网红大厦非公企业联合党支部",
    "淮河路街道机关党支部",
    BEHIND,
    "中国鞋都电商创业园党支部",
    "广佛电商直播产业基地党支部",
]
LECTURE_TOPICS = [
    "学习贯彻党的二十大精神",
    "党史学习教育：从“面对面”到“键对键”",
    "非公企业党建与直播电商发展",
    "新时代党员的初心使命",
]
THEMED_DAY_TOPICS = [
    "“党建+发展+学习”主题党日",
    "跟党一起创业：走进白鲸·孵化器",
    "红色直播助力新品首发",
    "重温入党誓词",
    "志愿服务进社区",
    "数字经济与乡村振兴",
]
COMMENTS = [
    "学习了，很受启发！",
    "讲得很透彻，收获很大。",
    "支部党员准时参加。",
    "建议多开展这样的线上党课。",
]


def _frac(*parts) -> float:
    """A stable pseudo-random number in [0, 1) from the parts (the demo looks varied, runs identically)."""
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def _at(d: date, hh: int, mm: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(d, time(hh, mm)), timezone.get_default_timezone())


def _months_back(today: date, n: int) -> list[date]:
    firsts = []
    y, m = today.year, today.month
    for _i in range(n):
        firsts.append(date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return list(reversed(firsts))


def _quarters_back(year: int, quarter: int, n: int) -> list[tuple[int, int]]:
    out = []
    for _i in range(n):
        out.append((year, quarter))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return out


def _lecture_time(year: int, quarter: int, bi: int, now: datetime) -> datetime | None:
    """When a branch's Party class of a quarter took place: mid-quarter, or, early in the current quarter,
    the latest of a few fixed earlier times that has passed (fixed, so that a re-run finds the same row)."""
    q_start, _q_end = quarter_bounds(year, quarter)
    first = timezone.localtime(q_start).date()
    candidates = [
        _at(first.replace(month=first.month + 1, day=12 + bi % 4), 19, 30),
        _at(first.replace(day=12 + bi % 4), 19, 30),
        _at(first + timedelta(days=1), 9),
        _at(first, 9),
    ]
    for c in candidates:
        if c + timedelta(hours=2) < now:
            return c
    return None


def _past_class(ctx, branch, members, kind, title, start, minutes, organizer) -> None:
    """One ended class of a branch, with the members' presence, attendance, a few comments and excuses."""
    end = start + timedelta(minutes=minutes)
    session, created = LiveSession.objects.get_or_create(
        kind=LiveSession.Kind.PARTY_CLASS,
        host_organization=branch,
        title=title,
        starts_at=start,
        defaults={
            "region": branch.region,
            "ends_at": end,
            "status": S.ENDED,
            "went_live_at": start,
            "ended_at": end,
            "created_by": organizer,
            "description": "红色直播党课，支部党员线上线下同步参加。",
        },
    )
    ctx.count("past Party classes", created)
    if not created:
        return
    SessionAudience.objects.create(session=session, organization=branch, include_subtree=True)
    PartyClass.objects.create(session=session, class_kind=kind)
    presence = []
    for m in members:
        r = _frac(session.starts_at.date(), title, m.pk)
        if r < 0.12:
            continue  # absent
        watched = minutes if r > 0.3 else int(minutes * (0.25 + r))
        joined = start + timedelta(minutes=int(r * 5))
        left = min(joined + timedelta(minutes=watched), end)
        if r > 0.8:  # watched on two devices: the intervals overlap and count once
            presence.append(
                PresenceInterval(
                    session=session, user_id=m.user_id, joined_at=start, left_at=start + timedelta(minutes=20)
                )
            )
        presence.append(PresenceInterval(session=session, user_id=m.user_id, joined_at=joined, left_at=left))
    PresenceInterval.objects.bulk_create(presence)
    attendance_compute(session_id=session.pk, now=end)
    pc = PartyClass.objects.get(pk=session.pk)
    for m in members:
        r = _frac(session.starts_at.date(), title, m.pk)
        if r < 0.06:
            # Issue 15: the member asked for leave before the class, and the organizer approved it.
            LeaveRequest.objects.create(
                session=session,
                member=m,
                reason="因公出差，已向支部书记请假",
                state=LeaveRequest.State.APPROVED,
                decided_by=organizer,
                decided_at=start - timedelta(days=1),
            )
            attendance_excuse(party_class=pc, member=m, reason="请假：因公出差，已向支部书记请假")
        elif r < 0.12 and pc.makeup_days:
            # Issue 15: absent from the live class, made it up by watching the replay the next day.
            ReplayWatch.objects.create(
                session=session,
                user_id=m.user_id,
                seconds=minutes * 60,
                last_ping_at=end + timedelta(days=1),
                made_up_at=end + timedelta(days=1),
            )
    for i, m in enumerate(members[:2]):
        Comment.objects.create(
            session=session,
            author_id=m.user_id,
            text=COMMENTS[(session.pk + i) % len(COMMENTS)],
            created_at=start + timedelta(minutes=10 + i),
        )


def _upcoming_series(ctx, organizer, details: ClassDetails, recurrence: Recurrence | None) -> None:
    """Schedule through the service unless this title already has a class ahead (then nothing changes)."""
    exists = LiveSession.objects.filter(
        kind=LiveSession.Kind.PARTY_CLASS,
        host_organization=details.host_organization,
        title=details.title,
        status__in=[S.SCHEDULED, S.LIVE],
    ).exists()
    if exists:
        return
    for _pc in party_class_schedule(user=organizer, details=details, recurrence=recurrence):
        ctx.count("upcoming Party classes", True)


def seed(ctx: DemoContext) -> None:
    orgs = {
        o.name: o
        for o in PartyOrganization.objects.filter(
            name__in=[*BRANCHES, "中共淮河路街道工作委员会", "二七丝路网红大厦党委"]
        )
    }
    if len(orgs) < len(BRANCHES) + 2:
        return  # the foundation seeder has not run
    organizer = User.objects.get(email="organizer@example.com")
    park_organizer = User.objects.filter(email="park.organizer@example.com").first() or organizer
    now = timezone.now()
    today = timezone.localdate()
    year, quarter = current_quarter(today)
    q_start, _q_end = quarter_bounds(year, quarter)

    # --- A year of past classes and meetings -------------------------------------------------------
    for bi, name in enumerate(BRANCHES):
        branch = orgs[name]
        members = list(PartyMember.objects.filter(branch=branch).order_by("pk"))
        by = park_organizer if name == "中国鞋都电商创业园党支部" else organizer
        for month_first in _months_back(today, 13):
            ym = f"{month_first.year}年{month_first.month}月"
            # A themed Party day every month, on a weekday around the 20th, afternoon.
            day = _at(month_first.replace(day=18 + bi % 5), 15)
            topic = THEMED_DAY_TOPICS[(month_first.month + bi) % len(THEMED_DAY_TOPICS)]
            if day + timedelta(hours=2) < now:
                _past_class(ctx, branch, members, CK.THEMED_DAY, f"{ym}主题党日：{topic}", day, 90, by)
            # 三会一课: a general meeting in the first month of each quarter, a Party class in the second.
            if month_first.month % 3 == 1:
                meeting = _at(month_first.replace(day=8 + bi % 3), 19, 30)
                if meeting + timedelta(hours=2) < now:
                    _past_class(
                        ctx, branch, members, CK.GENERAL_MEETING, f"{ym}支部党员大会", meeting, 60, by
                    )
        # A Party class (党课) every quarter: the 三会一课 rule the records check.
        for y, q in _quarters_back(year, quarter, 5):
            if (y, q) == (year, quarter) and name == BEHIND:
                continue  # the branch that is behind this quarter
            lecture = _lecture_time(y, q, bi, now)
            if lecture is None or lecture < now - timedelta(days=400):
                continue
            local = timezone.localtime(lecture)
            topic = LECTURE_TOPICS[(q + bi) % len(LECTURE_TOPICS)]
            title = f"{local.year}年{local.month}月党课：{topic}"
            _past_class(ctx, branch, members, CK.PARTY_LECTURE, title, lecture, 90, by)

    # --- Recurring classes ahead -------------------------------------------------------------------
    gwc, tower = orgs["中共淮河路街道工作委员会"], orgs["二七丝路网红大厦党委"]
    expert = Expert.objects.filter(name="韩静怡").first()
    position = Venue.objects.filter(name="二七丝路网红大厦楼宇党建阵地").first()
    next_wednesday = today + timedelta(days=(2 - today.weekday()) % 7 or 7)
    start = _at(next_wednesday, 19, 30)
    _upcoming_series(
        ctx,
        organizer,
        ClassDetails(
            title="理论学习云课堂",
            class_kind=CK.STUDY,
            host_organization=gwc,
            starts_at=start,
            ends_at=start + timedelta(minutes=90),
            audience_orgs=[gwc],
            lecturer_expert=expert,
            description="每周三晚，街道党工委联合郑州大学开展的线上理论学习。",
        ),
        Recurrence(frequency="weekly", until=next_wednesday + timedelta(weeks=7)),
    )
    day = today + timedelta(days=3)
    start = _at(day, 15)
    _upcoming_series(
        ctx,
        organizer,
        ClassDetails(
            title="红色直播党课：跟党一起创业",
            class_kind=CK.PARTY_LECTURE,
            host_organization=tower,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            audience_orgs=[tower],
            venue=position,
            use_signin_code=True,
            description="在楼宇党建阵地线下集中，同时线上直播。",
        ),
        None,
    )
    first_of_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    start = _at(first_of_next.replace(day=15), 15)
    park = orgs["中国鞋都电商创业园党支部"]
    _upcoming_series(
        ctx,
        park_organizer,
        ClassDetails(
            title="“党建+直播”主题党日",
            class_kind=CK.THEMED_DAY,
            host_organization=park,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            audience_orgs=[park],
            description="园区党支部组织直播团队、商铺党员交流直播带货经验。",
        ),
        Recurrence(frequency="monthly", until=first_of_next + timedelta(days=150)),
    )
