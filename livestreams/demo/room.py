"""Live-room demo data: a Party class that is live whenever the demo starts, upcoming and past sessions of
every kind, past comments and presence records, and the sensitive-word list.

Sessions are found by title first, so a second run creates nothing; the live class only has its times moved
so that it is live again now.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from hub.demo import DemoContext
from hub.models import User
from livestreams.models import (
    BannedWord,
    Comment,
    LiveSession,
    PartyClass,
    PresenceInterval,
    SalesSession,
    SessionAudience,
)
from partyorgs.models import Enterprise, PartyOrganization

K = LiveSession.Kind
S = LiveSession.Status

LIVE_CLASS = "红色直播党课：跟党一起创业——白鲸·孵化器里的初心故事"

BANNED_WORDS = [
    ("赌博", BannedWord.Action.BLOCK),
    ("代开发票", BannedWord.Action.BLOCK),
    ("刷单", BannedWord.Action.BLOCK),
    ("加微信", BannedWord.Action.MASK),
    ("傻瓜", BannedWord.Action.MASK),
    ("笨蛋", BannedWord.Action.MASK),
]

CLASS_COMMENTS = [
    "老师讲得真好，深受启发！",
    "跟党一起创业，我们孵化器的口号说到心坎里了",
    "键对键也能过好组织生活，点赞！",
    "请问课件会发到支部群里吗？",
    "白鲸·孵化器打卡",
    "学习了，回去就和团队分享",
    "三会一课不掉线",
    "网红大厦党委的同志们好！",
    "党建+发展+学习，这个主题好",
    "在直播间上党课很方便",
    "我们鞋都电商园也在看",
    "感谢主讲老师",
]
SALES_COMMENTS = [
    "这款胡辣汤调料怎么卖？",
    "主播讲得清楚，已下单",
    "能发晋江吗",
    "二七的老字号支持一下",
    "还有优惠券吗",
    "包装很精美",
    "下次什么时候再播？",
    "家里老人很喜欢",
]


def _member_users() -> list[User]:
    return list(
        User.objects.filter(email__regex=r"^member\d*@example\.com$", party_member__isnull=False).order_by(
            "email"
        )
    )


def _session(ctx: DemoContext, title: str, **fields) -> tuple[LiveSession, bool]:
    session = LiveSession.objects.filter(title=title).first()
    if session is not None:
        return session, False
    session = LiveSession(title=title, **fields)
    session.full_clean()
    session.save()
    ctx.count("live sessions", True)
    return session, True


def _audience(session: LiveSession, *orgs: PartyOrganization) -> None:
    for org in orgs:
        SessionAudience.objects.get_or_create(
            session=session, organization=org, defaults={"include_subtree": True}
        )


def _comments(
    ctx, session: LiveSession, texts: list[str], people: list[User], start, step: timedelta
) -> None:
    if Comment.objects.filter(session=session).exists() or not people:
        return
    Comment.objects.bulk_create(
        [
            Comment(session=session, author=people[i % len(people)], text=text, created_at=start + step * i)
            for i, text in enumerate(texts)
        ]
    )
    ctx.created["comments"] += len(texts)


def _presence(ctx, session: LiveSession, people: list[User]) -> None:
    if PresenceInterval.objects.filter(session=session).exists() or not people:
        return
    rows = []
    length = session.ends_at - session.starts_at
    for i, user in enumerate(people):
        joined = session.starts_at + timedelta(minutes=(i * 3) % 12)
        # Most stay to the end; some leave early, one drops out and comes back.
        left = session.ends_at - timedelta(minutes=(i * 7) % 40) if i % 4 else session.ends_at
        if i % 5 == 1:
            rows.append(
                PresenceInterval(session=session, user=user, joined_at=joined, left_at=joined + length / 4)
            )
            joined = joined + length / 4 + timedelta(minutes=3)
        rows.append(PresenceInterval(session=session, user=user, joined_at=joined, left_at=max(left, joined)))
    PresenceInterval.objects.bulk_create(rows)
    ctx.created["presence records"] += len(rows)
    if not session.peak_viewers:
        LiveSession.objects.filter(pk=session.pk).update(peak_viewers=len(people))


def seed(ctx: DemoContext) -> None:
    for word, action in BANNED_WORDS:
        _, created = BannedWord.objects.get_or_create(word=word, defaults={"action": action})
        ctx.count("sensitive words", created)

    orgs = PartyOrganization.objects
    gwc = orgs.get(name="中共淮河路街道工作委员会")
    tower = orgs.get(name="二七丝路网红大厦党委")
    incubator_branch = orgs.get(name="白鲸·孵化器联合党支部")
    park_branch = orgs.get(name="中国鞋都电商创业园党支部")
    silk = Enterprise.objects.get(name="郑州丝路优选电子商务有限公司")
    organizer = User.objects.get(email="organizer@example.com")
    merchant = User.objects.get(email="merchant@example.com")
    members = _member_users()
    tower_members = [u for u in members if u.party_member.branch.path.startswith(tower.path)]
    # Local (Asia/Shanghai) time: the hours below are the hours people see.
    now = timezone.localtime()
    region = gwc.region

    # --- The class that is live whenever the demo starts ------------------------------------------
    live, _ = _session(
        ctx,
        LIVE_CLASS,
        kind=K.PARTY_CLASS,
        description="主讲：白鲸·孵化器联合党支部。围绕“党建+发展+学习”，讲述创客团队跟党一起创业的故事。",
        host_organization=tower,
        region=region,
        starts_at=now - timedelta(minutes=20),
        ends_at=now + timedelta(hours=2),
        status=S.LIVE,
        went_live_at=now - timedelta(minutes=20),
        slow_mode_seconds=5,
        created_by=organizer,
    )
    if live.status != S.LIVE or live.ends_at < now + timedelta(minutes=30):
        LiveSession.objects.filter(pk=live.pk).update(
            status=S.LIVE,
            starts_at=now - timedelta(minutes=20),
            ends_at=now + timedelta(hours=2),
            went_live_at=now - timedelta(minutes=20),
            ended_at=None,
        )
        live.refresh_from_db()
    live.hosts.add(organizer)
    _audience(live, incubator_branch, tower)
    PartyClass.objects.get_or_create(
        session=live, defaults={"class_kind": PartyClass.ClassKind.PARTY_LECTURE}
    )
    _comments(
        ctx,
        live,
        CLASS_COMMENTS[:6],
        tower_members,
        live.starts_at + timedelta(minutes=1),
        timedelta(minutes=3),
    )

    # --- Upcoming ---------------------------------------------------------------------------------
    upcoming = [
        (
            "主题党日：党建+发展+学习——走进中国鞋都电商创业园",
            dict(kind=K.PARTY_CLASS, host_organization=gwc, days=3, audience=[gwc, park_branch]),
            PartyClass.ClassKind.THEMED_DAY,
        ),
        (
            "支部党员大会：第三季度党课",
            dict(kind=K.PARTY_CLASS, host_organization=incubator_branch, days=6, audience=[incubator_branch]),
            PartyClass.ClassKind.GENERAL_MEETING,
        ),
    ]
    for title, spec, class_kind in upcoming:
        start = (now + timedelta(days=spec["days"])).replace(hour=19, minute=30, second=0, microsecond=0)
        session, _ = _session(
            ctx,
            title,
            kind=spec["kind"],
            host_organization=spec["host_organization"],
            region=spec["host_organization"].region,
            starts_at=start,
            ends_at=start + timedelta(hours=1, minutes=30),
            status=S.SCHEDULED,
            created_by=organizer,
        )
        _audience(session, *spec["audience"])
        PartyClass.objects.get_or_create(session=session, defaults={"class_kind": class_kind})
    start = (now + timedelta(days=1)).replace(hour=20, minute=0, second=0, microsecond=0)
    sale, _ = _session(
        ctx,
        "丝路优选·二七老字号好物专场",
        kind=K.SALES,
        host_enterprise=silk,
        region=silk.region,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        status=S.SCHEDULED,
        visibility=LiveSession.Visibility.PUBLIC,
        playback=LiveSession.Playback.EXTERNAL,
        external_url="https://live.douyin.com/",
        created_by=merchant,
    )
    # Scheduled and public, so already approved by the building's organizer (a pending session stays a
    # draft the public cannot see; see livestreams/demo/sales.py for the one awaiting review).
    SalesSession.objects.get_or_create(
        session=sale,
        defaults={
            "enterprise": silk,
            "building": silk.building,
            "platform": SalesSession.Platform.DOUYIN,
            "host_names": "李明轩",
            "approval": SalesSession.Approval.APPROVED,
            "reviewed_by": organizer,
            "reviewed_at": now - timedelta(days=1),
        },
    )
    start = (now + timedelta(days=4)).replace(hour=10, minute=0, second=0, microsecond=0)
    _session(
        ctx,
        "新品首发周：副区长带你逛二七丝路网红大厦",
        kind=K.PROMOTION,
        host_organization=gwc,
        region=region,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        status=S.SCHEDULED,
        visibility=LiveSession.Visibility.PUBLIC,
        created_by=organizer,
    )

    # --- Past, with comments and presence -----------------------------------------------------------
    start = (now - timedelta(days=7)).replace(hour=19, minute=30, second=0, microsecond=0)
    past_class, _ = _session(
        ctx,
        "红色直播党课：从“面对面”到“键对键”",
        kind=K.PARTY_CLASS,
        host_organization=tower,
        region=region,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        status=S.ENDED,
        went_live_at=start,
        ended_at=start + timedelta(hours=1),
        created_by=organizer,
    )
    _audience(past_class, tower)
    PartyClass.objects.get_or_create(
        session=past_class, defaults={"class_kind": PartyClass.ClassKind.PARTY_LECTURE}
    )
    _comments(
        ctx, past_class, CLASS_COMMENTS, tower_members, start + timedelta(minutes=2), timedelta(minutes=4)
    )
    _presence(ctx, past_class, tower_members)

    start = (now - timedelta(days=3)).replace(hour=20, minute=0, second=0, microsecond=0)
    past_sale, _ = _session(
        ctx,
        "丝路优选·河南好物直播带货",
        kind=K.SALES,
        host_enterprise=silk,
        region=silk.region,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        status=S.ENDED,
        went_live_at=start,
        ended_at=start + timedelta(hours=3),
        visibility=LiveSession.Visibility.PUBLIC,
        created_by=merchant,
    )
    SalesSession.objects.get_or_create(
        session=past_sale,
        defaults={
            "enterprise": silk,
            "building": silk.building,
            "platform": SalesSession.Platform.HUB,
            "host_names": "李明轩",
            "approval": SalesSession.Approval.APPROVED,
            "reviewed_by": organizer,
            "reviewed_at": start - timedelta(days=2),
        },
    )
    _comments(ctx, past_sale, SALES_COMMENTS, members, start + timedelta(minutes=5), timedelta(minutes=9))
    _presence(ctx, past_sale, members[:20])

    start = (now - timedelta(days=10)).replace(hour=10, minute=0, second=0, microsecond=0)
    past_promo, _ = _session(
        ctx,
        "区长直播推介：二七美食美景",
        kind=K.PROMOTION,
        host_organization=gwc,
        region=region,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        status=S.ENDED,
        went_live_at=start,
        ended_at=start + timedelta(hours=1),
        visibility=LiveSession.Visibility.PUBLIC,
        created_by=organizer,
    )
    _comments(
        ctx, past_promo, SALES_COMMENTS[:5], members, start + timedelta(minutes=3), timedelta(minutes=8)
    )
    _presence(ctx, past_promo, members[:12])
