"""How the rest of the hub reaches open pages in real time.

These signatures are the contract that other areas rely on (classes, sales, media, dashboards); the
live-room work may change how they deliver, not what they mean:

- room_publish(session_id, event): an event to every open live-room page of one session, in every server
  process, e.g. {"type": "status", "status": "live"}.
- live_now_publish(event): an event to every page that follows what is live (home page, dashboards), e.g.
  {"type": "session_status", "session_id": .., "status": .., "title": ..} or
  {"type": "viewers", "session_id": .., "count": ..}.
- viewer_count(session_id) / viewer_counts(ids): distinct people present now, across all processes.

How it delivers (docs/live-room-protocol.md has the whole picture): each room has one Redis stream of
events. An event is serialized once, when it is published; every daphne process reads the streams of the
rooms it has sockets in with one blocking XREAD and writes the same frame to each of its own sockets
(livestreams/consumers/fanout.py). A stream, unlike pub/sub, lets a process that lost its Redis
connection resume from the last entry it saw, so no event is lost.

Presence lives in Redis too: per room a sorted set of people (score = when their presence expires) and per
person a sorted set of their open connections (tabs). Processes refresh their connections' scores with a
heartbeat, so the people of a crashed process expire by themselves.
"""

from __future__ import annotations

import collections
import json
import logging
import threading
import time

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from hub.redis import get_redis, key

log = logging.getLogger(__name__)

LIVE_NOW_GROUP = "live-now"

# A connection refreshes its presence every HEARTBEAT_SECONDS; a person whose connections all missed three
# heartbeats (a crashed process, a lost network) counts no more.
HEARTBEAT_SECONDS = settings.HUB_ROOM_HEARTBEAT_SECONDS
PRESENCE_TTL_SECONDS = 3 * HEARTBEAT_SECONDS
# Events kept per room stream: enough for a process to catch up after a short Redis outage.
STREAM_MAXLEN = 1000
# Redis keys of a room that nobody uses any more disappear after a day.
ROOM_KEY_TTL_SECONDS = 24 * 3600
# Viewer counts are pushed at most once per room per COUNT_INTERVAL_MS, across all processes.
COUNT_INTERVAL_MS = 1000


# --- Keys ----------------------------------------------------------------------------------------------


def room_group(session_id: int) -> str:
    """The channel-layer group name of a room (kept for callers that name it; rooms use room streams)."""
    return f"live-{session_id}"


def room_stream_key(session_id: int) -> str:
    return key("room", session_id, "events")


def presence_key(session_id: int) -> str:
    """Sorted set of the people in a room: member "u<user id>" (or an anonymous viewer id), score = expiry."""
    return key("room", session_id, "presence")


def connections_key(session_id: int, person: str) -> str:
    """Sorted set of one person's open connections (tabs) in a room, score = expiry."""
    return key("room", session_id, "conns", person)


def count_keys(session_id: int) -> list[str]:
    """Keys of the coalesced viewer count: the once-a-second lock, the last count pushed, the peak."""
    return [
        key("room", session_id, "count-lock"),
        presence_key(session_id),
        key("room", session_id, "count"),
        room_stream_key(session_id),
        key("room", session_id, "peak"),
    ]


ACTIVE_ROOMS_KEY_PARTS = ("rooms", "active")


def active_rooms_key() -> str:
    """Set of the session ids that had someone present lately (the presence sweeper walks them)."""
    return key(*ACTIVE_ROOMS_KEY_PARTS)


def user_person(user_id: int) -> str:
    return f"u{user_id}"


def person_user_id(person: str) -> int | None:
    return int(person[1:]) if person.startswith("u") and person[1:].isdigit() else None


# --- Lua scripts (each one round trip, atomic) -----------------------------------------------------------

# Joins and leaves of one process, in the order they happened, in one round trip: a class start brings
# hundreds of sockets in the same second, and one script call per tick of them costs one Redis connection
# instead of one each (redis-py's pool fails at once when all of its connections are busy).
# KEYS: active rooms, then per operation: connections, presence.
# ARGV: now, expiry, key ttl, then per operation: "j" or "l", conn id, person, session id.
# Returns, per operation, 1 when the person arrived (join: their first live connection in the room) or left
# (leave: their last), else 0; then, per operation, the room's count of people present after the batch.
PRESENCE_BATCH_LUA = """
local now, expiry, ttl = ARGV[1], ARGV[2], ARGV[3]
local n = (#ARGV - 3) / 4
local out = {}
for i = 1, n do
  local a = 3 + (i - 1) * 4
  local conn, person = ARGV[a + 2], ARGV[a + 3]
  local ck, pk = KEYS[2 * i], KEYS[2 * i + 1]
  if ARGV[a + 1] == 'j' then
    redis.call('ZREMRANGEBYSCORE', ck, '-inf', now)
    local before = redis.call('ZCARD', ck)
    redis.call('ZADD', ck, expiry, conn)
    redis.call('EXPIRE', ck, ttl)
    redis.call('ZADD', pk, 'GT', expiry, person)
    redis.call('EXPIRE', pk, ttl)
    redis.call('SADD', KEYS[1], ARGV[a + 4])
    out[i] = (before == 0) and 1 or 0
  else
    redis.call('ZREM', ck, conn)
    redis.call('ZREMRANGEBYSCORE', ck, '-inf', now)
    local rest = redis.call('ZREVRANGE', ck, 0, 0, 'WITHSCORES')
    if #rest == 0 then
      redis.call('ZREM', pk, person)
      out[i] = 1
    else
      redis.call('ZADD', pk, rest[2], person)
      out[i] = 0
    end
  end
end
local counts = {}
for i = 1, n do
  local pk = KEYS[2 * i + 1]
  if counts[pk] == nil then counts[pk] = redis.call('ZCOUNT', pk, now, '+inf') end
  out[n + i] = counts[pk]
end
return out
"""

# KEYS: connections1, presence1, connections2, presence2, ... ARGV: expiry, key ttl, conn1, person1, ...
# Refreshes connections that still exist; returns the 1-based positions of those that had vanished
# (expired while the process was stalled) so that the caller can join them again.
HEARTBEAT_LUA = """
local missing = {}
for i = 1, #KEYS, 2 do
  local conn = ARGV[i + 2]
  local person = ARGV[i + 3]
  if redis.call('ZSCORE', KEYS[i], conn) then
    redis.call('ZADD', KEYS[i], ARGV[1], conn)
    redis.call('EXPIRE', KEYS[i], ARGV[2])
    redis.call('ZADD', KEYS[i + 1], 'GT', ARGV[1], person)
  else
    table.insert(missing, (i + 1) / 2)
  end
end
return missing
"""

# KEYS: see count_keys(). ARGV: now, lock ms, stream maxlen, key ttl.
# One process per room and interval wins the lock; it pushes the count into the room stream only when it
# changed. Returns {count, peak_rose} or {-1, 0} when there is nothing to push.
COUNT_TICK_LUA = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[2]) then return {-1, 0} end
local n = redis.call('ZCOUNT', KEYS[2], ARGV[1], '+inf')
local last = tonumber(redis.call('GET', KEYS[3]) or '-1')
if last == n then return {-1, 0} end
redis.call('SET', KEYS[3], n, 'EX', ARGV[4])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[3], '*', 'm', '{"type":"viewers","count":' .. n .. '}')
redis.call('EXPIRE', KEYS[4], ARGV[4])
local peak = tonumber(redis.call('GET', KEYS[5]) or '0')
if n > peak then
  redis.call('SET', KEYS[5], n, 'EX', ARGV[4])
  return {n, 1}
end
return {n, 0}
"""


# --- Publishing ----------------------------------------------------------------------------------------


def encode_event(event: dict) -> str:
    """The one serialization of an event; every socket of the room receives these very bytes."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)


def _xadd(session_id: int, raw: str) -> None:
    stream = room_stream_key(session_id)
    pipe = get_redis().pipeline(transaction=False)
    pipe.xadd(stream, {"m": raw}, maxlen=STREAM_MAXLEN, approximate=True)
    pipe.expire(stream, ROOM_KEY_TTL_SECONDS)
    pipe.execute()


class _PublishRetry:
    """Room events whose publish failed (Redis restarting or unreachable), published again in order by one
    background thread as soon as Redis answers.

    A comment is acknowledged once it is committed, so its event must not be dropped when Redis is away
    for a few seconds: the readers of every process resume their streams from the last entry they read
    and deliver it then, exactly once. Events of this process keep their order: while some wait, new ones
    queue behind them. (If this process dies meanwhile, its waiting events are lost; the pages have the
    comments from the history when they reconnect.)"""

    LIMIT = 10_000

    def __init__(self):
        self.waiting: collections.deque[tuple[int, str]] = collections.deque()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def publish(self, session_id: int, raw: str) -> None:
        with self.lock:
            if self.waiting:
                self._queue(session_id, raw)
                return
        try:
            _xadd(session_id, raw)
        except redis.RedisError as error:
            log.warning("room event not published (%s); retrying until Redis answers", error)
            with self.lock:
                self._queue(session_id, raw)

    def _queue(self, session_id: int, raw: str) -> None:
        if len(self.waiting) >= self.LIMIT:
            self.waiting.popleft()
            log.error("more than %d room events waiting for Redis; dropped the oldest", self.LIMIT)
        self.waiting.append((session_id, raw))
        if self.thread is None or not self.thread.is_alive():
            self.thread = threading.Thread(target=self._drain, name="room-publish-retry", daemon=True)
            self.thread.start()

    def _drain(self) -> None:
        delay = 0.1
        while True:
            with self.lock:
                if not self.waiting:
                    self.thread = None
                    return
                session_id, raw = self.waiting[0]
            try:
                _xadd(session_id, raw)
            except redis.RedisError:
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            delay = 0.1
            with self.lock:
                self.waiting.popleft()


_publish_retry = _PublishRetry()


def room_publish(session_id: int, event: dict) -> None:
    """Append an event to the room's stream; every process with sockets in the room fans it out.

    Never raises for Redis being away: the event is then published as soon as Redis answers again."""
    _publish_retry.publish(session_id, encode_event(event))


def room_publish_waiting() -> int:
    """How many room events of this process wait for Redis (health checks and tests)."""
    return len(_publish_retry.waiting)


def live_now_publish(event: dict) -> None:
    layer = get_channel_layer()
    async_to_sync(layer.group_send)(LIVE_NOW_GROUP, {"type": "hub.event", "event": event})


async def live_now_publish_async(event: dict) -> None:
    """live_now_publish for code that runs in the event loop (the consumers' viewer-count ticker)."""
    layer = get_channel_layer()
    await layer.group_send(LIVE_NOW_GROUP, {"type": "hub.event", "event": event})


# --- Presence reads ------------------------------------------------------------------------------------


def viewer_count(session_id: int) -> int:
    return viewer_counts([session_id]).get(session_id, 0)


def viewer_counts(session_ids: list[int]) -> dict[int, int]:
    """People whose presence has not expired, per session, in one round trip."""
    now = time.time()
    pipe = get_redis().pipeline(transaction=False)
    for sid in session_ids:
        pipe.zcount(presence_key(sid), now, "+inf")
    return dict(zip(session_ids, pipe.execute(), strict=True))


def person_present(session_id: int, person: str) -> bool:
    score = get_redis().zscore(presence_key(session_id), person)
    return score is not None and score > time.time()


def count_tick(session_id: int) -> tuple[int, bool] | None:
    """Push the room's viewer count when it changed and no process did within the interval.

    Returns (count, peak_rose) when this call pushed it, else None. The consumers run the same script from
    their event loop; the presence sweeper calls this for rooms whose processes are gone."""
    script = get_redis().register_script(COUNT_TICK_LUA)
    n, rose = script(
        keys=count_keys(session_id),
        args=[time.time(), COUNT_INTERVAL_MS, STREAM_MAXLEN, ROOM_KEY_TTL_SECONDS],
    )
    return None if n < 0 else (int(n), bool(rose))
