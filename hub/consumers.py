"""Websocket consumers of the hub app (the notification bell) and the JSON socket they all stand on.

Consumers only authenticate, authorize, parse and forward: business rules are services.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import close_old_connections
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import get_supported_language_variant, parse_accept_lang_header

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
            if text_data is None:
                await self.send_error("bad_frame", _("Only text frames with JSON are understood."))
                return
            if len(text_data) > self.MAX_FRAME_CHARS:
                await self.send_error(
                    "too_large",
                    _("That message is too large (at most %(n)d characters).") % {"n": self.MAX_FRAME_CHARS},
                )
                return
            try:
                message = json.loads(text_data)
            except ValueError:
                await self.send_error("bad_json", _("That message is not valid JSON."))
                return
            if not isinstance(message, dict) or not isinstance(message.get("type"), str):
                await self.send_error("bad_message", _("A message must be a JSON object with a type."))
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
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        count, recent = await _unread_and_recent(self.user)
        await self.send_json({"type": "unread", "count": count, "recent": recent})

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

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
