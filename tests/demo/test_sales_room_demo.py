"""seed_demo's sales-room part: the upcoming sessions' products with shop links, one pinned, and a session
on Bilibili whose room embeds the platform's player."""

import pytest

from livestreams.demo.sales_room import BILIBILI_TITLE
from livestreams.models import SalesSession
from livestreams.selectors.sales_room import room_products
from livestreams.watch import watch_target
from tests.support import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_demo")]


def test_the_demo_rooms_show_cards_with_shop_links_and_a_pinned_product():
    ss = SalesSession.objects.get(session__title="丝路优选·新品首发周专场")
    products = room_products(session=ss.session)
    assert [c["name"] for c in products.cards] == ["新品礼盒", "郑州烩面礼盒", "新郑红枣"]
    assert all(c["go"] for c in products.cards)
    assert products.pinned_card()["name"] == "郑州烩面礼盒"
    page = client_for(None).get(f"/live/{ss.session.pk}/").content.decode()
    assert "郑州烩面礼盒" in page and "讲解中" in page


def test_the_demo_has_a_bilibili_session_with_an_embedded_player():
    ss = SalesSession.objects.get(session__title=BILIBILI_TITLE)
    target = watch_target(ss.platform, ss.session.external_url)
    assert target is not None and target.embed_url.startswith("https://www.bilibili.com/blackboard/live/")
    page = client_for(None).get(f"/live/{ss.session.pk}/").content.decode()
    assert 'id="platform-frame"' in page and "帆布鞋" in page
