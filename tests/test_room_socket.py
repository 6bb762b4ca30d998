"""The live-room socket over the real ASGI stack (origin check, session cookie, channels_redis, Redis)."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async

from livestreams.models import Comment, LiveSession, PresenceInterval
from tests import factories as f
from tests.room_helpers import Reader, clean_room_redis, run, session_cookie, socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _clean_redis():
    clean_room_redis()


@pytest.fixture
def live(world, organizer):
    """A live Party class of subdistrict A for the incubator branch (member's branch)."""
    return f.LiveSessionFactory(
        host_organization=world.root_a, status=LiveSession.Status.LIVE, audience_orgs=[world.branch_a]
    )


@pytest.fixture
def public(world):
    return f.LiveSessionFactory(
        host_organization=world.root_a,
        status=LiveSession.Status.LIVE,
        visibility=LiveSession.Visibility.PUBLIC,
    )


def path(session) -> str:
    return f"/ws/live/{session.pk}/"


def test_it_greets_a_member_with_history_count_and_rights(live, member):
    f.CommentFactory(session=live, text="早上好")
    cookie = session_cookie(member)

    async def scenario():
        r = Reader(socket(path(live), cookie=cookie))
        opening = await r.joined()
        await r.close()
        return opening

    opening = run(scenario)
    assert opening["welcome"]["status"] == "live"
    assert opening["welcome"]["can_comment"] is True
    assert opening["welcome"]["can_moderate"] is False
    assert [c["text"] for c in opening["history"]["comments"]] == ["早上好"]
    assert opening["viewers"] == {"type": "viewers", "count": 1}


def test_it_counts_tabs_of_one_person_once_and_everyone_else_apart(live, member, organizer):
    member_cookie, organizer_cookie = session_cookie(member), session_cookie(organizer)

    async def scenario():
        tab1 = Reader(socket(path(live), cookie=member_cookie))
        tab2 = Reader(socket(path(live), cookie=member_cookie))
        other = Reader(socket(path(live), cookie=organizer_cookie))
        await tab1.joined()
        second = await tab2.joined()
        assert second["viewers"]["count"] == 1
        await other.joined()
        pushed = await tab1.until(lambda e: e["type"] == "viewers" and e["count"] == 2)
        await other.close()
        dropped = await tab1.until(lambda e: e["type"] == "viewers" and e["count"] == 1, timeout=5)
        await tab2.close()
        await tab1.close()
        return pushed, dropped

    pushed, dropped = run(scenario)
    assert pushed["count"] == 2 and dropped["count"] == 1
    live.refresh_from_db()
    assert live.peak_viewers == 2


def test_it_stores_a_comment_before_pushing_it_to_everyone_in_order(live, member, organizer):
    member_cookie, organizer_cookie = session_cookie(member), session_cookie(organizer)

    async def scenario():
        author = Reader(socket(path(live), cookie=member_cookie))
        watcher = Reader(socket(path(live), cookie=organizer_cookie))
        await author.joined()
        await watcher.joined()
        for text in ["第一条", "第二条", "第三条"]:
            await author.send({"type": "comment", "text": text, "nonce": text})
            ack = await author.of_type("ack")
            assert ack["nonce"] == text
            assert await database_sync_to_async(Comment.objects.filter(pk=ack["id"]).exists)()
        got = [await watcher.of_type("comment") for _ in range(3)]
        await author.close()
        await watcher.close()
        return got

    got = run(scenario)
    assert [c["text"] for c in got] == ["第一条", "第二条", "第三条"]
    assert got[0]["author"] == "陈党员" and got[0]["id"] < got[1]["id"] < got[2]["id"]
    assert got[0]["created"].endswith("+00:00")
    assert list(Comment.objects.filter(session=live).values_list("text", flat=True)) == [
        "第一条",
        "第二条",
        "第三条",
    ]


def test_it_records_one_presence_interval_across_tabs_and_closes_it_when_the_last_tab_leaves(live, member):
    cookie = session_cookie(member)

    async def scenario():
        tab1 = Reader(socket(path(live), cookie=cookie))
        tab2 = Reader(socket(path(live), cookie=cookie))
        await tab1.joined()
        await tab2.joined()
        rows_open = await database_sync_to_async(
            lambda: list(PresenceInterval.objects.filter(session=live).values_list("left_at", flat=True))
        )()
        await tab1.close()
        still_open = await database_sync_to_async(
            lambda: PresenceInterval.objects.get(session=live).left_at
        )()
        await tab2.close()
        return rows_open, still_open

    rows_open, still_open = run(scenario)
    assert rows_open == [None]
    assert still_open is None
    row = PresenceInterval.objects.get(session=live, user=member)
    assert row.left_at is not None and row.left_at >= row.joined_at


def test_it_refuses_an_outsider_with_4403_and_an_anonymous_visitor_with_4401(live, outsider):
    cookie = session_cookie(outsider)

    async def scenario():
        out = Reader(socket(path(live), cookie=cookie))
        anon = Reader(socket(path(live)))
        return (await out.joined()), (await anon.joined())

    out, anon = run(scenario)
    assert out == {"closed": 4403}
    assert anon == {"closed": 4401}


def test_it_refuses_a_socket_from_another_origin(live, member):
    cookie = session_cookie(member)

    async def scenario():
        comm = socket(path(live), cookie=cookie, origin="http://evil.example.com")
        connected, _ = await comm.connect(timeout=5)
        await comm.disconnect()
        return connected

    assert run(scenario) is False


def test_it_lets_anyone_watch_a_public_room_but_not_comment_without_signing_in(public):
    async def scenario():
        anon = Reader(socket(path(public)))
        opening = await anon.joined()
        await anon.send({"type": "comment", "text": "你好"})
        error = await anon.of_type("error")
        await anon.close()
        return opening, error

    opening, error = run(scenario)
    assert opening["welcome"]["can_comment"] is False
    assert error["code"] == "login_required"
    assert error["message"] == "登录后才能发表评论。"
    assert not Comment.objects.exists()


def test_it_answers_malformed_frames_with_errors_and_stays_up(live, member):
    cookie = session_cookie(member)

    async def scenario():
        r = Reader(socket(path(live), cookie=cookie))
        await r.joined()
        codes = []
        for frame in ["{not json", "[1, 2]", '{"type": 5}', '{"type": "dance"}', "x" * 10000]:
            await r.send(frame)
            codes.append((await r.of_type("error"))["code"])
        await r.comm.send_to(bytes_data=b"\x00\x01")
        codes.append((await r.of_type("error"))["code"])
        await r.send({"type": "comment", "text": 12345})
        codes.append((await r.of_type("error"))["code"])
        await r.send({"type": "ping"})
        pong = await r.of_type("pong")
        await r.close()
        return codes, pong

    codes, pong = run(scenario)
    assert codes == [
        "bad_json",
        "bad_message",
        "bad_message",
        "unknown_type",
        "too_large",
        "bad_frame",
        "empty",
    ]
    assert pong == {"type": "pong"}


def test_it_resumes_a_reconnecting_client_after_the_last_comment_it_saw_without_duplicates(live, member):
    seen = [f.CommentFactory(session=live, author=member, text=f"旧{i}") for i in range(3)]
    missed = [f.CommentFactory(session=live, author=member, text=f"新{i}") for i in range(2)]
    removed = seen[1]
    removed.removed_at = removed.created_at
    removed.save()
    cookie = session_cookie(member)

    async def scenario():
        r = Reader(socket(f"{path(live)}?after={seen[-1].pk}", cookie=cookie))
        opening = await r.joined()
        await r.close()
        return opening["history"]

    history = run(scenario)
    assert history["resumed"] is True
    assert [c["id"] for c in history["comments"]] == [c.pk for c in missed]
    assert removed.pk in history["removed"]


def test_it_delivers_a_comment_published_while_connecting_exactly_once(live, member, organizer):
    """Comments that arrive between registering the socket and reading history are not sent twice."""
    cookie = session_cookie(member)
    other = session_cookie(organizer)

    async def scenario():
        talker = Reader(socket(path(live), cookie=other))
        await talker.joined()
        newcomers = [Reader(socket(path(live), cookie=cookie)) for _ in range(3)]

        async def chatter():
            for i in range(6):
                await talker.send({"type": "comment", "text": f"连{i}"})
                await talker.of_type("ack")

        openings = await asyncio.gather(chatter(), *(n.joined() for n in newcomers))
        results = []
        for n, opening in zip(newcomers, openings[1:], strict=True):
            ids = [c["id"] for c in opening["history"]["comments"]]
            while len(ids) < 6:
                ids.append((await n.of_type("comment"))["id"])
            assert [e for e in await n.drain(0.5) if e["type"] == "comment"] == []
            results.append(ids)
            await n.close()
        await talker.close()
        return results

    for ids in run(scenario):
        assert len(ids) == len(set(ids)) == 6
