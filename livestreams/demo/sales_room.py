"""Demo data of the sales room (issue 17): the upcoming sessions' products with their shop links, one of them
pinned (讲解中), and a session on Bilibili whose room embeds the platform's player.

Natural keys: products by (session, name), the Bilibili session by (enterprise, title). A second run creates
nothing and changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from hub.demo import DemoContext
from hub.models import User
from livestreams.demo.sales import _at, _sales_session
from livestreams.models import LiveSession, Product, SalesSession
from partyorgs.models import Enterprise

P = SalesSession.Platform

# (enterprise, session title) → products (name, price, shop link); the first one is pinned in the room.
ROOM_PRODUCTS = {
    ("郑州丝路优选电子商务有限公司", "丝路优选·新品首发周专场"): [
        ("郑州烩面礼盒", "59.90", "https://item.taobao.com/item.htm?id=702211358801"),
        ("新郑红枣", "29.90", "https://item.taobao.com/item.htm?id=702211358802"),
        ("新品礼盒", "99.00", "https://item.taobao.com/item.htm?id=702211358803"),
    ],
    ("河南网红星选文化传媒有限公司", "星选好物·新品首发周夜场"): [
        ("河南老字号糕点", "39.90", "https://item.jd.com/100071512301.html"),
        ("黄河鲤鱼预制菜", "88.00", "https://item.jd.com/100071512302.html"),
        ("新品礼盒", "99.00", "https://item.jd.com/100071512303.html"),
    ],
    ("晋江市佳润天成电子商务有限公司", "佳润天成冬季新款首发"): [
        ("缓震跑鞋", "259.00", "https://haohuo.jinritemai.com/views/product/item2?id=3617724512801"),
        ("休闲板鞋", "169.00", "https://haohuo.jinritemai.com/views/product/item2?id=3617724512802"),
        ("儿童运动鞋", "129.00", "https://haohuo.jinritemai.com/views/product/item2?id=3617724512803"),
        ("新品礼盒", "99.00", "https://haohuo.jinritemai.com/views/product/item2?id=3617724512804"),
    ],
}
BILIBILI_ENTERPRISE = "晋江市鞋都星播电子商务有限公司"
BILIBILI_TITLE = "鞋都星播·B站直播专场"
BILIBILI_ROOM = "https://live.bilibili.com/21452505"
BILIBILI_PRODUCTS = [
    ("帆布鞋", "79.00", "https://mall.bilibili.com/detail.html?itemsId=10217001"),
    ("老爹鞋", "199.00", "https://mall.bilibili.com/detail.html?itemsId=10217002"),
]


def _products(ctx: DemoContext, ss: SalesSession, products: list[tuple[str, str, str]]) -> None:
    for name, price, link in products:
        product = Product.objects.filter(sales_session=ss, name=name).first()
        if product is None:
            Product.objects.create(sales_session=ss, name=name, price=Decimal(price), link=link)
            ctx.count("room products", True)
        elif not product.link:
            Product.objects.filter(pk=product.pk).update(link=link)
    if ss.pinned_product_id is None:
        first = Product.objects.filter(sales_session=ss, name=products[0][0]).first()
        SalesSession.objects.filter(pk=ss.pk).update(pinned_product=first, pinned_at=timezone.now())


def _bilibili_session(ctx: DemoContext) -> SalesSession | None:
    enterprise = Enterprise.objects.filter(name=BILIBILI_ENTERPRISE).first()
    if enterprise is None:
        return None
    existing = SalesSession.objects.filter(enterprise=enterprise, session__title=BILIBILI_TITLE).first()
    if existing:
        return existing
    start = _at(timezone.localdate() + timedelta(days=2), 20)
    ss, _created = _sales_session(
        ctx,
        enterprise=enterprise,
        title=BILIBILI_TITLE,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        platform=P.BILIBILI,
        status=LiveSession.Status.SCHEDULED,
        approval=SalesSession.Approval.APPROVED,
        host_names="鞋都星播主播",
        reviewer=User.objects.filter(email="park.organizer@example.com").first(),
    )
    LiveSession.objects.filter(pk=ss.pk).update(external_url=BILIBILI_ROOM)
    return ss


def seed(ctx: DemoContext) -> None:
    for (enterprise, title), products in ROOM_PRODUCTS.items():
        ss = SalesSession.objects.filter(enterprise__name=enterprise, session__title=title).first()
        if ss is not None:
            _products(ctx, ss, products)
    bilibili = _bilibili_session(ctx)
    if bilibili is not None:
        _products(ctx, bilibili, BILIBILI_PRODUCTS)
