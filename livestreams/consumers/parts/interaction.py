"""The room's interaction over its socket: questions and votes, polls and quizzes, the announcement, likes.

Thin: parse, forward to livestreams.services.interaction, and schedule the coalesced pushes. A coalesced push
(the questions list after a question or a vote, a poll's results after an answer, the likes total after
taps) takes a short lock in Redis for the room and kind; the one caller that gets it, in whichever daphne
process, pushes the current state COALESCE_MS later, so a storm of taps or answers becomes a few messages
per second, however many processes share the room. A socket's own rate of likes is limited here (a bucket
per socket).
"""

from __future__ import annotations

import asyncio
import logging
import time

from django.utils.translation import gettext as _

from hub.consumers import db
from livestreams.consumers.registry import room_action, room_snapshot
from livestreams.selectors.interaction import (
    announcement_payload,
    polls_answered,
    questions_voted,
    room_polls,
    room_questions,
)
from livestreams.services import interaction as svc
from livestreams.services.room import RoomError

log = logging.getLogger(__name__)

_TAKE_LOCK = "return redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) and 1 or 0"


def _script(consumer, source: str):
    """The process's registered script (EVALSHA, the text sent only once) on its room Redis client."""
    fanout = consumer.fanout
    scripts = fanout.__dict__.setdefault("interaction_scripts", {})
    if source not in scripts:
        scripts[source] = fanout.redis.register_script(source)
    return scripts[source]


@db
def _call(service, consumer, **kwargs):
    return service(session=consumer.access.session, user=consumer.user, **kwargs)


def _later(flush, **kwargs) -> None:
    """Run the sync push `flush(**kwargs)` after COALESCE_MS, in the background of this process."""

    async def run():
        await asyncio.sleep(svc.COALESCE_MS / 1000)
        try:
            await db(flush)(**kwargs)
        except Exception:  # the lock expires by itself; the next write pushes again
            log.exception("coalesced room push failed")

    task = asyncio.get_running_loop().create_task(run())
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


_tasks: set[asyncio.Task] = set()


async def _coalesced(consumer, what: str, flush, **kwargs) -> None:
    took = await _script(consumer, _TAKE_LOCK)(
        keys=[svc.coalesce_key(consumer.session_id, what)], args=[svc.COALESCE_LOCK_MS]
    )
    if took:
        _later(flush, session_id=consumer.session_id, **kwargs)


# --- Questions ---------------------------------------------------------------------------------------------


@room_action("question_ask")
async def question_ask(consumer, message: dict) -> dict:
    question = await _call(svc.question_ask, consumer, text=message.get("text"))
    await _coalesced(consumer, "questions", svc.push_questions)
    return {"id": question.pk}


@room_action("question_vote")
async def question_vote(consumer, message: dict) -> dict:
    votes = await _call(svc.question_vote, consumer, question_id=message.get("id"))
    await _coalesced(consumer, "questions", svc.push_questions)
    return {"id": message["id"], "votes": votes}


@room_action("question_answered")
async def question_answered(consumer, message: dict) -> None:
    await _call(
        svc.question_mark_answered,
        consumer,
        question_id=message.get("id"),
        answered=message.get("answered", True),
    )


@room_action("question_pin")
async def question_pin(consumer, message: dict) -> None:
    await _call(svc.question_pin, consumer, question_id=message.get("id"), pinned=message.get("pinned", True))


# --- Polls and quizzes -------------------------------------------------------------------------------------


@room_action("poll_open")
async def poll_open(consumer, message: dict) -> None:
    await _call(svc.poll_open, consumer, poll_id=message.get("id"))


@room_action("poll_close")
async def poll_close(consumer, message: dict) -> None:
    await _call(svc.poll_close, consumer, poll_id=message.get("id"))


@room_action("poll_answer")
async def poll_answer(consumer, message: dict) -> dict:
    answer = await _call(
        svc.poll_answer, consumer, poll_id=message.get("id"), option_ids=message.get("options")
    )
    await _coalesced(consumer, f"poll:{answer.poll_id}", svc.push_poll, poll_id=answer.poll_id)
    return {"id": answer.poll_id}


# --- The announcement -------------------------------------------------------------------------------------


@room_action("announce")
async def announce(consumer, message: dict) -> None:
    await _call(svc.announcement_set, consumer, text=message.get("text"))


# --- Likes ---------------------------------------------------------------------------------------------------


def _bucket_take(consumer, wanted: int) -> int:
    """Up to `wanted` taps from this socket's bucket (LIKE_RATE a second, at most LIKE_BURST saved up)."""
    now = time.monotonic()
    tokens, last = getattr(consumer, "_likes_bucket", (float(svc.LIKE_BURST), now))
    tokens = min(float(svc.LIKE_BURST), tokens + (now - last) * svc.LIKE_RATE)
    taken = min(wanted, int(tokens))
    consumer._likes_bucket = (tokens - taken, now)
    return taken


class _LikesBuffer:
    """The taps this process received in the last LIKES_WRITE_MS, per room, written to Redis in one script
    call per room (not one per frame: a room Redis round trip per tap frame is what limits a loaded
    machine). Only a write buffer: the count lives in Redis, shared by every process; taps still in the
    buffer when the process dies (at most LIKES_WRITE_MS of them) are lost."""

    def __init__(self, consumer):
        self.fanout = consumer.fanout
        self.script = _script(consumer, svc.LIKE_TAP_LUA)
        self.taps: dict[int, int] = {}
        self.task: asyncio.Task | None = None

    @classmethod
    def of(cls, consumer) -> _LikesBuffer:
        buffer = consumer.fanout.__dict__.get("likes_buffer")
        if buffer is None:
            buffer = consumer.fanout.__dict__["likes_buffer"] = cls(consumer)
        return buffer

    def add(self, session_id: int, taps: int) -> None:
        self.taps[session_id] = self.taps.get(session_id, 0) + taps
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.write())

    async def write(self) -> None:
        while self.taps:
            await asyncio.sleep(svc.LIKES_WRITE_MS / 1000)
            taps, self.taps = self.taps, {}
            for sid, n in taps.items():
                try:
                    took = await self.script(
                        keys=[
                            svc.likes_pending_key(sid),
                            svc.coalesce_key(sid, "likes"),
                            svc.likes_rooms_key(),
                        ],
                        args=[n, svc.COALESCE_LOCK_MS, sid, 24 * 3600],
                    )
                except Exception:  # Redis away: keep the taps for the next write
                    log.warning("likes not written to Redis; retrying", exc_info=True)
                    self.taps[sid] = self.taps.get(sid, 0) + n
                    await asyncio.sleep(1)
                    continue
                if took:
                    _later(svc.likes_flush, session_id=sid)


@room_action("like")
async def like(consumer, message: dict) -> dict:
    count = message.get("count", 1)
    if type(count) is not int or not 1 <= count <= svc.LIKE_BATCH_MAX:
        raise RoomError("invalid", _("Send between 1 and %(n)d likes at a time.") % {"n": svc.LIKE_BATCH_MAX})
    if consumer.access.session.status not in svc.OPEN_STATUSES:
        raise RoomError("closed", _("This session is not open for that any more."))
    taps = _bucket_take(consumer, count)
    if taps == 0:
        raise RoomError("rate_limited", _("That is a lot of likes: please slow down."), 1)
    _LikesBuffer.of(consumer).add(consumer.session_id, taps)
    return {"count": taps}


# --- Snapshot -----------------------------------------------------------------------------------------------


# A read of the room's shared state that started this long before a socket asks still serves it: in a class
# start hundreds of sockets share a few reads instead of one each (the database pool is bounded). What changed
# in between reaches them with the next push, which always carries the whole state.
SNAPSHOT_SHARE_SECONDS = 1.0


@db
def _shared_state(session) -> dict:
    """What every socket of the room gets alike (the audience's view)."""
    return {
        "announcement": announcement_payload(session=session),
        "questions": room_questions(session=session),
        "polls": room_polls(session=session),
        "likes": svc.likes_total(session_id=session.pk),
    }


@db
def _personal(consumer) -> dict:
    session, user = consumer.access.session, consumer.user
    return {
        "voted": questions_voted(session=session, user_id=user.pk),
        "answered": polls_answered(session=session, user_id=user.pk),
        # Moderators also get the prepared polls and the quizzes' right answers.
        "polls": room_polls(session=session, moderator=True) if consumer.access.can_moderate else None,
    }


async def _send_snapshot(consumer) -> None:
    session = consumer.access.session
    try:
        state = await consumer.fanout.shared(
            ("interaction", consumer.session_id),
            time.monotonic() - SNAPSHOT_SHARE_SECONDS,
            lambda: _shared_state(session),
        )
        mine = await _personal(consumer) if consumer.user.is_authenticated else {}
    except Exception:  # the next push brings the state; the socket goes on
        log.exception("room interaction snapshot failed")
        return
    if consumer.conn is None:
        return  # gone meanwhile
    for message in (
        state["announcement"],
        {"type": "questions", "items": state["questions"], "voted": mine.get("voted", [])},
        {"type": "polls", "items": mine.get("polls") or state["polls"], "answered": mine.get("answered", {})},
        {"type": "likes", "total": state["likes"]},
    ):
        if consumer.conn is None:
            return  # gone meanwhile
        try:
            await consumer.send_json(message)
        except Exception:
            # The viewer left while the snapshot was on its way (daphne: "send on a closed protocol") before
            # the consumer heard of it: there is nobody to deliver it to.
            log.debug("room interaction snapshot: socket closed", exc_info=True)
            return


@room_snapshot
async def interaction_snapshot(consumer) -> list[dict]:
    """Sent in the background, after the room's own opening: a class start's joins do not wait for it."""
    task = asyncio.get_running_loop().create_task(_send_snapshot(consumer))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return []
