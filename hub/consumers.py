"""Websocket consumers of the hub app (the notification bell) and the JSON socket they all stand on.

Consumers only authenticate, authorize, parse and forward: business rules are services.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import math
import re
import time
import weakref
from concurrent.futures import ThreadPoolExecutor

from autobahn.exception import Disconnected
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.conf import settings
from django.db import close_old_connections
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import get_supported_language_variant, parse_accept_lang_header
from redis.exceptions import RedisError

from hub.services import notification_mark_read, notification_payload, user_group

log = logging.getLogger(__name__)

# The sockets' database work runs in a small pool of threads rather than the one thread that Django's async
# code shares: a busy room's comments and joins do not queue behind each other (each thread keeps its own
# connection, for DJANGO_CONN_MAX_AGE).
_db_threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="socket-db")


def db(fn):
    """database_sync_to_async on the sockets' thread pool."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            # Here, inside the call's context: the connection the call used is the one to recycle (the
            # close_old_connections that database_sync_to_async runs around the call does not see it).
            close_old_connections()

    return database_sync_to_async(run, thread_sensitive=False, executor=_db_threads)


# Close codes (4000-4999 are the application's): sign in first / not allowed here.
CLOSE_SIGN_IN = 4401
CLOSE_FORBIDDEN = 4403


# --- Reading a client's frame ------------------------------------------------------------------------------

# Client messages are flat objects (a list of ids at most): a few levels are plenty. Checked before parsing,
# because Python's json module recurses once per level and a deep frame ends in RecursionError.
MAX_FRAME_DEPTH = 8
# Integers a browser can represent exactly (Number.MAX_SAFE_INTEGER); larger ones are no id of ours, and a
# 4,000-digit literal would cost quadratic time to convert.
MAX_SAFE_INTEGER = 2**53 - 1
# A JSON string (the unrolled form: linear, no backtracking), or a run of anything else.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[^"]+', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# A run of more than 16 digits outside strings: no number a client of ours sends (2^53 has 16 digits), and
# Python would spend quadratic time converting thousands of them.
_LONG_DIGITS = re.compile(r"\d{17,}")


class FrameError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(code)
        self.code = code
        self.message = str(message)


def _without_strings(text: str) -> str | None:
    """The frame with every string emptied, in one linear pass; None when a string is never closed (not
    JSON). A regular expression that looks for strings anywhere would retry at every quote of an unclosed
    one: quadratic, a third of a second for 4,000 characters of escaped quotes."""
    parts = []
    pos = 0
    while pos < len(text):
        token = _TOKEN.match(text, pos)
        if token is None:
            return None
        parts.append('""' if text[pos] == '"' else token.group())
        pos = token.end()
    return "".join(parts)


def _too_deep(bare: str, limit: int) -> bool:
    """Whether arrays/objects nest deeper than `limit` in a frame whose strings are emptied."""
    if bare.count("[") + bare.count("{") <= limit:
        return False  # the usual frame: a flat object
    depth = 0
    for bracket in _BRACKET.finditer(bare):
        if bracket.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):  # 1e999999 parses as infinity
        raise ValueError("number out of range")
    return value


def _constant(name: str):
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity, -Infinity


def _object(pairs: list) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate key")  # {"type": "ping", "type": "comment"} means nothing for sure
    return obj


def _checked(value) -> None:
    """Refuse unpaired surrogates in strings (keys too) and integers a browser cannot hold exactly, anywhere
    in a decoded value (its depth is bounded already)."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise FrameError("invalid", _("That message contains characters that are not allowed."))
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise FrameError("bad_json", _("That message is not valid JSON."))
    elif isinstance(value, dict):
        for k, v in value.items():
            _checked(k)
            _checked(v)
    elif isinstance(value, list):
        for v in value:
            _checked(v)


def decode_frame(text_data: str | None, bytes_data: bytes | None, *, max_chars: int) -> dict:
    """A client's frame as a message: a JSON object with a string "type", or FrameError.

    The one decoder of every socket. It refuses binary frames, frames over `max_chars`, nesting deeper than
    MAX_FRAME_DEPTH (checked before parsing), what strict JSON does not allow (NaN, Infinity), numbers a
    browser cannot hold (1e999999, 4,000 digits), duplicate keys, unpaired surrogates (which could not be
    echoed back as UTF-8), and anything that is not an object with a string type."""
    if text_data is None:
        # Binary frames (including text that is not UTF-8, which a client can only send as binary: daphne
        # fails a text frame with invalid UTF-8 itself, before any consumer, as RFC 6455 requires).
        raise FrameError("bad_frame", _("Only text frames with JSON are understood."))
    if len(text_data) > max_chars:
        raise FrameError(
            "too_large", _("That message is too large (at most %(n)d characters).") % {"n": max_chars}
        )
    bare = _without_strings(text_data)
    if bare is None:
        raise FrameError("bad_json", _("That message is not valid JSON."))
    if _too_deep(bare, MAX_FRAME_DEPTH):
        raise FrameError("too_deep", _("That message is nested too deeply."))
    if _LONG_DIGITS.search(bare):
        raise FrameError("bad_json", _("That message is not valid JSON."))
    try:
        message = json.loads(
            text_data,
            parse_float=_float,
            parse_constant=_constant,
            object_pairs_hook=_object,
        )
    except (ValueError, RecursionError):
        raise FrameError("bad_json", _("That message is not valid JSON.")) from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise FrameError("bad_message", _("A message must be a JSON object with a type."))
    _checked(message)
    return message


# --- Surviving a restart of Redis (the channel layer) ------------------------------------------------------

# The sockets of this process (per event loop) that listen to channel-layer groups.
_layer_sockets: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_layer_recoveries: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
LAYER_RETRY_MAX_SECONDS = 5.0


async def _layer_recovered() -> None:
    """Wait until the channel layer works again and every socket of this process has rejoined its groups
    and caught up. One recovery per event loop at a time, whichever socket noticed first.

    channels_redis reads all the sockets of a process through one blocking read, so when Redis goes away
    one socket sees the error while the others wait on; and a restarted Redis has forgotten the groups and
    the messages sent meanwhile. Hence every socket of the process rejoins and resyncs, not just the one."""
    loop = asyncio.get_running_loop()
    task = _layer_recoveries.get(loop)
    if task is None or task.done():
        task = loop.create_task(_recover_layer(loop))
        _layer_recoveries[loop] = task
    await asyncio.shield(task)


async def _recover_layer(loop) -> None:
    delay = 0.25
    while True:
        await asyncio.sleep(delay)
        try:
            for socket in list(_layer_sockets.get(loop, ())):
                try:
                    await socket.layer_recovered()
                except (RedisError, OSError):
                    raise
                except Exception:  # that socket alone (closing, say); the others still need their resync
                    log.exception("could not resync a socket after the channel layer came back")
        except (RedisError, OSError) as error:  # Redis still away: try again, a little later each time
            log.warning("channel layer still unavailable (%s); retrying", error)
            delay = min(delay * 2, LAYER_RETRY_MAX_SECONDS)
            continue
        log.warning("channel layer back; sockets rejoined their groups")
        return


def _encode(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def language_from_scope(scope) -> str:
    """The language LocaleMiddleware would choose: the language cookie, then Accept-Language."""
    cookie = scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME)
    candidates = [cookie] if cookie else []
    headers = dict(scope.get("headers") or [])
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    candidates += [lang for lang, _q in parse_accept_lang_header(accept) if lang != "*"]
    for lang in candidates:
        try:
            return get_supported_language_variant(lang)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class JsonSocket(AsyncWebsocketConsumer):
    """A socket that speaks JSON objects and survives anything a client sends.

    Malformed JSON, unknown types, oversize or binary frames and floods get an {"type": "error"} reply and
    the connection stays up; an unexpected exception in a handler is logged and answered the same way.
    Subclasses implement `handle(message)`."""

    MAX_FRAME_CHARS = 4096
    # Token bucket per connection: a burst of BURST frames, then RATE frames per second.
    BURST = 30
    RATE = 3.0

    # Channel-layer groups this socket listens to (join_groups); rejoined after a Redis restart. (Not channels'
    # own `groups`, whose discard on disconnect would fail the closing socket while Redis is away.)
    joined_groups: tuple[str, ...] = ()

    async def __call__(self, scope, receive, send):
        """channels' AsyncConsumer.__call__, except that a failing channel layer does not end the socket
        (with 1011): the socket waits for the layer, rejoins its groups and resyncs (see _layer_recovered)."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.base_send = send
        callables = [receive]
        if self.channel_layer is not None:
            self.channel_name = await self.channel_layer.new_channel()
            self.channel_receive = self._channel_receive
            callables.append(self.channel_receive)
        try:
            await await_many_dispatch(callables, self.dispatch)
        except StopConsumer:
            pass
        finally:
            sockets = _layer_sockets.get(asyncio.get_running_loop())
            if sockets is not None:
                sockets.discard(self)

    async def _channel_receive(self) -> dict:
        while True:
            try:
                return await self.channel_layer.receive(self.channel_name)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("channel layer receive failed (%s); waiting for it", error)
                await _layer_recovered()

    async def join_groups(self, *groups: str) -> None:
        """Listen to channel-layer groups, now and again after Redis comes back."""
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.joined_groups = (*self.joined_groups, *groups)
        loop = asyncio.get_running_loop()
        _layer_sockets.setdefault(loop, weakref.WeakSet()).add(self)

    async def leave_groups(self) -> None:
        groups, self.joined_groups = self.joined_groups, ()
        for group in groups:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception as error:  # Redis away: the membership expires by itself
                log.warning("could not leave group %s (%s)", group, error)

    async def layer_recovered(self) -> None:
        """Rejoin the groups (a restarted Redis forgot them) and send what may have been missed."""
        for group in self.joined_groups:
            await self.channel_layer.group_add(group, self.channel_name)
        with translation.override(self.language):
            await self.resync()

    async def resync(self) -> None:
        """Subclasses send the state the page needs again (events sent while Redis was away are lost)."""

    async def dispatch(self, message):
        # Channels runs close_old_connections in the database thread before every handler: a thread hop per
        # frame. Every database call here goes through database_sync_to_async, which already does that.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_connect(self, message):
        self.language = language_from_scope(self.scope)
        self._tokens = float(self.BURST)
        self._refilled = time.monotonic()
        self._flood_warned = 0.0
        with translation.override(self.language):
            await super().websocket_connect(message)

    async def send(self, text_data=None, bytes_data=None, close=False):
        try:
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)
        except Disconnected:
            # The client closed a moment ago and its disconnect has not reached this consumer yet (daphne:
            # "send on a closed protocol"): there is nobody to send to, and the disconnect follows.
            log.debug("send on a closed websocket dropped", exc_info=True)

    async def send_json(self, obj: dict) -> None:
        await self.send(text_data=_encode(obj))

    async def send_error(self, code: str, message: str, **extra) -> None:
        await self.send_json({"type": "error", "code": code, "message": str(message), **extra})

    def _take_token(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self.BURST, self._tokens + (now - self._refilled) * self.RATE)
        self._refilled = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    async def receive(self, text_data=None, bytes_data=None):
        with translation.override(self.language):
            if not self._take_token():
                if time.monotonic() - self._flood_warned > 1:
                    self._flood_warned = time.monotonic()
                    await self.send_error("too_many", _("Too many messages; slow down."))
                return
            try:
                message = decode_frame(text_data, bytes_data, max_chars=self.MAX_FRAME_CHARS)
            except FrameError as error:
                await self.send_error(error.code, error.message)
                return
            try:
                await self.handle(message)
            except Exception:
                log.exception("websocket handler failed on %r", message.get("type"))
                await self.send_error("server_error", _("Something went wrong; please try again."))

    async def handle(self, message: dict) -> None:
        if message["type"] == "ping":
            await self.send_json({"type": "pong"})
            return
        await self.send_error("unknown_type", _("Unknown message type."))

    async def refuse(self, code: int) -> None:
        """Accept, then close with an application code the page can explain (a refused handshake cannot
        carry one to a browser)."""
        await self.accept()
        await self.close(code=code)


# --- Notifications ---------------------------------------------------------------------------------------


@db
def _unread_and_recent(user, limit: int = 10) -> tuple[int, list[dict]]:
    from hub.selectors import notifications_for, unread_count

    recent = [
        {**notification_payload(n), "read": n.read_at is not None}
        for n in notifications_for(user=user, limit=limit)
    ]
    return unread_count(user=user), recent


@db
def _unread(user) -> int:
    from hub.selectors import unread_count

    return unread_count(user=user)


@db
def _mark_read(user, ids) -> int:
    return notification_mark_read(user=user, ids=ids)


class NotificationConsumer(JsonSocket):
    """/ws/notifications/: the signed-in user's notifications as they are created, and the unread count.

    Server → client: {"type": "unread", "count": N, "recent": [...]} on connect and whenever another tab
    marks notifications read; {"type": "notification", "notification": {...}, "unread": N}.
    Client → server: {"type": "mark_read"} (all) or {"type": "mark_read", "ids": [..]}; {"type": "ping"}."""

    async def connect(self):
        self.user = self.scope.get("user")
        self.group = None
        if not getattr(self.user, "is_authenticated", False):
            await self.refuse(CLOSE_SIGN_IN)
            return
        self.group = user_group(self.user.pk)
        await self.join_groups(self.group)
        await self.accept()
        await self.resync()

    async def resync(self) -> None:
        count, recent = await _unread_and_recent(self.user)
        await self.send_json({"type": "unread", "count": count, "recent": recent})

    async def disconnect(self, code):
        await self.leave_groups()

    async def handle(self, message: dict) -> None:
        if message["type"] != "mark_read":
            await super().handle(message)
            return
        ids = message.get("ids")
        if ids is not None and (
            not isinstance(ids, list) or len(ids) > 500 or not all(type(i) is int for i in ids)
        ):
            await self.send_error("invalid", _("ids must be a list of notification numbers."))
            return
        await _mark_read(self.user, ids)
        # Every open tab of the user updates its bell.
        await self.channel_layer.group_send(self.group, {"type": "notification.read"})

    async def notification_created(self, event):
        await self.send_json(
            {
                "type": "notification",
                "notification": event["notification"],
                "unread": await _unread(self.user),
            }
        )

    async def notification_read(self, event):
        await self.send_json({"type": "unread", "count": await _unread(self.user)})
