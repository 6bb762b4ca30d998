"""Sign-in (签到) to a Party class from where the member already is: one tap in the live room, or a scan of
the venue's QR code (livestreams/share.py). Both mark the same Attendance.signed_in_at as the sign-in code
(services.attendance.attendance_sign_in), which attendance_compute reads.

- In the room: a class without a sign-in code signs the member in with one tap (being in the live room is
  the presence that counts); a class with one asks for the code in the room, as the organizer chose.
- At the venue: the signed venue token stands for the code (it was scanned where the class is held).
Only while the class is live, only members of its audience. Signing in twice is not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.models import User
from livestreams.models import Attendance, LiveSession, PartyClass
from livestreams.permissions import in_audience
from livestreams.realtime import room_publish
from partyorgs.models import PartyMember


@dataclass(frozen=True)
class CheckIn:
    signed_in_at: datetime
    newly: bool


def _party_class(session: LiveSession) -> PartyClass:
    pc = PartyClass.objects.filter(pk=session.pk).first()
    if pc is None:
        raise ValidationError(_("Sign-in is for Party classes only."))
    return pc


@transaction.atomic
def attendance_check_in(
    *,
    user: User,
    session: LiveSession,
    code: str = "",
    at_venue: bool = False,
    now: datetime | None = None,
) -> CheckIn:
    """Sign `user` in to the class `session`. Raises ValidationError with the reason for the member."""
    now = now or timezone.now()
    pc = _party_class(session)
    session = LiveSession.objects.get(pk=session.pk)  # the status as it is now, not as the page saw it
    if session.status != LiveSession.Status.LIVE:
        raise ValidationError(_("You can sign in only while the class is live."))
    member = PartyMember.objects.filter(user=user).first()
    if member is None or not in_audience(user, session):
        raise ValidationError(_("Only Party members in the class's audience sign in."))
    if pc.signin_code and not at_venue and code.strip().upper() != pc.signin_code:
        raise ValidationError(
            _("Enter the sign-in code shown in the class.")
            if not code.strip()
            else _("That sign-in code is not right. Check the code shown in the class.")
        )
    att, _created = Attendance.objects.get_or_create(session_id=session.pk, member=member)
    if att.signed_in_at is not None:
        return CheckIn(signed_in_at=att.signed_in_at, newly=False)
    newly = bool(Attendance.objects.filter(pk=att.pk, signed_in_at__isnull=True).update(signed_in_at=now))
    if not newly:
        att.refresh_from_db(fields=["signed_in_at"])
        assert att.signed_in_at is not None
        return CheckIn(signed_in_at=att.signed_in_at, newly=False)
    count = Attendance.objects.filter(session_id=session.pk, signed_in_at__isnull=False).count()
    sid = session.pk
    transaction.on_commit(lambda: room_publish(sid, {"type": "checkin_count", "count": count}))
    return CheckIn(signed_in_at=now, newly=True)
