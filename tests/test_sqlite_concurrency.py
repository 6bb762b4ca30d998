"""The room's everyday concurrency over real sockets: a real daphne, a real Celery worker, the test database.

Run on both databases (marker `realtime`: `make test` runs these a second time on SQLite when the suite runs
on PostgreSQL). On SQLite, daphne's socket thread pool, its HTTP thread and the Celery worker each hold their
own connection to one file: a write path that starts a transaction the wrong way fails at once with
"database is locked" instead of waiting its turn.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone
from websockets.asyncio.client import connect

from livestreams.models import Comment, LiveSession, PresenceInterval
from tests import factories as f
from tests.room_helpers import clean_room_redis, session_cookie
from tests.support import start_celery_worker, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.realtime]

JOINERS = 20
COMMENTERS = 8
ROUNDS = 3
# People with an open presence record but no socket (a crashed process): the Celery sweep closes their
# records, so that the worker writes while the sockets do.
GHOSTS = 5


@pytest.fixture(autouse=True)
def _clean_redis():
    clean_room_redis()


@pytest.fixture
def live(world):
    return f.LiveSessionFactory(
        host_organization=world.root_a, status=LiveSession.Status.LIVE, audience_orgs=[world.branch_a]
    )


def _members(world, prefix: str, n: int):
    return [
        f.MemberFactory(
            user=f.UserFactory(email=f"{prefix}{i}@example.com", name=f"{prefix}{i}"), branch=world.branch_a
        ).user
        for i in range(n)
    ]


class Person:
    """One websocket to the daphne subprocess; collects every event it receives."""

    def __init__(self, server, session, cookie: str):
        self.url = f"{server.ws_url}/ws/live/{session.pk}/"
        self.headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}", "Origin": server.url}
        self.events: list[dict] = []
        self.ws = None
        self.reader = None
        self.welcomed = asyncio.Event()
        self.acks: dict[str, asyncio.Future] = {}

    async def open(self) -> None:
        self.ws = await connect(self.url, additional_headers=self.headers, open_timeout=20)
        self.reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self.welcomed.wait(), 20)

    async def _read(self) -> None:
        async for raw in self.ws:
            data = json.loads(raw)
            for event in data if isinstance(data, list) else [data]:
                self.events.append(event)
                if event["type"] == "history":
                    self.welcomed.set()
                nonce = event.get("nonce")
                if event["type"] == "error" and nonce is None:
                    # A server_error carries no nonce: it answers the oldest comment still waiting.
                    nonce = next((n for n, fut in self.acks.items() if not fut.done()), None)
                if nonce in self.acks and not self.acks[nonce].done():
                    self.acks[nonce].set_result(event)

    async def comment(self, text: str) -> dict:
        self.acks[text] = asyncio.get_running_loop().create_future()
        await self.ws.send(json.dumps({"type": "comment", "text": text, "nonce": text}))
        return await asyncio.wait_for(self.acks[text], 30)

    async def close(self) -> None:
        await self.ws.close()
        await self.reader


def test_join_and_leave_bursts_while_others_comment_lose_no_comment(live, world, hub_server):
    joiners = [session_cookie(u) for u in _members(world, "joiner", JOINERS)]
    commenters = [session_cookie(u) for u in _members(world, "talker", COMMENTERS)]
    ghosts = _members(world, "ghost", GHOSTS * ROUNDS)

    @database_sync_to_async
    def haunt(round_):
        # Written by this process too, while daphne writes.
        PresenceInterval.objects.bulk_create(
            PresenceInterval(session=live, user=g, joined_at=timezone.now() - timedelta(minutes=5))
            for g in ghosts[round_ * GHOSTS : (round_ + 1) * GHOSTS]
        )

    worker = start_celery_worker()
    try:

        async def scenario():
            from livestreams.tasks.room import sweep_presence

            talkers = [Person(hub_server, live, c) for c in commenters]
            await asyncio.gather(*(t.open() for t in talkers))
            replies = []
            for round_ in range(ROUNDS):
                crowd = [Person(hub_server, live, c) for c in joiners]
                # Joins and comments hit the server in the same moment; the Celery worker writes too.
                await haunt(round_)
                sweep_presence.delay()
                results = await asyncio.gather(
                    *(p.open() for p in crowd),
                    *(t.comment(f"进场{round_}-{i}") for i, t in enumerate(talkers) if i % 2 == 0),
                )
                replies += results[JOINERS:]
                sweep_presence.delay()
                results = await asyncio.gather(
                    *(p.close() for p in crowd),
                    *(t.comment(f"离场{round_}-{i}") for i, t in enumerate(talkers) if i % 2 == 1),
                )
                replies += results[JOINERS:]
            await asyncio.gather(*(t.close() for t in talkers))
            return replies, [e for t in talkers for e in t.events]

        replies, events = asyncio.run(scenario())
        wait_until(
            lambda: not PresenceInterval.objects.filter(user__in=ghosts, left_at__isnull=True).exists(),
            timeout=30,
            message="the Celery worker to close the ghosts' records",
        )
        # Every sweep sent has run, so the logs are complete; they are read before the worker is stopped,
        # because stopping it (SIGTERM to its process group) can log its own WorkerLostError traceback.
        wait_until(
            lambda: (
                len(re.findall(r"sweep_presence\[[^\]]+\] succeeded", worker.log.read_text())) >= 2 * ROUNDS
            ),
            timeout=30,
            message="every sweep the test sent to have run",
        )
        logs = [hub_server.log.read_text(), worker.log.read_text()]
    finally:
        worker.stop()

    # The logs first: an error there explains any of the failures below.
    for text in logs:
        assert "database is locked" not in text, text[-3000:]
        assert "Traceback" not in text, text[-3000:]
    # Half of the commenters speak in each burst: nobody reaches the rate limit (5 in 10 s).
    assert [r["type"] for r in replies] == ["ack"] * (ROUNDS * COMMENTERS), replies
    assert not [e for e in events if e["type"] == "error"]
    stored = set(Comment.objects.filter(session=live).values_list("text", flat=True))
    assert stored == {r["nonce"] for r in replies}
    # Every joiner was recorded as present, and every record was closed when they left.
    people = PresenceInterval.objects.filter(session=live).exclude(user__in=ghosts)
    assert people.count() == JOINERS + COMMENTERS
    assert not PresenceInterval.objects.filter(session=live, left_at__isnull=True).exists(), logs[0][-5000:]
