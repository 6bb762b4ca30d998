"""Attendance from the live room's presence records: minutes watched per member (every tab and reconnect of a
person merged into one timeline), attended when watching at least the class's share of it; excuses; the
optional sign-in code."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.models import User
from livestreams.models import Attendance, LiveSession, PartyClass, PresenceInterval
from livestreams.selectors.classes import audience_members, session_window
from partyorgs.models import PartyMember, member_current_q

S = LiveSession.Status


def watched_seconds(intervals: list[tuple[datetime, datetime | None]], start: datetime, end: datetime) -> int:
    """Length of the union of the intervals clipped to [start, end]; an open interval runs to `end`."""
    spans = sorted((max(a, start), min(b or end, end)) for a, b in intervals)
    total = 0.0
    cur_a = start  # the current span is [cur_a, cur_b]; cur_a is read only once cur_b is set
    cur_b: datetime | None = None
    for a, b in spans:
        if b <= a:
            continue
        if cur_b is None or a > cur_b:
            if cur_b is not None:
                total += (cur_b - cur_a).total_seconds()
            cur_a, cur_b = a, b
        else:
            cur_b = max(cur_b, b)
    if cur_b is not None:
        total += (cur_b - cur_a).total_seconds()
    return int(total)


@transaction.atomic
def attendance_compute(*, session_id: int, now: datetime | None = None) -> int:
    """(Re)compute the attendance of a class from presence: one row per audience member and per other member
    who watched. Excuses and sign-ins are kept. Idempotent. Returns the number of rows written."""
    now = now or timezone.now()
    session = LiveSession.objects.select_related("party_class").get(pk=session_id)
    pc = session.party_class
    start, end = session_window(session)
    if session.status == S.LIVE:
        end = min(end, now)
    length = max((end - start).total_seconds(), 1)
    intervals: dict[int, list[tuple[datetime, datetime | None]]] = {}
    for user_id, joined, left in PresenceInterval.objects.filter(
        session_id=session_id, joined_at__lt=end
    ).values_list("user_id", "joined_at", "left_at"):
        intervals.setdefault(user_id, []).append((joined, left))
    members = {m.user_id: m for m in audience_members(session).only("id", "user_id")}
    day = timezone.localdate(session.starts_at)
    for m in PartyMember.objects.filter(member_current_q(day), user_id__in=intervals.keys()).only(
        "id", "user_id"
    ):
        members.setdefault(m.user_id, m)
    existing = {a.member_id: a for a in Attendance.objects.filter(session_id=session_id)}
    rows = []
    for user_id, member in members.items():
        seconds = watched_seconds(intervals.get(user_id, []), start, end)
        prior = existing.get(member.pk)
        signed_in = prior is not None and prior.signed_in_at is not None
        attended = seconds * 100 >= pc.attendance_threshold * length and (not pc.signin_code or signed_in)
        rows.append(
            Attendance(session_id=session_id, member=member, seconds_watched=seconds, attended=attended)
        )
    Attendance.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["session", "member"],
        update_fields=["seconds_watched", "attended"],
    )
    if session.status == S.ENDED:
        PartyClass.objects.filter(pk=session_id).update(attendance_computed_at=now)
    return len(rows)


@transaction.atomic
def attendance_excuse(
    *, party_class: PartyClass, member: PartyMember, reason: str, excused: bool = True
) -> Attendance:
    """Record (or withdraw) a member's excuse for a class, with its reason."""
    reason = reason.strip()
    if excused and not reason:
        raise ValidationError({"reason": _("Give the reason for the excuse.")})
    att, _created = Attendance.objects.get_or_create(session_id=party_class.pk, member=member)
    att.excused = excused
    att.excuse_reason = reason if excused else ""
    att.full_clean()
    att.save(update_fields=["excused", "excuse_reason"])
    return att


@transaction.atomic
def attendance_sign_in(
    *, user: User, party_class: PartyClass, code: str, now: datetime | None = None
) -> bool:
    """Sign a member in with the code shown during the class. True when this call signed them in; False when
    they already were. Raises ValidationError for a wrong code or a class that is not live."""
    now = now or timezone.now()
    session = party_class.session
    if not party_class.signin_code:
        raise ValidationError(_("This class has no sign-in code."))
    if session.status != S.LIVE:
        raise ValidationError(_("You can sign in only while the class is live."))
    member = PartyMember.objects.filter(user=user).first()
    if member is None:
        raise ValidationError(_("Only Party members sign in to a class."))
    if code.strip().upper() != party_class.signin_code:
        raise ValidationError(_("That sign-in code is not right. Check the code shown in the class."))
    att, _created = Attendance.objects.get_or_create(session_id=party_class.pk, member=member)
    if att.signed_in_at is not None:
        return False
    return bool(Attendance.objects.filter(pk=att.pk, signed_in_at__isnull=True).update(signed_in_at=now))
