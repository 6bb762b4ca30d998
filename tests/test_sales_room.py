"""The sales room (issue 17): products as cards in the room, the pinned product, counted product links, the
platform's player; services, selectors and pages (the socket, the click burst and the browser have files of
their own)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from livestreams.models import LiveSession, Product, SalesSession
from livestreams.selectors.sales import product_clicks, session_clicks
from livestreams.selectors.sales_room import room_products
from livestreams.services.room import RoomError
from livestreams.services.sales_room import product_pin, product_unpin
from livestreams.watch import embed_url, platform_url_error, platform_url_ok, watch_target
from tests import factories as f
from tests.support import client_for

pytestmark = pytest.mark.django_db

SHOP = "https://haohuo.jinritemai.com/views/product/item2?id=3581"


@pytest.fixture
def sales(world):
    ss = f.SalesSessionFactory(
        enterprise=world.enterprise_a,
        session__status=LiveSession.Status.LIVE,
        session__external_url="https://live.douyin.com/7788",
    )
    return ss


@pytest.fixture
def products(sales):
    return [
        Product.objects.create(sales_session=sales, name="郑州烩面礼盒", price=Decimal("59.90"), link=SHOP),
        Product.objects.create(sales_session=sales, name="新郑红枣", price=Decimal("29.90"), link=""),
    ]


@pytest.fixture
def other_products(world):
    other = f.SalesSessionFactory(enterprise=world.enterprise_b, session__status=LiveSession.Status.LIVE)
    return [Product.objects.create(sales_session=other, name="缓震跑鞋", price=Decimal("259.00"), link=SHOP)]


# --- Pinning ---------------------------------------------------------------------------------------


def test_it_lets_the_merchant_pin_and_unpin_a_product_of_the_session(sales, products, merchant):
    product_pin(session=sales.session, product_id=products[1].pk, user=merchant)
    sales.refresh_from_db()
    assert sales.pinned_product == products[1] and sales.pinned_at is not None
    assert room_products(session=sales.session).pinned_card()["name"] == "新郑红枣"

    product_pin(session=sales.session, product_id=products[0].pk, user=merchant)
    sales.refresh_from_db()
    assert sales.pinned_product == products[0]

    assert product_unpin(session=sales.session, user=merchant) is True
    assert product_unpin(session=sales.session, user=merchant) is False
    sales.refresh_from_db()
    assert sales.pinned_product is None and sales.pinned_at is None


def test_it_lets_a_host_account_pin_too(sales, products):
    host = f.UserFactory()
    sales.session.hosts.add(host)
    product_pin(session=sales.session, product_id=products[0].pk, user=host)
    sales.refresh_from_db()
    assert sales.pinned_product == products[0]


def test_it_refuses_a_product_of_another_session(sales, products, other_products, merchant):
    with pytest.raises(RoomError) as refused:
        product_pin(session=sales.session, product_id=other_products[0].pk, user=merchant)
    assert refused.value.code == "not_found"
    with pytest.raises(RoomError) as missing:
        product_pin(session=sales.session, product_id=999999, user=merchant)
    assert missing.value.code == "not_found"
    sales.refresh_from_db()
    assert sales.pinned_product is None


@pytest.mark.parametrize("persona", ["member", "outsider", "official"])
def test_it_refuses_pinning_to_viewers(request, sales, products, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(RoomError) as refused:
        product_pin(session=sales.session, product_id=products[0].pk, user=user)
    assert refused.value.code == "forbidden"
    with pytest.raises(RoomError):
        product_unpin(session=sales.session, user=user)
    sales.refresh_from_db()
    assert sales.pinned_product is None


@pytest.mark.parametrize("status", [LiveSession.Status.ENDED, LiveSession.Status.CANCELLED])
def test_nothing_is_pinned_once_the_session_is_over(sales, products, merchant, status):
    LiveSession.objects.filter(pk=sales.pk).update(status=status)
    with pytest.raises(RoomError) as refused:
        product_pin(session=sales.session, product_id=products[0].pk, user=merchant)
    assert refused.value.code == "closed"
    sales.refresh_from_db()
    assert sales.pinned_product is None


def test_a_party_class_has_no_products_to_pin(world, organizer):
    session = f.LiveSessionFactory(host_organization=world.root_a, status=LiveSession.Status.LIVE)
    assert room_products(session=session) is None
    with pytest.raises(RoomError) as refused:
        product_unpin(session=session, user=organizer)
    assert refused.value.code == "invalid"


def test_the_cards_link_to_the_counting_redirect_never_to_the_shop(sales, products):
    cards = room_products(session=sales.session).cards
    assert cards[0] == {
        "id": products[0].pk,
        "name": "郑州烩面礼盒",
        "price": "59.90",
        "image": None,
        "go": f"/sales/products/{products[0].pk}/go/",
    }
    assert cards[1]["go"] is None  # no shop link: nothing to click


# --- Clicks ---------------------------------------------------------------------------------------------


def test_a_click_counts_and_leads_to_the_products_own_link_for_an_anonymous_viewer(sales, products):
    response = client_for(None).get(f"/sales/products/{products[0].pk}/go/?next=https://evil.example/")
    assert response.status_code == 302
    assert response["Location"] == SHOP
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    client_for(None).get(f"/sales/products/{products[0].pk}/go/")
    assert product_clicks(sales) == {products[0].pk: 2, products[1].pk: 0}
    assert session_clicks(sales.session) == 2


def test_the_redirect_refuses_anything_but_a_products_link(sales, products, world):
    anonymous = client_for(None)
    assert anonymous.get(f"/sales/products/{products[1].pk}/go/").status_code == 404  # no link stored
    assert anonymous.get("/sales/products/999999/go/").status_code == 404
    assert anonymous.post(f"/sales/products/{products[0].pk}/go/").status_code == 405
    # A product of a session the viewer may not see (a draft awaiting approval) is as if it did not exist.
    draft = f.SalesSessionFactory(enterprise=world.enterprise_b, session__status=LiveSession.Status.DRAFT)
    hidden = Product.objects.create(sales_session=draft, name="老爹鞋", price=Decimal("199.00"), link=SHOP)
    assert anonymous.get(f"/sales/products/{hidden.pk}/go/").status_code == 404
    assert Product.objects.get(pk=hidden.pk).clicks == 0
    assert Product.objects.get(pk=products[1].pk).clicks == 0


def test_the_merchant_sees_the_clicks_on_the_session_page(sales, products, merchant, member):
    Product.objects.filter(pk=products[0].pk).update(clicks=41)
    page = client_for(merchant).get(f"/sales/{sales.pk}/").content.decode()
    assert f'data-product-clicks="{products[0].pk}">41<' in page
    assert "data-clicks-total>41<" in page


# --- The room page -----------------------------------------------------------------------------------


def test_the_room_shows_the_cards_and_the_pinned_product_to_an_anonymous_viewer(
    sales, products, merchant, django_assert_max_num_queries
):
    product_pin(session=sales.session, product_id=products[0].pk, user=merchant)
    with django_assert_max_num_queries(12):
        page = client_for(None).get(f"/live/{sales.session.pk}/").content.decode()
    assert 'id="product-list"' in page and "新郑红枣" in page and "¥29.90" in page
    pinned = page.split('id="pinned-card"')[1].split("</ul>")[0]
    assert "郑州烩面礼盒" in pinned and "新郑红枣" not in pinned
    assert f'href="/sales/products/{products[0].pk}/go/"' in page
    assert SHOP not in page
    assert "js/room-products.js" in page
    assert "product-pin" not in page  # no pin buttons for viewers
    # Douyin has no embeddable player: a clear link out, no frame.
    assert "在抖音观看" in page and 'href="https://live.douyin.com/7788"' in page
    assert "<iframe" not in page


def test_the_host_gets_pin_buttons(sales, products, merchant):
    page = client_for(merchant).get(f"/live/{sales.session.pk}/").content.decode()
    assert page.count('class="button secondary product-pin"') == 2
    assert 'id="product-unpin"' in page


def test_a_bilibili_session_plays_in_an_embedded_player(world):
    ss = f.SalesSessionFactory(
        enterprise=world.enterprise_a,
        platform=SalesSession.Platform.BILIBILI,
        session__status=LiveSession.Status.LIVE,
        session__external_url="https://live.bilibili.com/21452505",
    )
    page = client_for(None).get(f"/live/{ss.session.pk}/").content.decode()
    assert (
        'src="https://www.bilibili.com/blackboard/live/live-activity-player.html?cid=21452505&amp;quality=0"'
        in page
    )
    assert "在哔哩哔哩观看" in page


def test_a_url_off_the_platforms_hosts_is_neither_framed_nor_linked(world):
    ss = f.SalesSessionFactory(
        enterprise=world.enterprise_a,
        platform=SalesSession.Platform.BILIBILI,
        session__status=LiveSession.Status.LIVE,
        session__external_url="https://evil.example/live.bilibili.com/1",
    )
    page = client_for(None).get(f"/live/{ss.session.pk}/").content.decode()
    assert "evil.example" not in page and "<iframe" not in page


# --- Platform addresses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "url", "ok"),
    [
        ("douyin", "https://live.douyin.com/123456", True),
        ("douyin", "https://v.douyin.com/iRNBho5m/", True),
        ("douyin", "http://live.douyin.com/123456", False),  # https only
        ("douyin", "https://live.douyin.com.evil.example/1", False),
        ("douyin", "https://evildouyin.com/1", False),
        ("douyin", "https://user@live.douyin.com/1", False),
        ("douyin", "https://live.douyin.com:8443/1", False),
        ("douyin", "https://live.kuaishou.com/u/demo", False),  # another platform's host
        ("kuaishou", "https://live.kuaishou.com/u/demo", True),
        ("taobao", "https://tbzb.taobao.com/live?liveId=1", True),
        ("channels", "https://channels.weixin.qq.com/live/1", True),
        ("channels", "https://mp.weixin.qq.com/s/1", False),
        ("jd", "https://lives.jd.com/#/1", True),
        ("bilibili", "https://live.bilibili.com/21452505", True),
        ("hub", "https://live.douyin.com/1", False),
        ("douyin", "javascript:alert(1)", False),
        ("douyin", "https://[::1/", False),
    ],
)
def test_it_accepts_only_the_platforms_own_https_hosts(platform, url, ok):
    assert platform_url_ok(platform, url) is ok


def test_only_bilibili_rooms_and_videos_embed():
    assert embed_url("bilibili", "https://live.bilibili.com/h5/21452505") == (
        "https://www.bilibili.com/blackboard/live/live-activity-player.html?cid=21452505&quality=0"
    )
    assert embed_url("bilibili", "https://www.bilibili.com/video/BV1t44y127ad/") == (
        "https://player.bilibili.com/player.html?bvid=BV1t44y127ad&autoplay=0"
    )
    assert embed_url("bilibili", "https://live.bilibili.com/21452505?x=<script>") is not None
    assert embed_url("bilibili", "https://live.bilibili.com/abc") is None
    assert embed_url("bilibili", "https://space.bilibili.com/1") is None
    assert embed_url("douyin", "https://live.douyin.com/123456") is None
    target = watch_target("kuaishou", "https://live.kuaishou.com/u/demo")
    assert target.embed_url is None and target.link_url == "https://live.kuaishou.com/u/demo"
    assert watch_target("hub", "") is None


def test_the_registration_form_refuses_a_link_off_the_platform(world, merchant):
    from tests.test_sales_registration import form_data

    response = client_for(merchant).post(
        "/sales/new/", form_data(world, platform="douyin", external_url="https://evil.example/live")
    )
    assert response.status_code == 200
    assert "douyin.com" in response.content.decode()
    assert not SalesSession.objects.filter(session__title="丝路优选冬季新品首发").exists()
    assert platform_url_error("douyin", "https://evil.example/live")
    assert platform_url_error("hub", "") is None


def test_the_model_field_keeps_prices_valid(sales):
    with pytest.raises(ValidationError):
        Product(sales_session=sales, name="x", price=Decimal("-1")).full_clean()
