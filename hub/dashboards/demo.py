"""Demo history for the dashboards: the last twelve months of Party classes, sales sessions and the district
head's promotion, all ended, with attendance, presence and reported results, so that the demo official's
dashboard has trends to show. Upcoming sessions are the classes and sales areas' demo data.

Facts from the article: sales in the 中国鞋都电商创业园 rose at least 30% since March (here: month by month),
佳润天成 ran a six-hour session, the district head livestreamed local food during the 新品首发周.
Every row is looked up by its natural key (host and start) first, so a second run creates nothing.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from hub.demo import DemoContext
from livestreams.models import (
    Attendance,
    Campaign,
    LiveSession,
    PartyClass,
    PresenceInterval,
    SalesResult,
    SalesSession,
)
from partyorgs.models import Enterprise, PartyMember, PartyOrganization, Region

from .filters import add_months, quarter_start
from .services import dashboards_invalidate

S, K = LiveSession.Status, LiveSession.Kind
PLATFORMS = ["douyin", "kuaishou", "taobao", "channels", "jd", "hub"]
# Branches and the topic of their monthly Party class; the office branch skips this quarter, so the
# dashboard has a branch to point at.
CLASSES = {
    "白鲸·孵化器联合党支部": "跟党一起创业：新经济组织党建",
    "网红大厦非公企业联合党支部": "直播电商中的党员先锋作用",
    "淮河路街道机关党支部": "学习党的创新理论",
    "淮河路社区第一党支部": "社区治理与为民服务",
    "中国鞋都电商创业园党支部": "党建引领电商创业园发展",
}
SKIPS_THIS_QUARTER = "淮河路街道机关党支部"


def _at(day, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _ended_session(
    ctx: DemoContext, *, title: str, starts: datetime, hours: float, **fields
) -> LiveSession | None:
    """An ended session, or the one found by its host and start; None when it would not have ended yet."""
    ends = starts + timedelta(hours=hours)
    if ends > timezone.now() - timedelta(hours=1):
        return None
    host = {k: fields[k] for k in ("host_organization", "host_enterprise") if k in fields}
    session, created = LiveSession.objects.get_or_create(
        starts_at=starts,
        **host,
        defaults={
            "title": title,
            "ends_at": ends,
            "status": S.ENDED,
            "went_live_at": starts,
            "ended_at": ends,
            **fields,
        },
    )
    ctx.count("ended demo sessions", created)
    return session if created else None


def _weight(*parts) -> int:
    """A stable pseudo-random number from the parts: the demo is the same on every machine."""
    return sum((i + 1) * ord(c) for i, c in enumerate("".join(map(str, parts)))) % 100


def seed(ctx: DemoContext) -> None:
    huaihe = Region.objects.filter(name="淮河路街道").first()
    if huaihe is None:
        return  # the foundation's demo data is not there
    today = timezone.localdate()
    months = [add_months(today, -i) for i in range(11, -1, -1)]
    this_quarter = quarter_start(today)

    # --- Party classes, monthly, with attendance and presence ----------------------------------------
    for name, topic in CLASSES.items():
        branch = PartyOrganization.objects.filter(name=name).first()
        if branch is None:
            continue
        members = list(PartyMember.objects.filter(branch=branch).select_related("user"))
        for month in months:
            if name == SKIPS_THIS_QUARTER and month >= this_quarter:
                continue
            day = month.replace(day=min(28, 8 + len(name) % 10))
            session = _ended_session(
                ctx,
                title=f"{month.month}月党课：{topic}",
                starts=_at(day, 19, 30),
                hours=1.5,
                kind=K.PARTY_CLASS,
                host_organization=branch,
                region=branch.region,
            )
            if session is None:
                continue
            PartyClass.objects.create(session=session, class_kind=PartyClass.ClassKind.PARTY_LECTURE)
            for m in members:
                w = _weight(session.title, m.user.email)
                attended, excused = w < 82, 82 <= w < 90
                Attendance.objects.create(
                    session=session,
                    member=m,
                    attended=attended,
                    excused=excused,
                    seconds_watched=int(session.duration.total_seconds() * (0.9 if attended else 0.2)),
                )
                if attended or not excused:
                    PresenceInterval.objects.create(
                        session=session,
                        user=m.user,
                        joined_at=session.starts_at + timedelta(minutes=w % 10),
                        left_at=session.ends_at - timedelta(minutes=(w // 10) if attended else 60),
                    )
            session.peak_viewers = sum(1 for m in members if _weight(session.title, m.user.email) < 82)
            session.save(update_fields=["peak_viewers"])

    # --- Sales sessions of the building's and the park's merchants, growing month by month -----------
    # Six merchants of the livestream building (二七区) and four shops of the shoe park (晋江市).
    sellers = Enterprise.objects.filter(industry__in=["livestream", "cross_border", "food", "footwear"])
    merchants = [
        *sellers.filter(region=huaihe).order_by("credit_code")[:6],
        *sellers.filter(region__name="陈埭镇").order_by("credit_code")[:4],
    ]
    for i, ent in enumerate(merchants):
        for n, month in enumerate(months):
            platform = PLATFORMS[(i + n) % len(PLATFORMS)]
            jiarun = ent.name.startswith("晋江市佳润天成")
            starts = _at(month.replace(day=min(28, 3 + 2 * i)), 19 if not jiarun else 13)
            session = _ended_session(
                ctx,
                title=f"{ent.name[:12]}·{month.month}月直播带货",
                starts=starts,
                hours=6 if jiarun else 3,
                kind=K.SALES,
                host_enterprise=ent,
                region=ent.region,
                visibility=LiveSession.Visibility.PUBLIC,
                playback=LiveSession.Playback.HUB if platform == "hub" else LiveSession.Playback.EXTERNAL,
                peak_viewers=0,
            )
            if session is None:
                continue
            sales = SalesSession.objects.create(
                session=session, enterprise=ent, platform=platform, approval=SalesSession.Approval.APPROVED
            )
            # Sales up month after month (the park's shops: at least 30% since March).
            base = Decimal(18000 + 2500 * i) * (Decimal("1.12") ** n)
            SalesResult.objects.create(
                sales_session=sales,
                gmv=base.quantize(Decimal("0.01")),
                orders=int(base / 65),
                peak_viewers=300 + 40 * i + 60 * n,
                viewers=4000 + 500 * i + 900 * n,
                new_followers=120 + 15 * n,
            )

    # --- The district head's promotion during the launch week ----------------------------------------
    head_org = PartyOrganization.objects.filter(name="中共淮河路街道工作委员会").first()
    launch = add_months(today, -2).replace(day=18)
    if head_org is not None:
        campaign, created = Campaign.objects.get_or_create(
            name="二七丝路网红大厦新品首发周",
            defaults={"region": huaihe, "starts_on": launch, "ends_on": launch + timedelta(days=6)},
        )
        ctx.count("campaigns", created)
        promotion = _ended_session(
            ctx,
            title="区长带你逛二七：老字号美食直播",
            starts=_at(campaign.starts_on, 15),
            hours=2,
            kind=K.PROMOTION,
            host_organization=head_org,
            region=huaihe,
            visibility=LiveSession.Visibility.PUBLIC,
            peak_viewers=2380,
        )
        if promotion is not None:
            for m in PartyMember.objects.filter(branch__region=huaihe).select_related("user"):
                PresenceInterval.objects.create(
                    session=promotion, user=m.user, joined_at=promotion.starts_at, left_at=promotion.ends_at
                )
    dashboards_invalidate()
