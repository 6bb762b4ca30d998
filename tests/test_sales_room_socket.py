"""The sales room on the room socket: the products snapshot, the host's product_pin / product_unpin and the
product_pinned event; malformed and refused variants of those messages against a real daphne."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from livestreams.models import LiveSession, Product, SalesSession
from livestreams.services.sales_room import product_pin
from tests import factories as f
from tests.room_helpers import Reader, clean_room_redis, run, session_cookie, socket
from tests.test_socket_frames import events, open_socket, replies

pytestmark = [pytest.mark.realtime, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _clean_redis():
    clean_room_redis()


@pytest.fixture
def sales(world):
    return f.SalesSessionFactory(enterprise=world.enterprise_a, session__status=LiveSession.Status.LIVE)


@pytest.fixture
def products(sales):
    return [
        Product.objects.create(
            sales_session=sales, name="郑州烩面礼盒", price=Decimal("59.90"), link="https://shop.example/1"
        ),
        Product.objects.create(sales_session=sales, name="新郑红枣", price=Decimal("29.90")),
    ]


def path(ss) -> str:
    return f"/ws/live/{ss.session.pk}/"


def test_a_host_pins_and_an_anonymous_viewer_sees_the_card_change_live(sales, products, merchant):
    cookie = session_cookie(merchant)

    async def scenario():
        viewer = Reader(socket(path(sales)))
        host = Reader(socket(path(sales), cookie=cookie))
        await viewer.joined()
        snapshot = await viewer.of_type("products")
        await host.joined()
        await host.send({"type": "product_pin", "id": products[1].pk, "nonce": "n1"})
        ack = await host.until(lambda e: e["type"] == "ack" and e.get("nonce") == "n1")
        pinned = await viewer.of_type("product_pinned")
        await host.send({"type": "product_pin", "id": products[0].pk})
        repinned = await viewer.of_type("product_pinned")
        await host.send({"type": "product_unpin", "nonce": "n2"})
        unpinned = await viewer.of_type("product_pinned")
        await host.send({"type": "product_unpin", "nonce": "n3"})
        again = await host.until(lambda e: e["type"] == "ack" and e.get("nonce") == "n3")
        await viewer.close()
        await host.close()
        return snapshot, ack, pinned, repinned, unpinned, again

    snapshot, ack, pinned, repinned, unpinned, again = run(scenario)
    assert snapshot["pinned"] is None
    assert [c["name"] for c in snapshot["products"]] == ["郑州烩面礼盒", "新郑红枣"]
    assert snapshot["products"][0]["go"] == f"/sales/products/{products[0].pk}/go/"
    assert ack["id"] == products[1].pk
    assert pinned["product"]["id"] == products[1].pk and pinned["product"]["price"] == "29.90"
    assert repinned["product"]["name"] == "郑州烩面礼盒"
    assert unpinned == {"type": "product_pinned", "product": None}
    assert again["changed"] is False
    assert SalesSession.objects.get(pk=sales.pk).pinned_product is None


def test_a_new_viewer_gets_the_pinned_product_in_the_snapshot(sales, products, merchant, member):
    product_pin(session=sales.session, product_id=products[0].pk, user=merchant)
    cookie = session_cookie(member)

    async def scenario():
        r = Reader(socket(path(sales), cookie=cookie))
        await r.joined()
        snapshot = await r.of_type("products")
        await r.close()
        return snapshot

    assert run(scenario)["pinned"] == products[0].pk


def test_a_party_class_room_has_no_products_snapshot(world, member):
    session = f.LiveSessionFactory(
        host_organization=world.root_a, status=LiveSession.Status.LIVE, audience_orgs=[world.branch_a]
    )
    cookie = session_cookie(member)

    async def scenario():
        r = Reader(socket(f"/ws/live/{session.pk}/", cookie=cookie))
        await r.joined()
        rest = await r.drain(0.5)
        await r.close()
        return rest

    assert [e for e in run(scenario) if e["type"] == "products"] == []


# (frame, the error code it must get) for the host; the viewers' refusals follow.
def bad_host_frames(products, other) -> list[tuple[str, str]]:
    return [
        ('{"type":"product_pin"}', "invalid"),
        ('{"type":"product_pin","id":"1"}', "invalid"),
        ('{"type":"product_pin","id":1.5}', "invalid"),
        ('{"type":"product_pin","id":true}', "invalid"),
        ('{"type":"product_pin","id":null}', "invalid"),
        ('{"type":"product_pin","id":[1]}', "invalid"),
        ('{"type":"product_pin","id":{"id":1}}', "invalid"),
        ('{"type":"product_pin","id":-1}', "not_found"),
        ('{"type":"product_pin","id":9007199254740991}', "not_found"),
        (json.dumps({"type": "product_pin", "id": other.pk}), "not_found"),  # another session's product
        ('{"type":"product_pin","id":99999999999999999999}', "bad_json"),
        ('{"type":"product_pin","id":1e400}', "bad_json"),
        ('{"type":"product_pinned","product":null}', "unknown_type"),  # a server event, not a client one
        ('{"type":"products"}', "unknown_type"),
    ]


@pytest.fixture
def other_product(world):
    other = f.SalesSessionFactory(enterprise=world.enterprise_b, session__status=LiveSession.Status.LIVE)
    return Product.objects.create(sales_session=other, name="缓震跑鞋", price=Decimal("259.00"))


def _send_all(server, sock_path, user, frames):
    with open_socket(server, sock_path, user) as ws:
        events(ws)  # the greeting
        for frame, _code in frames:
            ws.send(frame)
        ws.send(json.dumps({"type": "ping"}))
        return replies(ws, len(frames) + 1)


def test_the_host_gets_clear_errors_for_bad_pins_and_the_socket_stays_up(
    hub_server, sales, products, other_product, merchant
):
    frames = bad_host_frames(products, other_product)
    got = _send_all(hub_server, path(sales), merchant, frames)
    assert [e.get("code") for e in got[:-1]] == [code for _frame, code in frames]
    assert all(e["message"] for e in got[:-1])
    assert got[-1] == {"type": "pong"}
    assert SalesSession.objects.get(pk=sales.pk).pinned_product is None
    assert "Traceback" not in hub_server.log.read_text()


@pytest.mark.parametrize("persona", ["anonymous", "member"])
def test_a_viewer_trying_to_pin_is_refused_and_stays_connected(request, hub_server, sales, products, persona):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    frames = [
        (json.dumps({"type": "product_pin", "id": products[0].pk}), "forbidden"),
        ('{"type":"product_pin","id":"x"}', "forbidden"),
        ('{"type":"product_unpin"}', "forbidden"),
    ]
    got = _send_all(hub_server, path(sales), user, frames)
    assert [e.get("code") for e in got[:-1]] == ["forbidden", "forbidden", "forbidden"]
    assert got[-1] == {"type": "pong"}
    assert SalesSession.objects.get(pk=sales.pk).pinned_product is None


def test_pinning_in_a_party_class_room_is_refused(hub_server, world, organizer):
    session = f.LiveSessionFactory(host_organization=world.root_a, status=LiveSession.Status.LIVE)
    frames = [('{"type":"product_pin","id":1}', "invalid"), ('{"type":"product_unpin"}', "invalid")]
    got = _send_all(hub_server, f"/ws/live/{session.pk}/", organizer, frames)
    assert [e.get("code") for e in got] == ["invalid", "invalid", None]
