"""The per-process room registry: one subscription per room per process, fanned out to its own sockets.

A naive room puts every socket in a channels_redis group and sends one group message per comment and per
join; each message is then serialized, stored and popped once per viewer, and a join storm costs O(N²)
count messages. Here instead:

- an event is serialized once, by whoever publishes it (livestreams.realtime.room_publish), into the room's
  Redis stream;
- each process reads the streams of the rooms it has sockets in with one blocking XREAD, and writes the
  same frame to each of its own sockets; what arrived together (a burst of comments) goes out as one frame,
  a JSON array;
- viewer counts are pushed by one process per room at most once per interval, and only when they changed;
- presence heartbeats of all the process's connections go to Redis in one script call.

The registry belongs to one event loop (daphne runs one per process; tests run one per scenario).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from django.conf import settings

from hub.consumers import db
from hub.redis import key
from livestreams import realtime as rt

log = logging.getLogger(__name__)

# How long the reader blocks in XREAD before it looks again (a wake-up entry ends it earlier).
READ_BLOCK_MS = 5000
# Minimum time between two fan-out passes: events arriving meanwhile share one frame per socket.
FANOUT_INTERVAL = settings.HUB_ROOM_FANOUT_INTERVAL_MS / 1000
TICK_SECONDS = 0.5
YIELD_EVERY = 200
# A room that emptied on this process is still ticked this long, so the count drop gets pushed.
LINGER_SECONDS = 3.0


@dataclass(eq=False)
class Connection:
    """One socket of this process in one room; `sink` is the consumer that writes frames to the socket."""

    sink: object
    session_id: int
    person: str
    conn_id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass
class LocalRoom:
    session_id: int
    stream: str
    last_id: str
    connections: set = field(default_factory=set)
    emptied_at: float | None = None


class RoomFanout:
    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.rooms: dict[int, LocalRoom] = {}
        self.by_stream: dict[str, LocalRoom] = {}
        self.wake_key = key("rooms", "wake", uuid.uuid4().hex)
        self.wake_last = "0-0"
        self.redis = aioredis.Redis.from_url(settings.REDIS_URL, decode_responses=True)
        # The blocking XREAD holds its own connection, with a read timeout longer than the block.
        self.reader_redis = aioredis.Redis.from_url(
            settings.REDIS_URL, decode_responses=True, socket_timeout=READ_BLOCK_MS / 1000 + 10
        )
        self.join_script = self.redis.register_script(rt.JOIN_LUA)
        self.leave_script = self.redis.register_script(rt.LEAVE_LUA)
        self.heartbeat_script = self.redis.register_script(rt.HEARTBEAT_LUA)
        self.tick_script = self.redis.register_script(rt.COUNT_TICK_LUA)
        self.tasks: list[asyncio.Task] = []

    # --- Joining and leaving -------------------------------------------------------------------------

    async def join(
        self, sink, session_id: int, person: str, conn: Connection | None = None
    ) -> tuple[Connection, bool]:
        """Register a socket in a room. Returns the connection and whether the person just arrived
        (their first live connection in the room, on any process)."""
        self._start()
        room = self.rooms.get(session_id)
        if room is None:
            stream = rt.room_stream_key(session_id)
            newest = await self.redis.xrevrange(stream, count=1)
            if session_id not in self.rooms:  # another socket may have created it meanwhile
                room = LocalRoom(session_id, stream, newest[0][0] if newest else "0-0")
                self.rooms[session_id] = room
                self.by_stream[stream] = room
                await self._wake_reader()
            room = self.rooms[session_id]
        conn = conn or Connection(sink, session_id, person)
        room.connections.add(conn)
        room.emptied_at = None
        now = time.time()
        arrived = await self.join_script(
            keys=[
                rt.connections_key(session_id, person),
                rt.presence_key(session_id),
                rt.active_rooms_key(),
            ],
            args=[
                conn.conn_id,
                now + rt.PRESENCE_TTL_SECONDS,
                now,
                person,
                session_id,
                rt.ROOM_KEY_TTL_SECONDS,
            ],
        )
        return conn, bool(arrived)

    async def leave(self, conn: Connection) -> bool:
        """Unregister a socket. Returns whether that was the person's last live connection in the room."""
        room = self.rooms.get(conn.session_id)
        if room is not None:
            room.connections.discard(conn)
            if not room.connections:
                room.emptied_at = time.monotonic()
        gone = await self.leave_script(
            keys=[rt.connections_key(conn.session_id, conn.person), rt.presence_key(conn.session_id)],
            args=[conn.conn_id, time.time(), conn.person],
        )
        return bool(gone)

    # --- Background tasks ----------------------------------------------------------------------------

    def _start(self) -> None:
        if not self.tasks:
            self.tasks = [
                self.loop.create_task(self._run(self._read_forever, "reader")),
                self.loop.create_task(self._run(self._tick_forever, "ticker")),
                self.loop.create_task(self._run(self._heartbeat_forever, "heartbeat")),
            ]

    async def _run(self, body, name: str) -> None:
        """Keep a background task alive across Redis hiccups; it ends only with its event loop."""
        try:
            while True:
                try:
                    await body()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("live-room %s failed; restarting it", name)
                    await asyncio.sleep(0.5)
        finally:
            if name == "reader":
                await self._close()

    async def _close(self) -> None:
        for client in (self.redis, self.reader_redis):
            try:
                await client.aclose()
            except Exception:  # noqa: S110 - the loop is going away; nothing to clean beyond this
                pass

    async def _wake_reader(self) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.xadd(self.wake_key, {"w": "1"}, maxlen=10, approximate=True)
        pipe.expire(self.wake_key, 3600)
        await pipe.execute()

    async def _read_forever(self) -> None:
        while True:
            streams = {self.wake_key: self.wake_last}
            streams.update({room.stream: room.last_id for room in self.rooms.values()})
            started = time.monotonic()
            response = await self.reader_redis.xread(streams, block=READ_BLOCK_MS)
            delivering = time.monotonic()
            for stream, entries in response or []:
                if not entries:
                    continue
                if stream == self.wake_key:
                    self.wake_last = entries[-1][0]
                    continue
                room = self.by_stream.get(stream)
                if room is None:
                    continue
                room.last_id = entries[-1][0]
                await self._deliver(room, [fields["m"] for _, fields in entries if "m" in fields])
            self._forget_empty_rooms()
            # Pace the passes: what arrives during the pause is read together and shares one frame. A pass
            # is followed by a pause at least as long as the pass took, so a big room sends fewer, fuller
            # frames instead of keeping the process busy writing (comments, acks and joins need it too).
            now = time.monotonic()
            pause = max(FANOUT_INTERVAL - (now - started), (now - delivering) / 2)
            if pause > 0 and response:
                await asyncio.sleep(pause)

    async def _deliver(self, room: LocalRoom, raws: list[str]) -> None:
        if not raws or not room.connections:
            return
        frame = raws[0] if len(raws) == 1 else "[" + ",".join(raws) + "]"
        message = {"type": "websocket.send", "text": frame}
        for i, conn in enumerate(list(room.connections), start=1):
            try:
                await conn.sink.deliver(message, raws)
            except Exception:
                log.exception("could not deliver to a live-room socket")
            if i % YIELD_EVERY == 0:
                # A send does not suspend; let acknowledgements and new joins in between slices of a big room.
                await asyncio.sleep(0)

    def _forget_empty_rooms(self) -> None:
        now = time.monotonic()
        for sid, room in list(self.rooms.items()):
            if (
                not room.connections
                and room.emptied_at is not None
                and now - room.emptied_at > LINGER_SECONDS
            ):
                del self.rooms[sid]
                self.by_stream.pop(room.stream, None)

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            self._forget_empty_rooms()
            ids = list(self.rooms)
            if not ids:
                continue
            now = time.time()
            pipe = self.redis.pipeline(transaction=False)
            for sid in ids:
                await self.tick_script(
                    keys=rt.count_keys(sid),
                    args=[now, rt.COUNT_INTERVAL_MS, rt.STREAM_MAXLEN, rt.ROOM_KEY_TTL_SECONDS],
                    client=pipe,
                )
            results = await pipe.execute()
            for sid, (count, peak_rose) in zip(ids, results, strict=True):
                if count < 0:
                    continue
                await rt.live_now_publish_async({"type": "viewers", "session_id": sid, "count": int(count)})
                if peak_rose:
                    await _record_peak(sid, int(count))

    async def _heartbeat_forever(self) -> None:
        while True:
            await asyncio.sleep(rt.HEARTBEAT_SECONDS)
            conns = [c for room in self.rooms.values() for c in room.connections]
            if conns:
                await self.heartbeat(conns)

    async def heartbeat(self, conns: Iterable[Connection]) -> None:
        conns = list(conns)
        keys, args = [], [time.time() + rt.PRESENCE_TTL_SECONDS, rt.ROOM_KEY_TTL_SECONDS]
        for c in conns:
            keys += [rt.connections_key(c.session_id, c.person), rt.presence_key(c.session_id)]
            args += [c.conn_id, c.person]
        missing = await self.heartbeat_script(keys=keys, args=args)
        for position in missing or []:
            conn = conns[int(position) - 1]
            room = self.rooms.get(conn.session_id)
            # Still open here: its presence expired while this process was stalled; join it again.
            if room is not None and conn in room.connections:
                _, arrived = await self.join(conn.sink, conn.session_id, conn.person, conn)
                await conn.sink.rejoined(arrived)


@db
def _record_peak(session_id: int, count: int) -> None:
    from livestreams.services.room import session_peak_record

    session_peak_record(session_id=session_id, count=count)


_registries: dict[int, RoomFanout] = {}


def get_fanout() -> RoomFanout:
    """The registry of the running event loop."""
    loop = asyncio.get_running_loop()
    registry = _registries.get(id(loop))
    if registry is None or registry.loop is not loop:
        for loop_id, old in list(_registries.items()):
            if old.loop.is_closed():
                del _registries[loop_id]
        registry = RoomFanout(loop)
        _registries[id(loop)] = registry
    return registry
