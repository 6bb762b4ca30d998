"""The shared reconnecting socket (static/js/socket.js) in chromium: when the server restarts, the room, the
bell and "live now" come back by themselves and catch up with what happened while they were away."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from hub.services import notification_send
from livestreams.models import Comment, LiveSession
from tests import factories as f
from tests.conftest import browser_login
from tests.room_helpers import clean_room_redis
from tests.support import start_daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def in_thread(fn, **kwargs):
    """Services that push through the channel layer run in a thread of their own (Playwright's loop)."""

    def call():
        try:
            return fn(**kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def test_the_room_bell_and_live_now_reconnect_after_a_server_restart_and_catch_up(
    browser, world, member, js_errors
):
    clean_room_redis()
    live = f.LiveSessionFactory(
        host_organization=world.root_a,
        status=LiveSession.Status.LIVE,
        visibility=LiveSession.Visibility.PUBLIC,
        title="重连测试直播",
    )
    f.CommentFactory(session=live, author=member, text="重启前")
    server = start_daphne()
    try:
        context = browser_login(browser, server, member)
        room = js_errors.watch(context.new_page())
        room.goto(f"{server.url}/live/{live.pk}/")
        room.wait_for_selector("#conn-state[data-state=open]")
        room.wait_for_selector("#notification-bell[data-live]")
        home = js_errors.watch(context.new_page())
        home.goto(server.url + "/")
        home.wait_for_selector(f"[data-live-now-list] [data-session-id='{live.pk}']")

        server.stop()
        room.wait_for_selector("#conn-state[data-state=closed]")
        home.wait_for_selector("[data-live-now-home][data-socket=reconnecting]")
        # While the server is away: a comment is stored, a notification sent, the session ends.
        missed = f.CommentFactory(session=live, author=member, text="断开时的评论")
        in_thread(notification_send, users=[member], kind="test", title="断开时的通知")
        LiveSession.objects.filter(pk=live.pk).update(status=LiveSession.Status.ENDED)
        server = start_daphne(port=server.port)

        # The room resumed after the last comment it had (?after=): the missed one once, the old one once.
        room.wait_for_selector("#conn-state[data-state=open]", timeout=20000)
        room.wait_for_selector(f"li.comment[data-id='{missed.pk}']", timeout=10000)
        texts = room.locator("#comment-list li.comment .comment-text").all_inner_texts()
        assert texts == ["重启前", "断开时的评论"]
        assert Comment.objects.filter(session=live).count() == 2
        # The bell got a fresh count, "live now" a fresh snapshot without the ended session.
        room.wait_for_function(
            "document.getElementById('notification-count').textContent === '1'", timeout=20000
        )
        home.wait_for_selector("[data-live-now-home][data-socket=open]", timeout=20000)
        home.wait_for_selector(f"[data-live-now-list] [data-session-id='{live.pk}']", state="detached")
        assert [
            e for e in js_errors.list if "WebSocket" not in e and "Failed to load resource" not in e
        ] == []
        context.close()
    finally:
        server.stop()
