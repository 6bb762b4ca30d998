"""Writes of studios and their bookings.

No double booking: on PostgreSQL the exclusion constraint studio_booking_no_overlap refuses an overlapping
row even when two requests pass the friendly check below at the same moment; on SQLite every write
transaction begins IMMEDIATE (see DATABASES), so the check and the insert run one writer at a time.
Either way the loser gets a StudioConflict naming the booking in the way and the nearest free slots.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from hub.models import User
from livestreams.models import LiveSession, Studio, StudioBooking
from livestreams.selectors.studios import (
    booking_conflicts,
    nearest_slots_elsewhere,
    studio_nearest_slots,
)
from partyorgs.models import Building, Enterprise

MIN_BOOKING = timedelta(minutes=30)
EXCLUSION_CONSTRAINT = "studio_booking_no_overlap"


class StudioConflict(ValidationError):
    """The slot is taken. `blocking` are the bookings in the way, `suggestions` the nearest free slots of the
    same length on the same studio (earlier or later), `elsewhere` the nearest ones in the building's other
    studios."""

    def __init__(
        self,
        *,
        studio: Studio,
        blocking: list[StudioBooking],
        suggestions: list[tuple[datetime, datetime]],
        elsewhere: list[tuple[Studio, datetime, datetime]] | None = None,
    ):
        self.studio = studio
        self.blocking = blocking
        self.suggestions = suggestions
        self.elsewhere = elsewhere or []
        super().__init__(self.describe(), code="studio_booked")

    def describe(self) -> str:
        if not self.blocking:
            return _("The studio was booked by someone else a moment ago.")
        first = self.blocking[0]
        return _(
            "%(studio)s is already booked from %(start)s to %(end)s, with the changeover until %(blocked)s."
        ) % {
            "studio": self.studio.name,
            "start": _local(first.starts_at, "Y-m-d H:i"),
            "end": _local(first.ends_at, "H:i"),
            "blocked": _local(first.blocked_until, "H:i"),
        }


def _local(moment: datetime, fmt: str) -> str:
    return formats.date_format(timezone.localtime(moment), fmt)


# --- Studios ------------------------------------------------------------------------------------------

STUDIO_FIELDS = ("building", "name", "capacity", "equipment", "opens_at", "closes_at", "changeover_minutes")


@transaction.atomic
def studio_create(
    *,
    building: Building,
    name: str,
    opens_at: time,
    closes_at: time,
    capacity: int = 4,
    equipment: str = "",
    changeover_minutes: int = 30,
    is_active: bool = True,
) -> Studio:
    studio = Studio(
        building=building,
        name=name,
        capacity=capacity,
        equipment=equipment,
        opens_at=opens_at,
        closes_at=closes_at,
        changeover_minutes=changeover_minutes,
        is_active=is_active,
    )
    studio.full_clean()
    studio.save()
    return studio


@transaction.atomic
def studio_update(*, studio: Studio, **fields: Any) -> Studio:
    """Change a studio. A new changeover gap applies to bookings made from now on; existing bookings keep
    the range they were granted."""
    for name, value in fields.items():
        if name not in (*STUDIO_FIELDS, "is_active"):
            raise TypeError(name)
        setattr(studio, name, value)
    studio.full_clean()
    studio.save()
    return studio


# --- Bookings -----------------------------------------------------------------------------------------


def hold_deadline(*, created: datetime, starts_at: datetime) -> datetime:
    """When a held slot is released unless its session is approved: after HUB_STUDIO_HOLD_HOURS, and at the
    latest HUB_STUDIO_APPROVAL_LEAD_HOURS before the session starts."""
    return min(
        created + timedelta(hours=settings.HUB_STUDIO_HOLD_HOURS),
        starts_at - timedelta(hours=settings.HUB_STUDIO_APPROVAL_LEAD_HOURS),
    )


def earliest_held_start(now: datetime) -> datetime:
    """The earliest start a held (not yet approved) booking may have: there must be time to approve it."""
    return now + timedelta(hours=settings.HUB_STUDIO_APPROVAL_LEAD_HOURS, minutes=1)


def booking_window_errors(
    *, studio: Studio, starts_at: datetime, ends_at: datetime, now: datetime, held: bool = True
) -> list[str]:
    """Why a slot cannot be booked, apart from other bookings: opening hours, the past, length."""
    errors = []
    if not studio.is_active:
        errors.append(_("This studio is not open for booking."))
    if ends_at <= starts_at:
        return [*errors, _("The booking must end after it starts.")]
    if starts_at < now:
        errors.append(_("A booking cannot start in the past."))
    elif held and starts_at < earliest_held_start(now):
        errors.append(
            _(
                "A studio must be booked at least %(hours)s hours before the session starts, so that it can be approved in time."
            )
            % {"hours": settings.HUB_STUDIO_APPROVAL_LEAD_HOURS}
        )
    if ends_at - starts_at < MIN_BOOKING:
        errors.append(
            _("A booking lasts at least %(minutes)s minutes.") % {"minutes": int(MIN_BOOKING.seconds / 60)}
        )
    local_start, local_end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if local_start.date() != local_end.date():
        errors.append(_("A booking must start and end on the same day."))
    elif local_start.time() < studio.opens_at or local_end.time() > studio.closes_at:
        errors.append(
            _("%(studio)s is open from %(opens)s to %(closes)s; the booking must fit within these hours.")
            % {
                "studio": studio.name,
                "opens": studio.opens_at.strftime("%H:%M"),
                "closes": studio.closes_at.strftime("%H:%M"),
            }
        )
    return errors


def _conflict(
    studio: Studio, starts_at: datetime, ends_at: datetime, blocked_until: datetime, now: datetime, held: bool
) -> StudioConflict:
    blocking = booking_conflicts(studio_id=studio.pk, starts_at=starts_at, blocked_until=blocked_until)
    return StudioConflict(
        studio=studio,
        blocking=blocking,
        **slot_suggestions(studio=studio, starts_at=starts_at, ends_at=ends_at, now=now, held=held),
    )


def slot_suggestions(
    *, studio: Studio, starts_at: datetime, ends_at: datetime, now: datetime, held: bool = True
) -> dict[str, Any]:
    """The nearest free slots of the same length, on this studio and on the building's others."""
    not_before = earliest_held_start(now) if held else now
    duration = ends_at - starts_at
    return {
        "suggestions": studio_nearest_slots(
            studio=studio, starts_at=starts_at, duration=duration, not_before=not_before
        ),
        "elsewhere": nearest_slots_elsewhere(
            studio=studio, starts_at=starts_at, duration=duration, not_before=not_before
        ),
    }


def _is_overlap_violation(exc: IntegrityError) -> bool:
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None) == EXCLUSION_CONSTRAINT:
        return True
    return EXCLUSION_CONSTRAINT in str(exc)


def _is_deadlock(exc: OperationalError) -> bool:
    return getattr(getattr(exc.__cause__, "diag", None), "sqlstate", None) == "40P01"


@transaction.atomic
def studio_book(
    *,
    studio: Studio,
    enterprise: Enterprise,
    starts_at: datetime,
    ends_at: datetime,
    user: User | None = None,
    session: LiveSession | None = None,
    confirmed: bool = False,
    now: datetime | None = None,
) -> StudioBooking:
    """Book a slot. A held booking waits for its session's approval and is released after its deadline;
    a confirmed one (an approved session) stays. Raises ValidationError for a slot outside the rules and
    StudioConflict when it overlaps another booking (with the changeover gap)."""
    now = now or timezone.now()
    held = not confirmed
    errors = booking_window_errors(studio=studio, starts_at=starts_at, ends_at=ends_at, now=now, held=held)
    if errors:
        raise ValidationError(errors)
    blocked_until = ends_at + timedelta(minutes=studio.changeover_minutes)
    if booking_conflicts(studio_id=studio.pk, starts_at=starts_at, blocked_until=blocked_until):
        raise _conflict(studio, starts_at, ends_at, blocked_until, now, held)
    booking = StudioBooking(
        studio=studio,
        enterprise=enterprise,
        session=session,
        starts_at=starts_at,
        ends_at=ends_at,
        blocked_until=blocked_until,
        state=StudioBooking.State.CONFIRMED if confirmed else StudioBooking.State.HELD,
        hold_expires_at=None if confirmed else hold_deadline(created=now, starts_at=starts_at),
        created_by=user,
    )
    booking.full_clean(validate_constraints=False)
    # Two transactions inserting overlapping rows at once can each wait for the other in the exclusion
    # check; PostgreSQL then aborts one of them as a deadlock. That one tries again: its second insert waits
    # for the winner to commit and then meets the constraint like any later request.
    for last_attempt in (False, True):
        try:
            # A savepoint, so that the transaction is still usable to look up the winner after a violation.
            with transaction.atomic():
                booking.save()
        except IntegrityError as exc:
            if not _is_overlap_violation(exc):
                raise
            raise _conflict(studio, starts_at, ends_at, blocked_until, now, held) from exc
        except OperationalError as exc:
            if last_attempt or not _is_deadlock(exc):
                raise
            continue
        return booking
    raise AssertionError("unreachable: the last attempt returns or raises")


def _transition(
    booking_ids: Iterable[int], from_states: Iterable[str], to_state: str, **extra: Any
) -> list[int]:
    """Conditional UPDATE per booking: only the rows still in one of from_states change; returns those."""
    changed = []
    for pk in booking_ids:
        if StudioBooking.objects.filter(pk=pk, state__in=from_states).update(state=to_state, **extra):
            changed.append(pk)
    return changed


@transaction.atomic
def studio_booking_confirm(*, booking: StudioBooking) -> bool:
    return bool(_transition([booking.pk], [StudioBooking.State.HELD], StudioBooking.State.CONFIRMED))


@transaction.atomic
def studio_booking_release(*, booking: StudioBooking, now: datetime | None = None) -> bool:
    """Free a held slot (its session was rejected, or not approved in time)."""
    now = now or timezone.now()
    return bool(
        _transition([booking.pk], [StudioBooking.State.HELD], StudioBooking.State.RELEASED, released_at=now)
    )


@transaction.atomic
def studio_booking_cancel(*, booking: StudioBooking, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return bool(
        _transition([booking.pk], StudioBooking.ACTIVE_STATES, StudioBooking.State.CANCELLED, released_at=now)
    )


@transaction.atomic
def studio_bookings_release_expired(*, now: datetime | None = None) -> list[int]:
    """Release every held slot whose deadline has passed without an approved session; tell the merchants.

    Each row changes by a conditional UPDATE, so a beat that fires twice or two workers release (and
    notify) once. Returns the ids this call released."""
    now = now or timezone.now()
    due = list(
        StudioBooking.objects.filter(state=StudioBooking.State.HELD, hold_expires_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    released = _transition(due, [StudioBooking.State.HELD], StudioBooking.State.RELEASED, released_at=now)
    if released:
        from livestreams.services.sales import notify_bookings_released

        notify_bookings_released(booking_ids=released)
    return released
