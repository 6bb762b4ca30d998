"""The sales room's pages (issue 17): the counting redirect of product links."""

from decimal import Decimal

from livestreams.models import LiveSession, Product
from tests import factories as f

S = LiveSession.Status
SHOP = "https://haohuo.jinritemai.com/views/product/item2?id=1"


def setup(w):
    world = w.world
    public = f.SalesSessionFactory(enterprise=world.enterprise_a, session__status=S.LIVE)
    draft = f.SalesSessionFactory(
        enterprise=world.enterprise_a,
        session__status=S.DRAFT,
        session__visibility=LiveSession.Visibility.AUDIENCE,
    )
    w.g17_public_product = Product.objects.create(
        sales_session=public, name="郑州烩面礼盒", price=Decimal("59.90"), link=SHOP
    )
    w.g17_unlinked_product = Product.objects.create(
        sales_session=public, name="新郑红枣", price=Decimal("29.90")
    )
    w.g17_draft_product = Product.objects.create(
        sales_session=draft, name="新品礼盒", price=Decimal("99.00"), link=SHOP
    )


def pages(w):
    # Anyone may follow the link of a product of a public session: counted, then off to the shop.
    yield f"/sales/products/{w.g17_public_product.pk}/go/", {}, 302
    # No link stored: nothing to follow.
    yield f"/sales/products/{w.g17_unlinked_product.pk}/go/", {}
    # A draft awaiting approval: only its managers (the enterprise's merchant, staff) see it.
    yield f"/sales/products/{w.g17_draft_product.pk}/go/", {"merchant": 302, "staff": 302}
    yield "/sales/products/999999/go/", {}
