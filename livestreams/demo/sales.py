"""Demo data of livestream sales: studios, the 新品首发周 campaign with the district leaders' promotional
session, a year of sales sessions with results (sales up at least 30% since March, as in the article,
佳润天成's 6-hour session among them), and a few upcoming sessions in every approval state.

Natural keys: studios by (building, name), the campaign by (region, name), sessions by (enterprise, start)
or (enterprise, title). A second run creates nothing.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from hub.demo import DemoContext
from hub.models import User
from livestreams.models import (
    Campaign,
    LiveSession,
    Product,
    PromotionSession,
    SalesResult,
    SalesSession,
    Studio,
    StudioBooking,
)
from livestreams.selectors.studios import booking_conflicts
from partyorgs.models import Building, Enterprise, PartyOrganization

S = LiveSession.Status
P = SalesSession.Platform
A = SalesSession.Approval
CAMPAIGN = "二七丝路网红大厦新品首发周"

TOWER_STUDIOS = [
    # name, capacity, opens, closes, changeover, equipment
    ("一号直播间", 8, time(8), time(23), 30, "4K 摄像机、环形补光灯、声卡、绿幕、提词器"),
    ("二号直播间", 4, time(9), time(22), 20, "高清摄像头、补光灯、声卡"),
    ("白鲸·孵化器共享直播间", 3, time(9), time(21), 15, "手机直播支架、补光灯，适合创客团队"),
]
PARK_STUDIOS = [
    ("鞋都直播基地A厅", 10, time(8), time(23, 30), 30, "多机位、LED 大屏、鞋品展示墙、专业灯光"),
    ("鞋都直播基地B厅", 6, time(8), time(23), 30, "双机位、展示台、补光灯"),
]

# Shops with a year of sessions: (enterprise, short name, studio or "", base GMV per session, products).
TOWER_SHOPS = [
    (
        "郑州丝路优选电子商务有限公司",
        "丝路优选",
        "一号直播间",
        42000,
        [("郑州烩面礼盒", "59.90"), ("新郑红枣", "29.90")],
    ),
    (
        "河南网红星选文化传媒有限公司",
        "网红星选",
        "二号直播间",
        36000,
        [("河南老字号糕点", "39.90"), ("黄河鲤鱼预制菜", "88.00")],
    ),
    ("郑州豫味鲜直播电商有限公司", "豫味鲜", "", 18000, [("信阳毛尖", "128.00"), ("怀山药", "45.00")]),
]
PARK_SHOPS = [
    (
        "晋江市佳润天成电子商务有限公司",
        "佳润天成",
        "鞋都直播基地A厅",
        56000,
        [("缓震跑鞋", "259.00"), ("休闲板鞋", "169.00")],
    ),
    (
        "晋江市陈埭鞋业优品电子商务有限公司",
        "陈埭鞋业优品",
        "鞋都直播基地B厅",
        24000,
        [("儿童运动鞋", "129.00"), ("老爹鞋", "199.00")],
    ),
    ("晋江市鞋都星播电子商务有限公司", "鞋都星播", "", 15000, [("帆布鞋", "79.00")]),
]
PLATFORMS = [P.DOUYIN, P.KUAISHOU, P.TAOBAO, P.CHANNELS, P.JD, P.HUB]
DAYS = [4, 12, 20]  # session days in a month, at 19:00–21:00


def _month_add(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)), timezone.get_current_timezone())


def _wobble(*parts) -> Decimal:
    """A deterministic factor between 0.95 and 1.05, so that the months do not look machine-made."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return Decimal(95 + digest[0] % 11) / 100


def month_factor(month: date, march: date) -> Decimal:
    """Sales of a month relative to March: flat before, well over 30% up from April on (even when the
    wobble is against it), still growing."""
    after = (month.year - march.year) * 12 + month.month - march.month
    if after <= 0:
        return Decimal("1.00")
    return Decimal("1.45") + Decimal("0.04") * (after - 1)


def last_march(today: date) -> date:
    """The most recent March before this month (this month's own figures are still coming in)."""
    year = today.year if today.month > 3 else today.year - 1
    return date(year, 3, 1)


def _studio(ctx, building, name, capacity, opens, closes, gap, equipment) -> Studio:
    studio, created = Studio.objects.get_or_create(
        building=building,
        name=name,
        defaults={
            "capacity": capacity,
            "opens_at": opens,
            "closes_at": closes,
            "changeover_minutes": gap,
            "equipment": equipment,
        },
    )
    ctx.count("studios", created)
    return studio


def _sales_session(
    ctx,
    *,
    enterprise,
    title,
    starts_at,
    ends_at,
    platform,
    status,
    approval,
    studio=None,
    host_names="主播",
    campaign=None,
    reviewer=None,
    creator=None,
    products=(),
    reject_reason="",
):
    """One sales session, looked up by (enterprise, start) first."""
    existing = SalesSession.objects.filter(enterprise=enterprise, session__starts_at=starts_at).first()
    if existing:
        return existing, False
    approved = approval == A.APPROVED
    session = LiveSession.objects.create(
        kind=LiveSession.Kind.SALES,
        title=title,
        host_enterprise=enterprise,
        region_id=enterprise.region_id,
        starts_at=starts_at,
        ends_at=ends_at,
        status=status,
        visibility=LiveSession.Visibility.PUBLIC if approved else LiveSession.Visibility.AUDIENCE,
        playback=LiveSession.Playback.HUB if platform == P.HUB else LiveSession.Playback.EXTERNAL,
        went_live_at=starts_at if status == S.ENDED else None,
        ended_at=ends_at if status == S.ENDED else None,
        created_by=creator,
    )
    if creator is not None:
        session.hosts.add(creator)
    ss = SalesSession.objects.create(
        session=session,
        enterprise=enterprise,
        building=studio.building if studio else enterprise.building,
        platform=platform,
        host_names=host_names,
        campaign=campaign,
        approval=approval,
        reviewed_by=reviewer if approval != A.PENDING else None,
        reviewed_at=starts_at - timedelta(days=2) if approval != A.PENDING else None,
        reject_reason=reject_reason,
    )
    for name, price in products:
        Product.objects.create(sales_session=ss, name=name, price=Decimal(price))
    # A session added on a later run may meet an upcoming one seeded earlier in the same studio; it then
    # streams from the merchant's own place rather than break the no-double-booking rule.
    blocked_until = ends_at + timedelta(minutes=studio.changeover_minutes) if studio else None
    if (
        studio is not None
        and approval != A.REJECTED
        and not booking_conflicts(studio_id=studio.pk, starts_at=starts_at, blocked_until=blocked_until)
    ):
        StudioBooking.objects.create(
            studio=studio,
            session=session,
            enterprise=enterprise,
            starts_at=starts_at,
            ends_at=ends_at,
            blocked_until=blocked_until,
            state=StudioBooking.State.CONFIRMED if approved else StudioBooking.State.HELD,
            hold_expires_at=None
            if approved
            else min(timezone.now() + timedelta(hours=48), starts_at - timedelta(hours=2)),
            created_by=creator,
        )
    ctx.count("sales sessions", True)
    return ss, True


def _result(ss, gmv: Decimal, *, reporter, platform, flag=False):
    avg_price = Decimal("68")
    peak = int(gmv / 140)
    measured = None
    if platform == P.HUB:
        # The hub's room measured the peak; the merchant reports about the same (or, once, far more).
        measured = int(peak * Decimal("0.95"))
        LiveSession.objects.filter(pk=ss.pk).update(peak_viewers=measured)
        if flag:
            peak = measured * 4
    SalesResult.objects.create(
        sales_session=ss,
        gmv=gmv,
        orders=int(gmv / avg_price),
        peak_viewers=peak,
        viewers=peak * 18,
        new_followers=peak // 3,
        measured_peak_viewers=measured,
        flagged=flag,
        flag_reason=f"reported peak {peak} vs measured {measured}" if flag else "",
        reported_by=reporter,
    )


def _seed_year_of_results(
    ctx: DemoContext, *, studios: dict, creators: dict, tower_reviewer: User, park_reviewer: User
) -> None:
    """From the same month a year ago to this one: every shop's sessions that have ended, with results."""
    now = timezone.now()
    today = timezone.localdate()
    march = last_march(today)
    first_month = _month_add(today.replace(day=1), -12)
    for shops, reviewer in ((TOWER_SHOPS, tower_reviewer), (PARK_SHOPS, park_reviewer)):
        for shop_index, (name, short, studio_name, base, products) in enumerate(shops):
            enterprise = Enterprise.objects.get(name=name)
            studio = studios.get(studio_name)
            creator = creators.get(name)
            for m in range(13):
                month = _month_add(first_month, m)
                factor = month_factor(month, march)
                for i, day in enumerate(DAYS):
                    start = _at(month.replace(day=day), 19)
                    end = start + timedelta(hours=2)
                    if end > now:
                        continue
                    platform = PLATFORMS[(m + i + shop_index) % len(PLATFORMS)]
                    ss, created = _sales_session(
                        ctx,
                        enterprise=enterprise,
                        title=f"{short}{month.month}月直播带货专场（{i + 1}）",
                        starts_at=start,
                        ends_at=end,
                        platform=platform,
                        status=S.ENDED,
                        approval=A.APPROVED,
                        studio=studio,
                        reviewer=reviewer,
                        creator=creator,
                        products=products,
                    )
                    if created:
                        gmv = (Decimal(base) * factor * _wobble(name, month, i)).quantize(
                            Decimal("0.01"), rounding=ROUND_HALF_UP
                        )
                        flag = name == "郑州丝路优选电子商务有限公司" and m == 10 and platform == P.HUB
                        _result(ss, gmv, reporter=creator, platform=platform, flag=flag)


def seed(ctx: DemoContext) -> None:
    tower = Building.objects.get(name="二七丝路网红大厦")
    park = Building.objects.get(name="中国鞋都电商创业园")
    studios = {}
    for building, specs in ((tower, TOWER_STUDIOS), (park, PARK_STUDIOS)):
        for spec in specs:
            studios[spec[0]] = _studio(ctx, building, *spec)

    organizer = User.objects.get(email="organizer@example.com")
    park_organizer = User.objects.get(email="park.organizer@example.com")
    merchant = User.objects.get(email="merchant@example.com")
    jiarun_user = User.objects.get(email="jiarun@example.com")
    official = User.objects.get(email="official@example.com")
    creators = {
        "郑州丝路优选电子商务有限公司": merchant,
        "晋江市佳润天成电子商务有限公司": jiarun_user,
    }

    # --- A year of sessions with results ------------------------------------------------------------
    today = timezone.localdate()
    _seed_year_of_results(
        ctx, studios=studios, creators=creators, tower_reviewer=organizer, park_reviewer=park_organizer
    )

    # --- 佳润天成's 6-hour session (the article), last month ----------------------------------------
    jiarun = Enterprise.objects.get(name="晋江市佳润天成电子商务有限公司")
    last_month = _month_add(today.replace(day=1), -1)
    six_start = _at(last_month.replace(day=18), 14)
    ss, created = _sales_session(
        ctx,
        enterprise=jiarun,
        title="佳润天成6小时直播带货专场",
        starts_at=six_start,
        ends_at=six_start + timedelta(hours=6),
        platform=P.DOUYIN,
        status=S.ENDED,
        approval=A.APPROVED,
        studio=studios["鞋都直播基地A厅"],
        host_names="谢兴宗、店铺主播",
        reviewer=park_organizer,
        creator=jiarun_user,
        products=[("缓震跑鞋", "259.00"), ("休闲板鞋", "169.00"), ("儿童运动鞋", "129.00")],
    )
    if created:
        _result(ss, Decimal("386500.00"), reporter=jiarun_user, platform=P.DOUYIN)

    # --- The 新品首发周 campaign and the district leaders' promotional session ---------------------------
    monday = today + timedelta(days=7 - today.weekday())
    campaign, created = Campaign.objects.get_or_create(
        region_id=tower.region_id,
        name=CAMPAIGN,
        defaults={
            "building": tower,
            "starts_on": monday,
            "ends_on": monday + timedelta(days=6),
            "description": "二七丝路网红大厦新品首发周：楼宇商家集中首发新品，区领导走进直播间推介本地美食与风光。",
            "created_by": organizer,
        },
    )
    ctx.count("campaigns", created)
    committee = PartyOrganization.objects.get(name="中共淮河路街道工作委员会")
    if not PromotionSession.objects.filter(campaign=campaign).exists():
        start = _at(campaign.starts_on, 19, 30)
        session = LiveSession.objects.create(
            kind=LiveSession.Kind.PROMOTION,
            title="区长带您品二七：新品首发周美食与风光推介",
            description="二七区区长、副区长走进直播间，推介本地美食和风光。",
            host_organization=committee,
            region_id=committee.region_id,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            status=S.SCHEDULED,
            visibility=LiveSession.Visibility.PUBLIC,
            playback=LiveSession.Playback.HUB,
            created_by=organizer,
        )
        session.hosts.add(official, organizer)
        PromotionSession.objects.create(
            session=session, campaign=campaign, host_names="二七区区长、副区长", platform=P.HUB
        )
        ctx.count("promotional sessions", True)

    # --- Upcoming sessions in every state --------------------------------------------------------------
    silk = Enterprise.objects.get(name="郑州丝路优选电子商务有限公司")
    xingxuan = Enterprise.objects.get(name="河南网红星选文化传媒有限公司")
    upcoming = [
        # enterprise, title, start, studio, approval, campaign, reason
        (
            silk,
            "丝路优选·新品首发周专场",
            _at(campaign.starts_on + timedelta(days=1), 19),
            "一号直播间",
            A.APPROVED,
            campaign,
            "",
        ),
        (
            xingxuan,
            "星选好物·新品首发周夜场",
            _at(campaign.starts_on + timedelta(days=2), 20),
            "二号直播间",
            A.APPROVED,
            campaign,
            "",
        ),
        (
            silk,
            "丝路优选冬季家乡好物专场",
            _at(today + timedelta(days=4), 15),
            "一号直播间",
            A.PENDING,
            None,
            "",
        ),
        (
            xingxuan,
            "星选年货节预热直播",
            _at(today + timedelta(days=5), 10),
            "二号直播间",
            A.REJECTED,
            None,
            "与楼宇消防演练时间冲突，请改期后重新登记。",
        ),
        (
            jiarun,
            "佳润天成冬季新款首发",
            _at(today + timedelta(days=3), 14),
            "鞋都直播基地A厅",
            A.APPROVED,
            None,
            "",
        ),
    ]
    for enterprise, title, start, studio_name, approval, in_campaign, reason in upcoming:
        if SalesSession.objects.filter(enterprise=enterprise, session__title=title).exists():
            continue
        _sales_session(
            ctx,
            enterprise=enterprise,
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            platform=P.HUB if approval == A.APPROVED else P.DOUYIN,
            status=S.SCHEDULED if approval == A.APPROVED else S.DRAFT,
            approval=approval,
            studio=studios[studio_name],
            campaign=in_campaign,
            reviewer=park_organizer if enterprise == jiarun else organizer,
            creator=creators.get(enterprise.name),
            products=[("新品礼盒", "99.00")],
            reject_reason=reason,
        )
