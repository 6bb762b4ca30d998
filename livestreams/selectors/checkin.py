"""What the room shows about sign-in (签到): whether this viewer may sign in, whether they have, how many have."""

from __future__ import annotations

from typing import Any

from hub.models import User
from livestreams.models import Attendance, LiveSession, PartyClass
from livestreams.permissions import in_audience
from partyorgs.models import PartyMember


def checkin_state(*, user: User | Any, session: LiveSession, can_manage: bool) -> dict[str, Any] | None:
    """None for a session that is not a Party class. `eligible`: a member of the audience (who may sign in
    while the class is live); `signed_in_at`: ISO time or None; `count`: signed in so far (managers only)."""
    pc = PartyClass.objects.filter(pk=session.pk).only("signin_code").first()
    if pc is None:
        return None
    signed_in_at = None
    eligible = False
    if getattr(user, "is_authenticated", False):
        member = PartyMember.objects.filter(user=user).only("pk").first()
        if member is not None and in_audience(user, session):
            eligible = True
            att = Attendance.objects.filter(session_id=session.pk, member=member).only("signed_in_at").first()
            if att is not None and att.signed_in_at is not None:
                signed_in_at = att.signed_in_at.isoformat()
    return {
        "eligible": eligible,
        "needs_code": bool(pc.signin_code),
        "signed_in_at": signed_in_at,
        "count": (
            Attendance.objects.filter(session_id=session.pk, signed_in_at__isnull=False).count()
            if can_manage
            else None
        ),
    }
