"""Demo meeting records (三会一课台账): minutes for the demo branches' livestreamed meetings, an offline 支委会
every month with its attendance, the 90-second 党小组会 nobody attended (listed, not counted), the subdistrict's
validity rules and each branch's annual plan.

Natural keys: a record by its session, or by (organization, kind, start) for offline ones; a plan by
(organization, year, kind); a rule by its region. A second run creates nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from hub.demo import DemoContext
from livestreams.models import (
    LiveSession,
    MeetingAttendee,
    MeetingPlan,
    MeetingRecord,
    MeetingRule,
    PartyClass,
    SessionAudience,
)
from livestreams.models.meetings import RECORD_KINDS
from livestreams.selectors.classes import current_quarter
from livestreams.selectors.meetings import PLAN_NORMS
from partyorgs.models import PartyMember, PartyOrganization, Region

from .classes import BRANCHES

CK = PartyClass.ClassKind
S = LiveSession.Status
# Invented secretaries and committee members who chair and record (the article's people are not demo users).
SECRETARIES = ["王建华", "刘晓红", "张志强", "陈丽娟", "林国栋", "黄美玲"]
RECORDERS = ["李明", "赵颖", "孙磊", "周静", "吴涛", "郑洁"]
# The branch whose themed Party day last month has no minutes yet, and the one with the empty 党小组会.
NO_MINUTES = "淮河路街道机关党支部"
EMPTY_GROUP = "网红大厦非公企业联合党支部"
MINUTES = {
    CK.GENERAL_MEETING: "一、支部书记通报上季度支部工作和党员发展情况。\n二、学习上级党组织文件精神。\n"
    "三、党员逐一发言，结合岗位谈学习体会。\n四、讨论通过本季度支部工作安排。",
    CK.PARTY_LECTURE: "一、讲课人围绕专题讲授党课。\n二、党员结合直播电商工作交流学习体会。\n"
    "三、支部书记作总结，要求党员在新品首发周中发挥先锋模范作用。",
    CK.THEMED_DAY: "一、重温入党誓词。\n二、开展“党建+发展+学习”主题活动。\n三、党员志愿服务进社区。",
    CK.COMMITTEE_MEETING: "一、研究本月支部工作计划。\n二、讨论入党积极分子培养情况。\n三、安排主题党日活动。",
    CK.GROUP_MEETING: "一、党小组成员学习讨论。\n二、交流思想和工作情况。",
}
RESOLUTIONS = {
    CK.GENERAL_MEETING: "通过本季度支部工作安排。",
    CK.COMMITTEE_MEETING: "同意按计划开展本月主题党日活动。",
}


def _place(session: LiveSession) -> str:
    pc = session.party_class
    return pc.venue.name if pc.venue else "线上（红色直播）"


def _minutes_for_classes(ctx: DemoContext, branches: dict[str, PartyOrganization]) -> None:
    cutoff = timezone.now() - timedelta(days=45)
    sessions = (
        LiveSession.objects.filter(
            kind=LiveSession.Kind.PARTY_CLASS,
            status=S.ENDED,
            host_organization__in=branches.values(),
            party_class__class_kind__in=RECORD_KINDS,
            meeting_record__isnull=True,
        )
        .select_related("party_class", "party_class__venue", "host_organization")
        .order_by("starts_at")
    )
    for s in sessions:
        branch = s.host_organization
        assert branch is not None
        bi = BRANCHES.index(branch.name)
        kind = s.party_class.class_kind
        # The 90-second meeting and one recent themed Party day stay without minutes: the ledger says why.
        skip = (kind == CK.GROUP_MEETING and branch.name == EMPTY_GROUP) or (
            kind == CK.THEMED_DAY and branch.name == NO_MINUTES and s.starts_at > cutoff
        )
        MeetingRecord.objects.create(
            organization=branch,
            region=branch.region,
            session=s,
            kind=kind,
            topic=s.title,
            starts_at=s.went_live_at or s.starts_at,
            ends_at=s.ended_at or s.ends_at,
            place=_place(s),
            host_name=SECRETARIES[bi],
            recorder_name=RECORDERS[bi],
            minutes="" if skip else MINUTES[kind],
            resolutions="" if skip else RESOLUTIONS.get(kind, ""),
            minutes_written_at=None if skip else (s.ended_at or s.ends_at) + timedelta(days=1),
        )
        ctx.count("meeting records", True)


def _offline_committee_meetings(
    ctx: DemoContext, branches: dict[str, PartyOrganization], today: date
) -> None:
    """A 支委会 in the branch's Party-mass room on the 5th of every month of this year, with its committee
    (the branch's first members) listed: present, one excused in some months."""
    tz = timezone.get_default_timezone()
    for bi, name in enumerate(BRANCHES):
        branch = branches[name]
        committee = list(PartyMember.objects.filter(branch=branch).order_by("pk")[:5])
        if not committee:
            continue
        for month in range(1, today.month + 1):
            day = date(today.year, month, 5)
            start = datetime.combine(day, time(18, 30), tzinfo=tz)
            if start + timedelta(hours=2) > timezone.now():
                continue
            record, created = MeetingRecord.objects.get_or_create(
                organization=branch,
                kind=CK.COMMITTEE_MEETING,
                starts_at=start,
                session=None,
                defaults={
                    "region": branch.region,
                    "ends_at": start + timedelta(minutes=75),
                    "topic": f"{month}月支委会：研究本月支部工作",
                    "place": "二七丝路网红大厦党群活动室" if bi < 4 else f"{name}党员活动室",
                    "host_name": SECRETARIES[bi],
                    "recorder_name": RECORDERS[bi],
                    "minutes": MINUTES[CK.COMMITTEE_MEETING],
                    "resolutions": RESOLUTIONS[CK.COMMITTEE_MEETING],
                    "minutes_written_at": start + timedelta(days=1),
                },
            )
            ctx.count("offline meeting records", created)
            if not created:
                continue
            rows = []
            for i, m in enumerate(committee):
                excused = i == len(committee) - 1 and month % 3 == 0
                rows.append(
                    MeetingAttendee(
                        record=record,
                        member=m,
                        state=MeetingAttendee.State.EXCUSED if excused else MeetingAttendee.State.ATTENDED,
                        reason="外出参加直播电商培训" if excused else "",
                    )
                )
            MeetingAttendee.objects.bulk_create(rows)


def _empty_group_meeting(ctx: DemoContext, branch: PartyOrganization) -> None:
    """The reported case: a 党小组会 that was live for 90 seconds and nobody attended. It is listed, and does
    not count: too short, nobody attended, no minutes."""
    year, quarter = current_quarter()
    now = timezone.now()
    first = date(year, 3 * (quarter - 1) + 1, 1)
    start = datetime.combine(
        max(first + timedelta(days=1), timezone.localdate() - timedelta(days=3)), time(12, 0)
    )
    start = timezone.make_aware(start)
    if start > now - timedelta(hours=1):
        return
    session, created = LiveSession.objects.get_or_create(
        kind=LiveSession.Kind.PARTY_CLASS,
        host_organization=branch,
        title="党小组会：学习交流",
        starts_at=start,
        defaults={
            "region": branch.region,
            "ends_at": start + timedelta(hours=1),
            "status": S.ENDED,
            "went_live_at": start,
            "ended_at": start + timedelta(seconds=90),
        },
    )
    ctx.count("past Party classes", created)
    if created:
        SessionAudience.objects.create(session=session, organization=branch, include_subtree=True)
        PartyClass.objects.create(session=session, class_kind=CK.GROUP_MEETING, attendance_computed_at=now)


def _plans_and_rules(ctx: DemoContext, branches: dict[str, PartyOrganization], year: int) -> None:
    for name in BRANCHES:
        branch = branches[name]
        for kind, quarters in PLAN_NORMS.items():
            q = list(quarters)
            if kind == CK.GROUP_MEETING and name == "中国鞋都电商创业园党支部":
                q = [2, 2, 2, 2]  # a small branch: two group meetings a quarter
            _plan, created = MeetingPlan.objects.get_or_create(
                organization=branch,
                year=year,
                kind=kind,
                defaults=dict(zip(["q1", "q2", "q3", "q4"], q, strict=True)),
            )
            ctx.count("meeting plans", created)
    region = Region.objects.filter(name="淮河路街道").first()
    if region is not None:
        _rule, created = MeetingRule.objects.get_or_create(
            region=region,
            defaults={"min_minutes": 30, "min_attendance_percent": 50, "minutes_required": True},
        )
        ctx.count("meeting validity rules", created)


def seed(ctx: DemoContext) -> None:
    branches = {o.name: o for o in PartyOrganization.objects.filter(name__in=BRANCHES)}
    if len(branches) < len(BRANCHES):
        return  # the foundation seeder has not run
    today = timezone.localdate()
    _empty_group_meeting(ctx, branches[EMPTY_GROUP])
    _minutes_for_classes(ctx, branches)
    _offline_committee_meetings(ctx, branches, today)
    _plans_and_rules(ctx, branches, today.year)
