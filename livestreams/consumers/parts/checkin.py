"""Sign-in (签到) in the live room: `checkin` signs the member in (services.checkin); on connect the member
learns whether they have signed in. docs/live-room-protocol.md, "Sign-in (签到)"."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from hub.consumers import db
from livestreams.consumers.registry import room_action, room_snapshot
from livestreams.selectors.checkin import checkin_state
from livestreams.services.checkin import attendance_check_in
from livestreams.services.room import RoomError

CODE_MAX_LENGTH = 8


@db
def _check_in(user, session, code: str) -> dict:
    try:
        done = attendance_check_in(user=user, session=session, code=code)
    except ValidationError as exc:
        raise RoomError("checkin_refused", " ".join(exc.messages)) from None
    return {"signed_in_at": done.signed_in_at.isoformat(), "newly": done.newly}


@db
def _state(user, session, can_manage: bool):
    return checkin_state(user=user, session=session, can_manage=can_manage)


@room_action("checkin")
async def checkin(consumer, message: dict) -> dict | None:
    if not consumer.user.is_authenticated:
        raise RoomError("login_required", _("Sign in first."))
    code = message.get("code", "")
    if not isinstance(code, str) or len(code) > CODE_MAX_LENGTH:
        raise RoomError("invalid", _("Enter the sign-in code shown in the class."))
    result = await _check_in(consumer.user, consumer.access.session, code)
    await consumer.send_json({"type": "checkin", "signed_in_at": result["signed_in_at"]})
    return {"checkin": result}


@room_snapshot
async def checkin_snapshot(consumer) -> list[dict]:
    if not consumer.user.is_authenticated:
        return []
    state = await _state(consumer.user, consumer.access.session, consumer.access.can_moderate)
    if state is None:
        return []
    messages = []
    if state["eligible"]:
        messages.append({"type": "checkin", "signed_in_at": state["signed_in_at"]})
    if state["count"] is not None:
        messages.append({"type": "checkin_count", "count": state["count"]})
    return messages
