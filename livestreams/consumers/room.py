"""/ws/live/<id>/: the live room socket (docs/live-room-protocol.md).

Thin: it authorizes through the permission helpers, registers the socket with the process's room registry
(fanout.py), and forwards comments and moderators' actions to livestreams.services.room.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from hub.consumers import CLOSE_FORBIDDEN, CLOSE_SIGN_IN, JsonSocket, db
from hub.ws_frames import EXTENSION as FRAME_EXTENSION
from livestreams import realtime as rt
from livestreams.consumers import parts  # noqa: F401  (registers the room parts' actions and snapshots)
from livestreams.consumers.fanout import get_fanout
from livestreams.consumers.registry import ROOM_ACTIONS, ROOM_SNAPSHOTS
from livestreams.models import LiveSession
from livestreams.permissions import can_manage, in_audience, visible_q
from livestreams.selectors.room import comment_history, is_muted, room_mutes
from livestreams.services import room as room_services
from livestreams.services.room import COMMENT_MAX_LENGTH, RoomError

VIEWER_COOKIE = "hub_viewer"
# After connecting, frames are checked for comments already sent in the history for this long: longer than
# any commit-to-publish delay.
SETTLE_SECONDS = settings.HUB_ROOM_SETTLE_SECONDS
VIEWER_COOKIE_SALT = "hub-viewer"


def anonymous_viewer_id(cookies: dict) -> str | None:
    """The signed id the room page gives an anonymous visitor, so that their tabs count once."""
    raw = cookies.get(VIEWER_COOKIE)
    if not raw:
        return None
    try:
        return signing.get_cookie_signer(salt=VIEWER_COOKIE + VIEWER_COOKIE_SALT).unsign(raw)
    except signing.BadSignature:
        return None


@dataclass
class RoomAccess:
    session: LiveSession
    can_comment: bool
    can_moderate: bool
    muted: bool
    mutes: list


@db
def _load_access(user, session_id: int) -> RoomAccess | None:
    session = LiveSession.objects.filter(visible_q(user), pk=session_id).first()
    if session is None:
        return None
    moderator = can_manage(user, session)
    return RoomAccess(
        session=session,
        can_comment=in_audience(user, session),
        can_moderate=moderator,
        muted=is_muted(session=session, user=user),
        mutes=room_mutes(session=session) if moderator else [],
    )


@db
def _history(session, after):
    # The status and slow mode are read again with the history, after the socket was registered: a class
    # that went live (or a slow mode set) between the access check and the registration is not missed.
    now = LiveSession.objects.filter(pk=session.pk).values("status", "slow_mode_seconds").first() or {}
    return comment_history(session=session, after=after), now


@db
def _presence_open(session_id, user_id):
    room_services.presence_open(session_id=session_id, user_id=user_id)


@db
def _presence_close(session_id, user_id):
    room_services.presence_close(session_id=session_id, user_id=user_id)


@db
def _call(service, session: LiveSession, **kwargs):
    # The services read the session's status and slow mode afresh: they change while the socket is open.
    return service(session=session, **kwargs)


def _int_or_none(value) -> int | None:
    return value if type(value) is int else None


class RoomConsumer(JsonSocket):
    # The room registry fans events out; this consumer needs no channels_redis channel of its own.
    channel_layer_alias = "live-room-no-layer"

    async def connect(self):
        self.conn = None
        self.ready = False
        self.write_frame = ((self.scope.get("extensions") or {}).get(FRAME_EXTENSION) or {}).get("write")
        self.pending: list[str] = []
        self.user = self.scope.get("user")
        session_id = self.scope["url_route"]["kwargs"]["session_id"]
        # Accept before any database work: a refusal is an accept and a close anyway (refuse()), and in a
        # class-start storm the handshakes must not wait behind the database for daphne's handshake timeout.
        await self.accept()
        self.fanout = get_fanout()
        if self.user.is_authenticated:
            access = await _load_access(self.user, session_id)
        else:
            # Anonymous viewers all get the same answer: those arriving together share one load.
            access = await self.fanout.shared(
                ("access", session_id), 0, lambda: _load_access(self.user, session_id)
            )
        if access is None:
            await self.close(code=CLOSE_FORBIDDEN if self.user.is_authenticated else CLOSE_SIGN_IN)
            return
        self.session_id = session_id
        self.access = access

        if self.user.is_authenticated:
            person = rt.user_person(self.user.pk)
        else:
            viewer = anonymous_viewer_id(self.scope.get("cookies", {}))
            person = f"a{viewer}" if viewer else f"c{uuid.uuid4().hex}"
        # Register first, then read the history: nothing published in between is missed, and what arrives
        # twice is dropped below.
        self.conn, arrived = await self.fanout.join(self, session_id, person)
        if arrived and self.user.is_authenticated:
            await _presence_open(session_id, self.user.pk)
        after = self._after()
        # A read that started after this socket was registered misses nothing it must have: the sockets of a
        # storm that joined together share it.
        history, now = await self.fanout.shared(
            ("history", session_id, after), time.monotonic(), lambda: _history(access.session, after)
        )
        count = self.fanout.count(session_id)
        session = access.session
        await self.send_json(
            {
                "type": "welcome",
                "session_id": session_id,
                "status": now.get("status", session.status),
                "slow_mode": now.get("slow_mode_seconds", session.slow_mode_seconds),
                "can_comment": access.can_comment,
                "can_moderate": access.can_moderate,
                "muted": access.muted,
                "user_id": self.user.pk if self.user.is_authenticated else None,
                "max_length": COMMENT_MAX_LENGTH,
                "mutes": access.mutes,
            }
        )
        await self.send_json(
            {
                "type": "history",
                "comments": history.comments,
                "removed": history.removed,
                "resumed": history.resumed,
            }
        )
        await self.send_json({"type": "viewers", "count": count})
        for snapshot in ROOM_SNAPSHOTS:
            for part_message in await snapshot(self):
                await self.send_json(part_message)
        self.seen_up_to = max([c["id"] for c in history.comments] + [after or 0])
        self.settled_at = time.monotonic() + SETTLE_SECONDS
        missed, self.pending = self.pending, []
        self.ready = True
        await self._send_new(missed)

    def _after(self) -> int | None:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        raw = (query.get("after") or [""])[0]
        return int(raw) if raw.isdigit() and len(raw) < 19 else None

    def deliver_frame(self, frame: bytes, now: float, oldest_comment: int | None) -> bool:
        """Write the room's ready-made frame (the same bytes for every socket) when this socket takes the
        events as they are: connected, on a server that lets frames be written as they are, and past the
        settling time or with no comment in the frame that its history already had (the oldest comment's id
        is read once per frame by the registry). Returns False when deliver() must do it."""
        write = self.write_frame
        if write is None or not self.ready:
            return False
        if now < self.settled_at and oldest_comment is not None and oldest_comment <= self.seen_up_to:
            return False
        return write(frame)

    async def deliver(self, message: dict, raws: list[str]) -> None:
        """Called by the room registry with a frame shared by every socket of the room."""
        if not self.ready:
            self.pending.extend(raws)
        elif time.monotonic() < self.settled_at:
            await self._send_new(raws)
        else:
            await self.base_send(message)

    async def _send_new(self, raws: list[str]) -> None:
        # A comment is committed before it is published, so for a moment after connecting a comment can be
        # both in the history and on its way through the stream: drop what the history already had.
        raws = [raw for raw in raws if not _is_comment_up_to(raw, self.seen_up_to)]
        if raws:
            await self.send(text_data=raws[0] if len(raws) == 1 else "[" + ",".join(raws) + "]")

    async def rejoined(self, arrived: bool) -> None:
        if arrived and self.user.is_authenticated:
            await _presence_open(self.session_id, self.user.pk)

    async def disconnect(self, code):
        if self.conn is None:
            return
        conn, self.conn = self.conn, None
        gone = await self.fanout.leave(conn)
        if gone and self.user.is_authenticated:
            await _presence_close(self.session_id, self.user.pk)

    # --- Client messages --------------------------------------------------------------------------

    async def handle(self, message: dict) -> None:
        kind = message["type"]
        nonce = message.get("nonce")
        nonce = nonce if isinstance(nonce, str) and len(nonce) <= 64 else None
        extra = {"nonce": nonce} if nonce else {}
        try:
            if kind == "ping":
                await self.send_json({"type": "pong"})
            elif kind == "comment":
                comment = await _call(
                    room_services.comment_post, self.access.session, user=self.user, text=message.get("text")
                )
                # The comment is committed: it can no longer be lost, whatever happens to this socket.
                await self.send_json({"type": "ack", "id": comment.pk, **extra})
            elif kind in ("remove", "mute", "unmute", "slow_mode"):
                await self._moderate(kind, message)
                await self.send_json({"type": "ack", **extra})
            elif kind in ROOM_ACTIONS:
                reply = await ROOM_ACTIONS[kind](self, message)
                await self.send_json({**(reply or {}), "type": "ack", **extra})
            else:
                await self.send_error("unknown_type", _("Unknown message type."), **extra)
        except RoomError as error:
            retry = {"retry_after": error.retry_after} if error.retry_after else {}
            await self.send_error(error.code, error.message, **retry, **extra)

    async def _moderate(self, kind: str, message: dict) -> None:
        if not self.user.is_authenticated:
            raise RoomError("forbidden", _("Only the moderators of this session can do that."))
        if kind == "remove":
            comment_id = _int_or_none(message.get("id"))
            if comment_id is None:
                raise RoomError("invalid", _("Say which comment (its id)."))
            await _call(
                room_services.comment_remove, self.access.session, comment_id=comment_id, user=self.user
            )
        elif kind in ("mute", "unmute"):
            user_id = _int_or_none(message.get("user_id"))
            if user_id is None:
                raise RoomError("invalid", _("Say whom (their user_id)."))
            service = room_services.mute_create if kind == "mute" else room_services.mute_delete
            await _call(service, self.access.session, target_id=user_id, user=self.user)
        else:
            await _call(
                room_services.session_slow_mode_set,
                self.access.session,
                seconds=message.get("seconds"),
                user=self.user,
            )


def _is_comment_up_to(raw: str, last_id: int) -> bool:
    """Whether a pending raw event is a comment the client already got in its history."""
    if '"type":"comment"' not in raw:
        return False
    try:
        return json.loads(raw).get("id", 0) <= last_id
    except ValueError:
        return False
