"""The host's console on the room socket (issue 15; docs/live-room-protocol.md, "The host's console").

- snapshot: moderators get a `console` message (the audience with who is present, the stream's health);
  everyone in a live room of the hub's own stream gets `stream_state` (is anybody pushing?).
- `console_refresh`: a moderator asks for a fresh `console` message (the page does when the viewer count
  changes, and every 10 s while live for the stream's health).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from hub.consumers import db
from livestreams.consumers.registry import room_action, room_snapshot
from livestreams.models import LiveSession, StreamPublish
from livestreams.selectors.console import console_audience, stream_health
from livestreams.services.room import RoomError

S = LiveSession.Status


@db
def console_payload(session_id: int) -> dict[str, Any]:
    session = LiveSession.objects.select_related("host_organization").get(pk=session_id)
    return {
        "type": "console",
        "status": session.status,
        "audience": console_audience(session),
        "stream": stream_health(session),
    }


@db
def _pushing(session_id: int) -> dict[str, Any] | None:
    session = LiveSession.objects.only("status", "playback").get(pk=session_id)
    if session.status != S.LIVE or session.playback != LiveSession.Playback.HUB:
        return None
    pushing = StreamPublish.objects.filter(session_id=session_id, ended_at__isnull=True).exists()
    return {"type": "stream_state", "pushing": pushing}


@room_snapshot
async def console_snapshot(consumer) -> list[dict]:
    messages: list[dict] = []
    state = await _pushing(consumer.session_id)
    if state is not None:
        messages.append(state)
    if consumer.access.can_moderate:
        messages.append(await console_payload(consumer.session_id))
    return messages


@room_action("console_refresh")
async def console_refresh(consumer, message: dict) -> dict | None:
    if not consumer.access.can_moderate:
        raise RoomError("forbidden", _("Only the moderators of this session can do that."))
    await consumer.send_json(await console_payload(consumer.session_id))
    return None
