"""The per-process room registry: one subscription per room per process, fanned out to its own sockets.

A naive room puts every socket in a channels_redis group and sends one group message per comment and per
join; each message is then serialized, stored and popped once per viewer, and a join storm costs O(N²)
count messages. Here instead:

- an event is serialized once, by whoever publishes it (livestreams.realtime.room_publish), into the room's
  Redis stream;
- each process reads the streams of the rooms it has sockets in with one blocking XREAD, builds the
  websocket frame once and writes those bytes to each of its own sockets (hub/ws_frames.py), as
  websockets.broadcast does; what arrived together (a burst of comments) goes out as one frame, a JSON array;
- viewer counts are pushed by one process per room at most once per interval, and only when they changed;
- presence heartbeats of all the process's connections go to Redis in one script call, and so do the joins
  and leaves: they queue, and one writer sends whatever queued while its previous call was under way as one
  script call. A class start (hundreds of sockets in the same second) thus costs a bounded number of Redis
  connections, however big the storm; the registry's client waits for a free connection rather than failing.
- a socket that is gone stops counting when its presence expires (PRESENCE_TTL_SECONDS), whatever became
  of its leave: only the sockets still open here are refreshed by the heartbeat.

The registry belongs to one event loop (daphne runs one per process; tests run one per scenario).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from autobahn.exception import Disconnected
from django.conf import settings

from hub.consumers import db
from hub.redis import key
from hub.ws_frames import text_frame
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
# Joins and leaves sent to Redis in one script call at most (a few milliseconds of Redis time).
PRESENCE_BATCH = 500
# The registry's connections to Redis: the presence writer, the ticker, the heartbeat and a room's opening
# each hold at most one at a time; a call beyond that waits for one instead of failing.
REDIS_CONNECTIONS = 8
# A leave that Redis did not take is tried this often; past that its presence expires by itself.
LEAVE_ATTEMPTS = 3


@dataclass(eq=False)
class Connection:
    """One socket of this process in one room; `sink` is the consumer that writes frames to the socket."""

    sink: object
    session_id: int
    person: str
    conn_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # Set once the socket left: a heartbeat's rejoin that was on its way must not bring it back (see heartbeat).
    left: bool = field(default=False, compare=False)


@dataclass
class LocalRoom:
    session_id: int
    stream: str
    last_id: str
    connections: set = field(default_factory=set)
    emptied_at: float | None = None
    # People present, as Redis last told this process (after a batch of joins and leaves).
    count: int = 0


@dataclass(eq=False)
class _PresenceOp:
    kind: str  # "j" (join) or "l" (leave)
    conn: Connection
    done: asyncio.Future
    attempts: int = 0


class RoomFanout:
    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.rooms: dict[int, LocalRoom] = {}
        self.by_stream: dict[str, LocalRoom] = {}
        self.wake_key = key("rooms", "wake", uuid.uuid4().hex)
        self.wake_last = "0-0"
        self.redis = aioredis.Redis(
            connection_pool=aioredis.BlockingConnectionPool.from_url(
                settings.REDIS_URL, decode_responses=True, max_connections=REDIS_CONNECTIONS, timeout=30
            )
        )
        # The blocking XREAD holds its own connection, with a read timeout longer than the block.
        self.reader_redis = aioredis.Redis.from_url(
            settings.REDIS_URL, decode_responses=True, socket_timeout=READ_BLOCK_MS / 1000 + 10
        )
        self.presence_script = self.redis.register_script(rt.PRESENCE_BATCH_LUA)
        self.heartbeat_script = self.redis.register_script(rt.HEARTBEAT_LUA)
        self.tick_script = self.redis.register_script(rt.COUNT_TICK_LUA)
        self.tasks: list[asyncio.Task] = []
        self.presence_ops: list[_PresenceOp] = []
        self.presence_wanted = asyncio.Event()
        self.opening: dict[int, asyncio.Future] = {}
        self.flights: dict[tuple, tuple[float, asyncio.Task]] = {}

    # --- Joining and leaving -------------------------------------------------------------------------

    async def join(
        self, sink, session_id: int, person: str, conn: Connection | None = None
    ) -> tuple[Connection, bool]:
        """Register a socket in a room. Returns the connection and whether the person just arrived
        (their first live connection in the room, on any process)."""
        self._start()
        if conn is not None and conn.left:
            return conn, False
        room = self.rooms.get(session_id) or await self._open_room(session_id)
        conn = conn or Connection(sink, session_id, person)
        if conn.left:  # it left while the room was being opened
            return conn, False
        added = conn not in room.connections
        room.connections.add(conn)
        room.emptied_at = None
        try:
            arrived = await self._presence("j", conn)
        except BaseException:
            # The socket fails and never leaves: it must not stay here, or the heartbeat would keep it present.
            if added:
                room.connections.discard(conn)
                if not room.connections:
                    room.emptied_at = time.monotonic()
            raise
        return conn, arrived

    async def leave(self, conn: Connection) -> bool:
        """Unregister a socket. Returns whether that was the person's last live connection in the room
        (False too when Redis could not be told: then the presence expires by itself)."""
        conn.left = True
        room = self.rooms.get(conn.session_id)
        if room is not None:
            room.connections.discard(conn)
            if not room.connections:
                room.emptied_at = time.monotonic()
        return await self._presence("l", conn)

    async def shared(self, what: tuple, started_after: float, load):
        """One call of `load()` for the sockets that want the same thing at once: a call under way that
        started at or after `started_after` (time.monotonic()) serves them all; nothing is kept after it.
        In a class-start storm this turns hundreds of identical database reads into a few."""
        flight = self.flights.get(what)
        if flight is None or flight[0] < started_after:
            flight = (time.monotonic(), self.loop.create_task(load()))
            self.flights[what] = flight
            flight[1].add_done_callback(lambda task: self._landed(what, task))
        # Shielded: a socket that goes away while waiting does not cancel the read for the others.
        return await asyncio.shield(flight[1])

    def _landed(self, what: tuple, task: asyncio.Task) -> None:
        if self.flights.get(what, (0, None))[1] is task:
            del self.flights[what]
        if not task.cancelled():
            task.exception()  # retrieved: each waiting socket gets it

    def count(self, session_id: int) -> int:
        """People present in a room as of this process's latest joins and leaves (no round trip)."""
        room = self.rooms.get(session_id)
        return room.count if room is not None else 0

    async def _open_room(self, session_id: int) -> LocalRoom:
        # The sockets of a storm arrive together: the first one opens the room, the others wait for it.
        opening = self.opening.get(session_id)
        if opening is not None:
            return await asyncio.shield(opening)
        opening = self.opening[session_id] = self.loop.create_future()
        try:
            stream = rt.room_stream_key(session_id)
            newest = await self.redis.xrevrange(stream, count=1)
            room = LocalRoom(session_id, stream, newest[0][0] if newest else "0-0")
            self.rooms[session_id] = room
            self.by_stream[stream] = room
            opening.set_result(room)
        except BaseException as error:
            opening.set_exception(error)
            opening.exception()  # retrieved: the sockets waiting on it get it, none may be
            raise
        finally:
            del self.opening[session_id]
        try:
            await self._wake_reader()
        except Exception:
            # The reader then takes the new room in at the end of its current block (READ_BLOCK_MS).
            log.warning("could not wake the live-room reader", exc_info=True)
        return room

    async def _presence(self, kind: str, conn: Connection) -> bool:
        op = _PresenceOp(kind, conn, self.loop.create_future())
        self.presence_ops.append(op)
        self.presence_wanted.set()
        return await op.done

    async def _write_presence_forever(self) -> None:
        """The one writer of joins and leaves: whatever queued meanwhile goes in one script call."""
        while True:
            await self.presence_wanted.wait()
            self.presence_wanted.clear()
            while self.presence_ops:
                batch = self.presence_ops[:PRESENCE_BATCH]
                del self.presence_ops[:PRESENCE_BATCH]
                await self._write_presence(batch)

    async def _write_presence(self, batch: list[_PresenceOp]) -> None:
        now = time.time()
        keys, args = [rt.active_rooms_key()], [now, now + rt.PRESENCE_TTL_SECONDS, rt.ROOM_KEY_TTL_SECONDS]
        for op in batch:
            c = op.conn
            keys += [rt.connections_key(c.session_id, c.person), rt.presence_key(c.session_id)]
            args += [op.kind, c.conn_id, c.person, c.session_id]
        try:
            out = await self.presence_script(keys=keys, args=args)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("live-room presence write of %d sockets failed: %r", len(batch), error)
            retry = [op for op in batch if op.kind == "l" and op.attempts + 1 < LEAVE_ATTEMPTS]
            for op in retry:
                op.attempts += 1
            # A join that failed fails its socket (the client reconnects). A leave is tried again, and after
            # that given up without an error: its presence expires by itself, as no heartbeat refreshes a
            # socket that left, and the presence sweeper closes the person's record then.
            for op in batch:
                if op in retry or op.done.done():
                    continue
                if op.kind == "l":
                    op.done.set_result(False)
                else:
                    op.done.set_exception(error)
                    op.done.exception()
            self.presence_ops[:0] = retry
            await asyncio.sleep(0.5)
            return
        n = len(batch)
        for i, op in enumerate(batch):
            room = self.rooms.get(op.conn.session_id)
            if room is not None:
                room.count = int(out[n + i])
            if not op.done.done():
                op.done.set_result(bool(out[i]))

    # --- Background tasks ----------------------------------------------------------------------------

    def _start(self) -> None:
        if not self.tasks:
            self.tasks = [
                self.loop.create_task(self._run(self._read_forever, "reader")),
                self.loop.create_task(self._run(self._tick_forever, "ticker")),
                self.loop.create_task(self._run(self._heartbeat_forever, "heartbeat")),
                self.loop.create_task(self._run(self._write_presence_forever, "presence")),
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
        text = raws[0] if len(raws) == 1 else "[" + ",".join(raws) + "]"
        message = {"type": "websocket.send", "text": text}
        # The frame is built once and its bytes written to each socket that takes it as it is (nearly all);
        # the others (connecting, or just connected and filtering what their history had) get the message.
        frame = text_frame(text.encode())
        now = time.monotonic()
        oldest = _oldest_comment_id(raws)
        for i, conn in enumerate(list(room.connections), start=1):
            try:
                if not conn.sink.deliver_frame(frame, now, oldest):
                    await conn.sink.deliver(message, raws)
            except Disconnected:
                # The viewer left a moment ago and the consumer has not heard of it yet (daphne: "send on a
                # closed protocol"): nobody to deliver to, and its disconnect unregisters it.
                log.debug("live-room socket closed before delivery", exc_info=True)
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
        # Still open here: their presence expired while this process was stalled; join them again.
        stale = [conns[int(position) - 1] for position in missing or []]
        stale = [c for c in stale if c in getattr(self.rooms.get(c.session_id), "connections", ())]
        # A socket may leave while its rejoin is on its way (the joins run as tasks, after this point): join()
        # then leaves it out, and only the sockets still there are told; otherwise the closed socket would be
        # registered again and heartbeated forever, and its person's record reopened after their leave closed it.
        rejoined = await asyncio.gather(*(self.join(c.sink, c.session_id, c.person, c) for c in stale))
        for conn, (_, arrived) in zip(stale, rejoined, strict=True):
            if not conn.left:
                await conn.sink.rejoined(arrived)


def _oldest_comment_id(raws: list[str]) -> int | None:
    """The smallest comment id among the events of a pass (None without comments), read once per pass: a
    socket still checking events against its history takes the ready frame when every comment is newer."""
    ids = []
    for raw in raws:
        if '"type":"comment"' in raw:
            try:
                ids.append(int(json.loads(raw).get("id", 0)))
            except (ValueError, TypeError):
                ids.append(0)
    return min(ids, default=None)


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
