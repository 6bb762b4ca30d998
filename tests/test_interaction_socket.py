"""The room's interaction over the room socket against real daphne processes: questions and votes, polls and
quizzes opened by the host and answered by members with live results, the announcement, coalesced likes
(two daphne processes sharing a room), and malformed frames of every new message type."""

from __future__ import annotations

import contextlib
import json
import time

import pytest
from django.conf import settings
from websockets.sync.client import connect as ws_connect

from livestreams.models import (
    LiveSession,
    PollAnswer,
    QuestionVote,
    RoomAnnouncement,
    RoomQuestion,
    SessionLikes,
)
from tests import factories as f
from tests.interaction_helpers import live_class, members, prepare
from tests.room_helpers import clean_room_redis, session_cookie
from tests.support import start_daphne, wait_until

pytestmark = [pytest.mark.realtime, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _clean_redis():
    clean_room_redis()


class Socket:
    """A room socket that keeps every event it read (batched frames flattened)."""

    def __init__(self, server, session, user=None):
        headers = {"Origin": server.url}
        if user is not None:
            headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session_cookie(user)}"
        self.stack = contextlib.ExitStack()
        self.ws = self.stack.enter_context(
            ws_connect(f"{server.ws_url}/ws/live/{session.pk}/", additional_headers=headers, open_timeout=10)
        )
        self.seen: list[dict] = []
        self.taken: set[int] = set()
        self.wait(lambda e: e["type"] == "likes")  # the last message of the opening
        self.taken = set(range(len(self.seen)))  # read the opening with opening()

    def read(self, timeout: float) -> None:
        data = json.loads(self.ws.recv(timeout=timeout))
        self.seen.extend(data if isinstance(data, list) else [data])

    def wait(self, predicate, timeout: float = 15) -> dict:
        """The first event not yet taken that matches; it is taken (the others stay for later waits)."""
        deadline = time.time() + timeout
        while True:
            for i in range(len(self.seen)):
                if i not in self.taken and predicate(self.seen[i]):
                    self.taken.add(i)
                    return self.seen[i]
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError(f"no matching event within {timeout}s; saw {self.seen[-8:]}")
            self.read(left)

    def send(self, obj) -> None:
        self.ws.send(obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False))

    def reply(self, nonce: str) -> dict:
        return self.wait(lambda e: e.get("nonce") == nonce and e["type"] in ("ack", "error"))

    def call(self, obj: dict) -> dict:
        nonce = f"n{time.monotonic_ns()}"
        self.send({**obj, "nonce": nonce})
        return self.reply(nonce)

    def opening(self, kind: str) -> dict:
        return next(e for e in self.seen if e["type"] == kind)

    def alive(self) -> bool:
        self.send({"type": "ping"})
        return self.wait(lambda e: e["type"] == "pong")["type"] == "pong"

    def close(self) -> None:
        self.stack.close()


def test_a_class_runs_a_quiz_a_poll_and_questions_live(world, organizer, member, hub_server):
    live = live_class(world)
    m1, m2 = members(world, 2)
    quiz = prepare(live, organizer, quiz=True, options=("2021", "2022", "2023"), correct=(2,))
    poll = prepare(live, organizer, multiple=True, options=("理论", "案例", "讨论"))
    q_opts = [o.pk for o in quiz.options.all()]
    p_opts = [o.pk for o in poll.options.all()]
    host, a, b, c = (Socket(hub_server, live, u) for u in (organizer, member, m1, m2))
    try:
        # The host sees the prepared polls with their right answers; the audience sees none yet.
        host_polls = host.opening("polls")["items"]
        assert [p["state"] for p in host_polls] == ["ready", "ready"]
        assert [o["correct"] for o in host_polls[0]["options"]] == [False, True, False]
        assert a.opening("polls") == {"type": "polls", "items": [], "answered": {}}

        assert host.call({"type": "poll_open", "id": quiz.pk})["type"] == "ack"
        opened = a.wait(lambda e: e["type"] == "poll" and e["poll"]["id"] == quiz.pk)["poll"]
        assert opened["state"] == "open" and all("correct" not in o for o in opened["options"])

        ack = a.call({"type": "poll_answer", "id": quiz.pk, "options": [q_opts[1]]})
        assert (ack["type"], ack["id"]) == ("ack", quiz.pk)
        assert b.call({"type": "poll_answer", "id": quiz.pk, "options": [q_opts[0]]})["type"] == "ack"
        assert c.call({"type": "poll_answer", "id": quiz.pk, "options": [q_opts[1]]})["type"] == "ack"
        again = a.call({"type": "poll_answer", "id": quiz.pk, "options": [q_opts[0]]})
        assert again["code"] == "already_answered" and again["message"]
        # The results arrive coalesced: every socket ends with the three answers counted.
        for s in (host, a, b, c):
            s.wait(lambda e: e["type"] == "poll" and e["poll"]["id"] == quiz.pk and e["poll"]["answers"] == 3)
        assert host.call({"type": "poll_close", "id": quiz.pk})["type"] == "ack"
        closed = b.wait(lambda e: e["type"] == "poll" and e["poll"]["state"] == "closed")["poll"]
        assert [(o["count"], o["correct"]) for o in closed["options"]] == [(1, False), (2, True), (0, False)]
        late = c.call({"type": "poll_answer", "id": quiz.pk, "options": [q_opts[1]]})
        assert late["code"] == "closed"

        host.call({"type": "poll_open", "id": poll.pk})
        a.wait(lambda e: e["type"] == "poll" and e["poll"]["id"] == poll.pk)
        assert (
            a.call({"type": "poll_answer", "id": poll.pk, "options": [p_opts[0], p_opts[2]]})["type"] == "ack"
        )
        got = host.wait(
            lambda e: e["type"] == "poll" and e["poll"]["id"] == poll.pk and e["poll"]["answers"] == 1
        )
        assert [o["count"] for o in got["poll"]["options"]] == [1, 0, 1]

        # Questions: asked, upvoted once each, sorted by votes; the host pins and marks answered.
        first = a.call({"type": "question_ask", "text": "学时怎么计算？"})["id"]
        second = b.call({"type": "question_ask", "text": "课件哪里下载？"})["id"]
        assert c.call({"type": "question_vote", "id": second})["votes"] == 1
        assert a.call({"type": "question_vote", "id": second})["votes"] == 2
        assert c.call({"type": "question_vote", "id": second})["code"] == "already_voted"
        listed = host.wait(
            lambda e: e["type"] == "questions" and len(e["items"]) == 2 and e["items"][0]["votes"] == 2
        )
        assert [q["text"] for q in listed["items"]] == ["课件哪里下载？", "学时怎么计算？"]
        host.call({"type": "question_pin", "id": first})
        pinned = c.wait(lambda e: e["type"] == "questions" and e["items"][0]["pinned"])
        assert pinned["items"][0]["id"] == first
        host.call({"type": "question_answered", "id": second, "answered": True})
        c.wait(lambda e: e["type"] == "questions" and any(q["answered"] for q in e["items"]))

        # The announcement.
        assert host.call({"type": "announce", "text": "下课前请完成随堂测验"})["type"] == "ack"
        assert b.wait(lambda e: e["type"] == "announcement")["text"] == "下课前请完成随堂测验"
        host.call({"type": "announce", "text": ""})
        assert b.wait(lambda e: e["type"] == "announcement")["text"] is None
    finally:
        for s in (host, a, b, c):
            s.close()

    assert PollAnswer.objects.filter(poll=quiz).count() == 3
    assert QuestionVote.objects.count() == 2 and not RoomAnnouncement.objects.exists()
    # A reconnecting member gets the state back: answers, votes, results.
    again = Socket(hub_server, live, member)
    try:
        assert again.opening("polls")["answered"] == {
            str(quiz.pk): [q_opts[1]],
            str(poll.pk): [p_opts[0], p_opts[2]],
        }
        assert again.opening("questions")["voted"] == [second]
    finally:
        again.close()


def test_likes_are_coalesced_across_two_daphne_processes_and_kept(world, hub_server):
    """Sockets on two processes tap together: each socket sees a few `likes` pushes, not one per tap, and the
    total is stored. Anonymous viewers of a public sales session like too."""
    sales = f.SalesSessionFactory(
        enterprise=world.enterprise_a, session__status=LiveSession.Status.LIVE
    ).session
    second = start_daphne()
    try:
        sockets = [Socket(server, sales) for server in (hub_server, second) for _ in range(3)]
        for round_ in range(2):
            for s in sockets:
                s.send({"type": "like", "count": 10, "nonce": f"r{round_}"})
        for s in sockets:
            for round_ in range(2):
                assert s.reply(f"r{round_}") == {"type": "ack", "count": 10, "nonce": f"r{round_}"}
        final = [s.wait(lambda e: e["type"] == "likes" and e["total"] == 120) for s in sockets]
        assert len(final) == 6
        for s in sockets:
            pushes = [e for e in s.seen if e["type"] == "likes"][1:]  # after the opening's
            # 12 frames of taps over at least one flush window: a handful of pushes, never one per frame.
            assert 1 <= len(pushes) <= 4, pushes
        wait_until(lambda: SessionLikes.objects.filter(session=sales, total=120).exists())
        newcomer = Socket(second, sales)
        assert newcomer.opening("likes")["total"] == 120
        for s in [*sockets, newcomer]:
            s.close()
    finally:
        second.stop()


def test_a_socket_that_taps_too_fast_is_limited(world, hub_server):
    sales = f.SalesSessionFactory(
        enterprise=world.enterprise_a, session__status=LiveSession.Status.LIVE
    ).session
    s = Socket(hub_server, sales)
    try:
        started = time.monotonic()
        for i in range(10):
            s.send({"type": "like", "count": 20, "nonce": f"t{i}"})
        replies = [s.reply(f"t{i}") for i in range(10)]
        elapsed = time.monotonic() - started
        taken = sum(r.get("count", 0) for r in replies if r["type"] == "ack")
        # A bucket of 40 taps refilled at 20 a second: 200 taps sent at once are mostly refused.
        assert 40 <= taken <= 40 + 20 * elapsed + 1
        assert "rate_limited" in [r.get("code") for r in replies]
        assert s.alive()
    finally:
        s.close()
    wait_until(lambda: SessionLikes.objects.filter(session=sales, total=taken).exists())


# (frame, expected code) sent by a member of the class's audience; nothing may change and the socket stays up.
def member_frames(live, quiz, closed, ready, question, option):
    return [
        ({"type": "question_ask"}, "empty"),
        ({"type": "question_ask", "text": 5}, "invalid"),
        ({"type": "question_ask", "text": ["x"]}, "invalid"),
        ({"type": "question_ask", "text": "问" * 3000}, "too_long"),
        ({"type": "question_ask", "text": "a\u0000b"}, "invalid"),
        ({"type": "question_vote"}, "invalid"),
        ({"type": "question_vote", "id": "1"}, "invalid"),
        ({"type": "question_vote", "id": -3}, "invalid"),
        ({"type": "question_vote", "id": 1.5}, "invalid"),
        ({"type": "question_vote", "id": True}, "invalid"),
        ({"type": "question_vote", "id": 987654321}, "not_found"),
        ({"type": "question_vote", "id": question.pk}, "already_voted"),
        ({"type": "question_pin", "id": question.pk}, "forbidden"),
        ({"type": "question_answered", "id": question.pk}, "forbidden"),
        ({"type": "poll_open", "id": ready.pk}, "forbidden"),
        ({"type": "poll_close", "id": quiz.pk}, "forbidden"),
        ({"type": "announce", "text": "我来发公告"}, "forbidden"),
        ({"type": "poll_answer", "id": quiz.pk}, "invalid"),
        ({"type": "poll_answer", "id": quiz.pk, "options": "1"}, "invalid"),
        ({"type": "poll_answer", "id": quiz.pk, "options": [None]}, "invalid"),
        ({"type": "poll_answer", "id": quiz.pk, "options": [option, option]}, "invalid"),
        ({"type": "poll_answer", "id": quiz.pk, "options": list(range(1, 40))}, "invalid"),
        ({"type": "poll_answer", "id": quiz.pk, "options": [987654321]}, "not_found"),
        ({"type": "poll_answer", "id": 987654321, "options": [option]}, "not_found"),
        ({"type": "poll_answer", "id": ready.pk, "options": [option]}, "not_found"),
        ({"type": "poll_answer", "id": quiz.pk, "options": [option]}, "already_answered"),
        ({"type": "poll_answer", "id": closed.pk, "options": [closed.options.first().pk]}, "closed"),
        ({"type": "like", "count": 0}, "invalid"),
        ({"type": "like", "count": 21}, "invalid"),
        ({"type": "like", "count": "5"}, "invalid"),
        ({"type": "like", "count": 2.5}, "invalid"),
    ]


def send_all(server, session, user, frames) -> None:
    # The flood limit allows a burst of 30 frames: at most 15 per connection (plus pings).
    for start in range(0, len(frames), 15):
        s = Socket(server, session, user)
        try:
            for i, (frame, code) in enumerate(frames[start : start + 15]):
                got = s.call(frame)
                assert (got["type"], got.get("code")) == ("error", code), (i + start, frame, got)
                assert got["message"]
            assert s.alive()
        finally:
            s.close()


def test_malformed_and_refused_interaction_frames_get_the_right_error_and_change_nothing(
    world, organizer, member, hub_server
):
    live = live_class(world)
    (m1,) = members(world, 1)
    quiz = prepare(live, organizer, quiz=True)
    closed = prepare(live, organizer)
    ready = prepare(live, organizer)
    from livestreams.services import interaction as svc

    svc.poll_open(session=live, user=organizer, poll_id=quiz.pk)
    svc.poll_open(session=live, user=organizer, poll_id=closed.pk)
    svc.poll_close(session=live, user=organizer, poll_id=closed.pk)
    option = quiz.options.first().pk
    svc.poll_answer(session=live, user=member, poll_id=quiz.pk, option_ids=[option])
    question = svc.question_ask(session=live, user=m1, text="已有的问题")
    svc.question_vote(session=live, user=member, question_id=question.pk)

    send_all(hub_server, live, member, member_frames(live, quiz, closed, ready, question, option))
    # The host's own bad frames.
    send_all(
        hub_server,
        live,
        organizer,
        [
            ({"type": "poll_open", "id": "x"}, "invalid"),
            ({"type": "poll_open", "id": 987654321}, "not_found"),
            ({"type": "poll_close", "id": ready.pk}, "closed"),
            ({"type": "question_pin", "id": question.pk, "pinned": "yes"}, "invalid"),
            ({"type": "question_answered", "id": question.pk, "answered": 1}, "invalid"),
            ({"type": "question_pin", "id": 987654321}, "not_found"),
            ({"type": "announce", "text": 12}, "invalid"),
            ({"type": "announce", "text": "公" * 301}, "too_long"),
            ({"type": "announce", "text": "a\nb"}, "invalid"),
        ],
    )
    assert RoomQuestion.objects.count() == 1 and QuestionVote.objects.count() == 1
    assert PollAnswer.objects.count() == 1 and not RoomAnnouncement.objects.exists()
    assert not SessionLikes.objects.exists()
    quiz.refresh_from_db()
    ready.refresh_from_db()
    assert (quiz.state, ready.state) == ("open", "ready")
    assert "Traceback" not in hub_server.log.read_text()


def test_anonymous_viewers_may_like_but_not_ask_vote_or_answer(world, organizer, hub_server):
    public = live_class(world)
    public.visibility = LiveSession.Visibility.PUBLIC
    public.save()
    quiz = prepare(public, organizer, quiz=True)
    from livestreams.services import interaction as svc

    svc.poll_open(session=public, user=organizer, poll_id=quiz.pk)
    question = svc.question_ask(session=public, user=organizer, text="主持人的问题")
    option = quiz.options.first().pk
    send_all(
        hub_server,
        public,
        None,
        [
            ({"type": "question_ask", "text": "匿名提问"}, "login_required"),
            ({"type": "question_vote", "id": question.pk}, "login_required"),
            ({"type": "poll_answer", "id": quiz.pk, "options": [option]}, "login_required"),
            ({"type": "poll_open", "id": quiz.pk}, "forbidden"),
            ({"type": "announce", "text": "x"}, "forbidden"),
            ({"type": "question_pin", "id": question.pk}, "forbidden"),
        ],
    )
    s = Socket(hub_server, public)
    try:
        ack = s.call({"type": "like", "count": 3})
        assert (ack["type"], ack["count"]) == ("ack", 3)
        assert s.wait(lambda e: e["type"] == "likes")["total"] == 3
    finally:
        s.close()
    assert RoomQuestion.objects.count() == 1 and not QuestionVote.objects.exists()
    assert not PollAnswer.objects.exists()


def test_an_ended_session_takes_no_questions_or_likes(world, outsider, hub_server):
    ended = live_class(world, status=LiveSession.Status.ENDED)
    ended.visibility = LiveSession.Visibility.PUBLIC
    ended.save()
    send_all(
        hub_server,
        ended,
        outsider,
        [
            ({"type": "question_ask", "text": "还能问吗"}, "closed"),
            ({"type": "like", "count": 1}, "closed"),
        ],
    )
    assert not RoomQuestion.objects.exists()


def test_the_beat_task_adds_likes_whose_flush_was_lost(world, celery_worker):
    from hub.redis import get_redis
    from livestreams.services import interaction as svc
    from livestreams.tasks.interaction import likes_sweep

    sales = f.SalesSessionFactory(
        enterprise=world.enterprise_a, session__status=LiveSession.Status.LIVE
    ).session
    client = get_redis()
    client.register_script(svc.LIKE_TAP_LUA)(
        keys=[svc.likes_pending_key(sales.pk), svc.coalesce_key(sales.pk, "likes"), svc.likes_rooms_key()],
        args=[9, svc.COALESCE_LOCK_MS, sales.pk, 3600],
    )
    client.delete(svc.coalesce_key(sales.pk, "likes"))  # the process that took the lock died before flushing
    likes_sweep.delay()
    wait_until(lambda: SessionLikes.objects.filter(session=sales, total=9).exists(), timeout=30)
