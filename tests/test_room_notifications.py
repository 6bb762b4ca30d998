"""The notification socket and the live bell in the header."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from playwright.sync_api import expect

from hub.consumers import db
from hub.models import Notification
from hub.services import notification_send
from tests.conftest import browser_login
from tests.room_helpers import Reader, run, session_cookie, socket

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_pushes_a_new_notification_with_the_unread_count(member):
    notification_send(users=[member], kind="old", title="旧通知")
    cookie = session_cookie(member)

    async def scenario():
        r = Reader(socket("/ws/notifications/", cookie=cookie))
        assert (await r.connect())[0]
        opening = await r.of_type("unread")
        await db(notification_send)(
            users=[member], kind="class_reminder", title="党课即将开始", url="/live/1/"
        )
        pushed = await r.of_type("notification")
        await r.close()
        return opening, pushed

    opening, pushed = run(scenario)
    assert opening["count"] == 1 and opening["recent"][0]["title"] == "旧通知"
    assert pushed["notification"]["title"] == "党课即将开始"
    assert pushed["unread"] == 2


def test_marking_read_in_one_tab_updates_every_tab(member):
    notification_send(users=[member], kind="x", title="一")
    cookie = session_cookie(member)

    async def scenario():
        tab1, tab2 = (
            Reader(socket("/ws/notifications/", cookie=cookie)),
            Reader(socket("/ws/notifications/", cookie=cookie)),
        )
        for tab in (tab1, tab2):
            await tab.connect()
            assert (await tab.of_type("unread"))["count"] == 1
        await tab1.send({"type": "mark_read"})
        got = (await tab2.of_type("unread"))["count"]
        await tab1.send({"type": "mark_read", "ids": "all"})
        error = await tab1.of_type("error")
        for tab in (tab1, tab2):
            await tab.close()
        return got, error

    got, error = run(scenario)
    assert got == 0
    assert error["code"] == "invalid"
    assert not Notification.objects.filter(user=member, read_at__isnull=True).exists()


def test_it_refuses_an_anonymous_socket_with_4401(db):
    async def scenario():
        r = Reader(socket("/ws/notifications/"))
        await r.connect()
        return await r.next()

    assert run(scenario) == {"type": "__closed__", "code": 4401}


def test_one_persons_notifications_never_reach_another(member, organizer):
    cookie = session_cookie(organizer)

    async def scenario():
        r = Reader(socket("/ws/notifications/", cookie=cookie))
        await r.connect()
        await r.of_type("unread")
        await db(notification_send)(users=[member], kind="x", title="私信")
        events = await r.drain(0.8)
        await r.close()
        return events

    assert run(scenario) == []


@pytest.mark.browser
def test_the_bell_in_the_header_counts_up_live(browser, hub_server, member, js_errors):
    page = js_errors.watch(browser_login(browser, hub_server, member).new_page())
    page.goto(hub_server.url + "/")
    page.wait_for_selector("#notification-bell[data-live]")
    assert page.locator("#notification-count").is_hidden()

    def send():
        try:
            notification_send(users=[member], kind="class_reminder", title="红色直播党课十分钟后开始")
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(send).result()
    page.wait_for_function("document.getElementById('notification-count').textContent === '1'", timeout=3000)
    # The count can come first from the connection's opening resync (when the notice was created while the
    # socket was being opened); the notice itself, with its pop-up, follows it on the same socket.
    expect(page.locator(".bell-toast")).to_have_text(re.compile("^红色直播党课十分钟后开始"), timeout=5000)
    page.click("#notification-bell")
    page.click("#notification-panel button")
    page.wait_for_selector("#notification-count", state="hidden", timeout=3000)
    assert js_errors.list == []
