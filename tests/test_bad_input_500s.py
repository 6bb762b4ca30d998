"""Issue 11, item 16: inputs that answered 500. Extreme dates on every dashboard entry point (page, JSON,
export, wall screen and the live-now socket) and a `next` that is not a page of the hub."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.http import QueryDict
from django.test import Client

from config.asgi import application
from hub.dashboards.consumers import dashboard_filter_for
from livestreams.models import SalesSession

pytest_plugins = ["tests.sales_fixtures"]

EXTREMES = [
    {"date_to": "0001-01-01"},
    {"date_from": "0001-01-01"},
    {"date_to": "9999-12-31"},
    {"date_from": "9999-12-31"},
    {"date_from": "0001-01-01", "date_to": "9999-12-31"},
    {"date_from": "2024-06-30", "date_to": "2024-01-01"},
    {"date_to": "2000-01-01"},
    {"date_to": "10000-01-01"},
    {"date_from": "0000-01-01"},
    {"date_to": "2024-02-30"},
]
PATHS = [
    "/dashboard/",
    "/dashboard/screen/",
    "/dashboard/data/kpis.json",
    "/dashboard/data/live-now.json",
    "/dashboard/export.xlsx",
    "/dashboard/export/kpis.xlsx",
]


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("params", EXTREMES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
def test_it_answers_extreme_dates_with_a_message_never_a_500(official, params):
    client = client_for(official)
    for path in PATHS:
        response = client.get(path, params)
        if params == {"date_to": "2000-01-01"}:
            # The default start (eleven months earlier) is before 2000: clamped, so a valid period.
            assert response.status_code == 200, path
            continue
        assert response.status_code == 400, (path, response.status_code)
        if path.endswith(".json"):
            assert response.json()["errors"]
        else:
            assert 'role="alert"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("params", EXTREMES[:6])
def test_the_live_now_socket_refuses_extreme_dates_as_bad_filters(official, params):
    assert dashboard_filter_for(official, _query(params)) is None


def _query(params):
    q = QueryDict(mutable=True)
    q.update({"dashboard": "1", **params})
    return q


@pytest.mark.django_db(transaction=True)
def test_the_live_now_socket_closes_cleanly_on_an_extreme_date(official):
    client = Client()
    client.force_login(official)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    headers = [
        (b"origin", b"http://testserver"),
        (b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode()),
    ]

    async def scenario():
        comm = WebsocketCommunicator(
            application, "/ws/live-now/?dashboard=1&date_to=0001-01-01", headers=headers
        )
        connected, code = await comm.connect()
        assert (connected, code) == (False, 4403)

    async_to_sync(scenario)()


NEXTS = [
    "inbox",
    "sales:inbox",
    "//evil.example.com/",
    "/\\evil.example.com",
    "https://evil.example.com/sales/",
    "javascript:alert(1)",
    "/no/such/page/",
    "/sales/\r\nSet-Cookie: x=1",
    "\x00",
    "." * 3000,
]


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["approve", "reject"])
@pytest.mark.parametrize("target", NEXTS)
def test_approve_and_reject_ignore_a_next_that_is_not_a_page_of_the_hub(organizer, pending, action, target):
    ss = pending
    response = client_for(organizer).post(f"/sales/{ss.pk}/{action}/", {"next": target, "reason": "时间冲突"})
    assert response.status_code == 302
    assert response["Location"] == "/sales/inbox/"
    ss.refresh_from_db()
    assert ss.approval == (
        SalesSession.Approval.APPROVED if action == "approve" else SalesSession.Approval.REJECTED
    )


@pytest.mark.django_db
def test_a_next_that_is_a_page_of_the_hub_is_followed(organizer, pending):
    ss = pending
    response = client_for(organizer).post(f"/sales/{ss.pk}/approve/", {"next": f"/sales/{ss.pk}/?tab=1"})
    assert response["Location"] == f"/sales/{ss.pk}/?tab=1"
