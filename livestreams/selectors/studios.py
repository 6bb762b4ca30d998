"""Reads of studios and their bookings: who may see which studio, conflicts, free slots, the week calendar."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from hub.models import User
from livestreams.models import Studio, StudioBooking
from partyorgs.models import Building, Enterprise, IncubatorTenant
from partyorgs.permissions import Scope, get_scope

SLOT_STEP = timedelta(minutes=5)


# --- Scope -------------------------------------------------------------------------------------------


def merchant_building_ids(scope: Scope) -> set[int]:
    """Buildings of the merchant's enterprises: where they sit, and the incubators they moved into."""
    if not scope.enterprise_ids:
        return set()
    ids = set(
        Enterprise.objects.filter(pk__in=scope.enterprise_ids, building__isnull=False).values_list(
            "building_id", flat=True
        )
    )
    ids |= set(
        IncubatorTenant.objects.filter(
            enterprise_id__in=scope.enterprise_ids, status=IncubatorTenant.Status.MOVED_IN
        ).values_list("incubator__building_id", flat=True)
    )
    return ids


def managed_buildings_q(scope: Scope, prefix: str = "") -> Q:
    """Buildings (or a relation to one, via prefix like 'building__') whose Party organization the user manages."""
    if scope.is_staff:
        return Q()
    if not scope.organizer_paths:
        return Q(pk__in=[])
    return scope.managed_orgs_q(f"{prefix}party_organization__")


def visible_buildings_q(scope: Scope, prefix: str = "") -> Q:
    if scope.is_staff:
        return Q()
    q = Q(**{f"{prefix}pk__in": []})
    if scope.organizer_paths:
        q |= managed_buildings_q(scope, prefix)
    if scope.region_ids:
        q |= Q(**{f"{prefix}region_id__in": scope.region_ids})
    if scope.enterprise_ids:
        q |= Q(**{f"{prefix}pk__in": merchant_building_ids(scope)})
    return q


def studios_visible(user: User) -> QuerySet[Studio]:
    scope = get_scope(user)
    return Studio.objects.filter(visible_buildings_q(scope, "building__")).select_related(
        "building", "building__party_organization"
    )


def studios_bookable(user: User) -> QuerySet[Studio]:
    """Studios a merchant may book: active ones in the buildings of their enterprises."""
    scope = get_scope(user)
    return (
        Studio.objects.filter(is_active=True, building_id__in=merchant_building_ids(scope))
        .select_related("building")
        .order_by("building__name", "name")
    )


def buildings_managed(user: User) -> QuerySet[Building]:
    return Building.objects.filter(managed_buildings_q(get_scope(user))).order_by("name")


def can_manage_studio(user: User, studio: Studio) -> bool:
    scope = get_scope(user)
    if scope.is_staff:
        return True
    org = studio.building.party_organization
    return org is not None and scope.manages_org_path(org.path)


def can_book_studio(user: User, studio: Studio) -> bool:
    """Only merchants book: an active studio of a building where one of their enterprises sits, or has moved
    into an incubator."""
    return studio.is_active and studio.building_id in merchant_building_ids(get_scope(user))


def get_studio_for_user(user: User, pk: int) -> tuple[Studio, bool]:
    """(studio, can_manage) for a studio the user may see; 404 for anything else."""
    studio = studios_visible(user).filter(pk=pk).first()
    if studio is None:
        raise Http404
    return studio, can_manage_studio(user, studio)


# --- Conflicts and free slots -----------------------------------------------------------------------


def booking_conflicts(
    *, studio_id: int, starts_at: datetime, blocked_until: datetime, exclude_pk: int | None = None
) -> list[StudioBooking]:
    """Active bookings whose blocked range [starts_at, blocked_until) overlaps the given one."""
    qs = StudioBooking.objects.filter(
        studio_id=studio_id,
        state__in=StudioBooking.ACTIVE_STATES,
        starts_at__lt=blocked_until,
        blocked_until__gt=starts_at,
    ).select_related("enterprise", "session")
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs.order_by("starts_at"))


def _ceil_to_step(moment: datetime) -> datetime:
    local = timezone.localtime(moment).replace(second=0, microsecond=0)
    if local < timezone.localtime(moment):
        local += timedelta(minutes=1)
    remainder = (local.minute * 60) % int(SLOT_STEP.total_seconds())
    if remainder:
        local += SLOT_STEP - timedelta(seconds=remainder)
    return local


def _day_bounds(studio: Studio, day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(day, studio.opens_at), tz),
        timezone.make_aware(datetime.combine(day, studio.closes_at), tz),
    )


def studio_free_slots(
    *,
    studio: Studio,
    duration: timedelta,
    after: datetime,
    count: int = 3,
    horizon_days: int = 14,
) -> list[tuple[datetime, datetime]]:
    """The next `count` free slots of `duration` from `after` on, inside opening hours, keeping the
    changeover gap after each booking and after the suggested slot. Back-to-back options, not overlapping
    ones, so that each suggestion is a real alternative."""
    if duration <= timedelta(0):
        return []
    gap = timedelta(minutes=studio.changeover_minutes)
    start_day = timezone.localdate(after)
    horizon_end = timezone.make_aware(
        datetime.combine(start_day + timedelta(days=horizon_days + 1), time.min),
        timezone.get_current_timezone(),
    )
    busy = list(
        StudioBooking.objects.filter(
            studio=studio,
            state__in=StudioBooking.ACTIVE_STATES,
            blocked_until__gt=after,
            starts_at__lt=horizon_end,
        )
        .order_by("starts_at")
        .values_list("starts_at", "blocked_until")
    )
    found: list[tuple[datetime, datetime]] = []
    for offset in range(horizon_days + 1):
        opens, closes = _day_bounds(studio, start_day + timedelta(days=offset))
        t = _ceil_to_step(max(opens, after))
        while t + duration <= closes:
            end = t + duration
            blocker = next((b for b in busy if b[0] < end + gap and b[1] > t), None)
            if blocker is None:
                found.append((t, end))
                if len(found) == count:
                    return found
                t = _ceil_to_step(end + gap)
            else:
                t = _ceil_to_step(blocker[1])
    return found


# --- The week calendar ------------------------------------------------------------------------------


@dataclass
class CalendarEntry:
    booking: StudioBooking
    starts_at: datetime
    ends_at: datetime
    blocked_until: datetime
    own: bool  # the viewer may see the details (their enterprise's booking, or a manager)


@dataclass
class CalendarDay:
    day: date
    opens: datetime
    closes: datetime
    entries: list[CalendarEntry] = field(default_factory=list)
    free: list[tuple[datetime, datetime]] = field(default_factory=list)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def studio_week(*, studio: Studio, user: User, first_day: date, can_manage: bool) -> list[CalendarDay]:
    """Seven days from first_day: each day's bookings and the free stretches between them."""
    scope = get_scope(user)
    days = [first_day + timedelta(days=i) for i in range(7)]
    window_start, _ = _day_bounds(studio, days[0])
    _, window_end = _day_bounds(studio, days[-1])
    bookings = list(
        StudioBooking.objects.filter(
            studio=studio,
            state__in=StudioBooking.ACTIVE_STATES,
            starts_at__lt=window_end,
            blocked_until__gt=window_start,
        )
        .select_related("enterprise", "session")
        .order_by("starts_at")
    )
    now = timezone.now()
    calendar = []
    for day in days:
        opens, closes = _day_bounds(studio, day)
        entry_list = [
            CalendarEntry(
                booking=b,
                starts_at=b.starts_at,
                ends_at=b.ends_at,
                blocked_until=b.blocked_until,
                own=can_manage or b.enterprise_id in scope.enterprise_ids,
            )
            for b in bookings
            if timezone.localdate(b.starts_at) == day
        ]
        # A new booking needs the changeover gap before the next one too, so a free stretch ends a gap
        # before the next booking starts (but may run to closing time).
        gap = timedelta(minutes=studio.changeover_minutes)
        free = []
        cursor = max(opens, _ceil_to_step(now))
        for b in bookings:
            if b.blocked_until <= cursor or b.starts_at >= closes + gap:
                continue
            if b.starts_at - gap > cursor:
                free.append((cursor, min(b.starts_at - gap, closes)))
            cursor = max(cursor, b.blocked_until)
        if cursor < closes:
            free.append((cursor, closes))
        calendar.append(
            CalendarDay(
                day=day,
                opens=opens,
                closes=closes,
                entries=entry_list,
                free=[(s, e) for s, e in free if e - s >= timedelta(minutes=30)],
            )
        )
    return calendar
