"""Product link clicks under a storm, against a real daphne: every click of a burst is counted exactly once,
and each one leads to the product's own stored link."""

from __future__ import annotations

import http.client
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from livestreams.models import LiveSession, Product
from livestreams.selectors.sales import product_clicks
from tests import factories as f

pytestmark = [pytest.mark.realtime, pytest.mark.django_db(transaction=True)]

SHOP = "https://detail.tmall.com/item.htm?id=6658"
BURST = 60


def get(server, path: str) -> tuple[int, str | None]:
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location")
    finally:
        conn.close()


def test_a_burst_of_concurrent_clicks_is_counted_exactly(hub_server, world):
    ss = f.SalesSessionFactory(enterprise=world.enterprise_a, session__status=LiveSession.Status.LIVE)
    hot = Product.objects.create(sales_session=ss, name="郑州烩面礼盒", price=Decimal("59.90"), link=SHOP)
    cold = Product.objects.create(
        sales_session=ss, name="新郑红枣", price=Decimal("29.90"), link="https://item.jd.com/100.html"
    )
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda _i: get(hub_server, f"/sales/products/{hot.pk}/go/"), range(BURST)))
    assert answers == [(302, SHOP)] * BURST
    assert get(hub_server, f"/sales/products/{cold.pk}/go/") == (302, "https://item.jd.com/100.html")
    assert product_clicks(ss) == {hot.pk: BURST, cold.pk: 1}


def test_the_redirect_goes_nowhere_but_the_products_link(hub_server, world):
    ss = f.SalesSessionFactory(enterprise=world.enterprise_a, session__status=LiveSession.Status.LIVE)
    product = Product.objects.create(sales_session=ss, name="怀山药", price=Decimal("45.00"), link=SHOP)
    for path in (
        f"/sales/products/{product.pk}/go/?next=https://evil.example/",
        f"/sales/products/{product.pk}/go/?url=//evil.example",
    ):
        assert get(hub_server, path) == (302, SHOP)
    for path in (
        "/sales/products/0/go/",
        "/sales/products/abc/go/",
        f"/sales/products/{product.pk}/go/https://evil.example/",
    ):
        status, location = get(hub_server, path)
        assert status == 404 and location is None
    assert Product.objects.get(pk=product.pk).clicks == 2
