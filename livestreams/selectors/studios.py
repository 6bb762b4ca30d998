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
MIN_FREE = timedelta(minutes=30)  # the shortest booking (services.studios.MIN_BOOKING)


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


def _floor_to_step(moment: datetime) -> datetime:
    local = timezone.localtime(moment).replace(second=0, microsecond=0)
    return local - timedelta(seconds=(local.minute * 60) % int(SLOT_STEP.total_seconds()))


Busy = list[tuple[datetime, datetime]]  # (starts_at, blocked_until) of active bookings, by start


def _busy(studio_ids: list[int], start: datetime, end: datetime) -> dict[int, Busy]:
    """Active bookings' blocked ranges per studio that touch [start, end), in one query."""
    busy: dict[int, Busy] = {pk: [] for pk in studio_ids}
    rows = (
        StudioBooking.objects.filter(
            studio_id__in=studio_ids,
            state__in=StudioBooking.ACTIVE_STATES,
            blocked_until__gt=start,
            starts_at__lt=end,
        )
        .order_by("starts_at")
        .values_list("studio_id", "starts_at", "blocked_until")
    )
    for studio_id, starts_at, blocked_until in rows:
        busy[studio_id].append((starts_at, blocked_until))
    return busy


def free_stretches(
    studio: Studio, day: date, busy: Busy, *, not_before: datetime | None = None
) -> list[tuple[datetime, datetime]]:
    """The day's free stretches within opening hours: a booking may start at or after a stretch's start
    and must end by its end. A stretch ends a changeover gap before the next booking starts (a new booking
    needs its gap too), or at closing time."""
    opens, closes = _day_bounds(studio, day)
    gap = timedelta(minutes=studio.changeover_minutes)
    cursor = opens if not_before is None else max(opens, _ceil_to_step(not_before))
    free: list[tuple[datetime, datetime]] = []
    for starts_at, blocked_until in busy:
        if blocked_until <= cursor or starts_at >= closes + gap:
            continue
        if starts_at - gap > cursor:
            free.append((cursor, min(starts_at - gap, closes)))
        cursor = max(cursor, _ceil_to_step(blocked_until))
    if cursor < closes:
        free.append((cursor, closes))
    return [(s, e) for s, e in free if e > s]


def _candidates(
    stretch: tuple[datetime, datetime], duration: timedelta, gap: timedelta, around: datetime
) -> list[datetime]:
    """Starts of back-to-back slots in a free stretch, beginning with the one nearest to `around` and
    going outwards both ways (so that a long free stretch offers real alternatives, not overlapping ones)."""
    first = _ceil_to_step(stretch[0])
    last = _floor_to_step(stretch[1] - duration)
    if last < first:
        return []
    nearest = min(max(_floor_to_step(around), first), last)
    step = duration + gap
    starts = [nearest]
    t = nearest - step
    while t >= first and len(starts) < 6:
        starts.append(t)
        t -= step
    t = nearest + step
    while t <= last and len(starts) < 12:
        starts.append(t)
        t += step
    return starts


def studio_nearest_slots(
    *,
    studio: Studio,
    starts_at: datetime,
    duration: timedelta,
    not_before: datetime,
    count: int = 3,
    horizon_days: int = 7,
    busy: Busy | None = None,
) -> list[tuple[datetime, datetime]]:
    """The `count` free slots of `duration` on this studio nearest to the requested start, earlier or later,
    by distance in time, inside opening hours, never before `not_before`, keeping the changeover gap. The
    slots never overlap one another, so that each one is a real alternative."""
    if duration <= timedelta(0):
        return []
    gap = timedelta(minutes=studio.changeover_minutes)
    day0 = timezone.localdate(starts_at)
    first_day = max(day0 - timedelta(days=horizon_days), timezone.localdate(not_before))
    last_day = day0 + timedelta(days=horizon_days)
    if busy is None:
        window = (_day_bounds(studio, first_day)[0], _day_bounds(studio, last_day)[1] + gap)
        busy = _busy([studio.pk], *window)[studio.pk]
    candidates: list[datetime] = []
    day = first_day
    while day <= last_day:
        for stretch in free_stretches(studio, day, busy, not_before=not_before):
            candidates.extend(_candidates(stretch, duration, gap, starts_at))
        day += timedelta(days=1)
    candidates.sort(key=lambda t: (abs(t - starts_at), t))
    chosen: list[tuple[datetime, datetime]] = []
    for t in candidates:
        if all(t + duration + gap <= s or t >= e + gap for s, e in chosen):
            chosen.append((t, t + duration))
            if len(chosen) == count:
                break
    return sorted(chosen)


def nearest_slots_elsewhere(
    *, studio: Studio, starts_at: datetime, duration: timedelta, not_before: datetime, count: int = 3
) -> list[tuple[Studio, datetime, datetime]]:
    """The nearest free slots of the same length in the other open studios of the same building (one query
    for the studios, one for their bookings)."""
    others = list(
        Studio.objects.filter(building_id=studio.building_id, is_active=True)
        .exclude(pk=studio.pk)
        .order_by("name")
    )
    if not others:
        return []
    day0 = timezone.localdate(starts_at)
    start = timezone.make_aware(
        datetime.combine(day0 - timedelta(days=8), time.min), timezone.get_current_timezone()
    )
    busy = _busy([s.pk for s in others], start, start + timedelta(days=17))
    found: list[tuple[Studio, datetime, datetime]] = []
    for other in others:
        for s, e in studio_nearest_slots(
            studio=other,
            starts_at=starts_at,
            duration=duration,
            not_before=not_before,
            count=count,
            busy=busy[other.pk],
        ):
            found.append((other, s, e))
    found.sort(key=lambda x: (abs(x[1] - starts_at), x[1], x[0].name))
    return found[:count]


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
        busy = [(b.starts_at, b.blocked_until) for b in bookings]
        free = free_stretches(studio, day, busy, not_before=now)
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


# --- Availability of every studio ---------------------------------------------------------------------


@dataclass
class AvailabilityCell:
    """One studio on one day: busy stretches (with the changeover gap) and free ones, as times and as
    percentages of the opening hours for the bar."""

    day: date
    opens: datetime
    closes: datetime
    busy: list[tuple[datetime, datetime]]
    free: list[tuple[datetime, datetime]]

    def _pct(self, moment: datetime) -> float:
        span = (self.closes - self.opens).total_seconds()
        clamped = min(max(moment, self.opens), self.closes)
        return round(100 * (clamped - self.opens).total_seconds() / span, 2)

    @property
    def busy_bars(self) -> list[tuple[datetime, datetime, float, float]]:
        return [(s, e, self._pct(s), self._pct(e) - self._pct(s)) for s, e in self.busy]

    @property
    def is_full(self) -> bool:
        return not self.free


@dataclass
class StudioAvailability:
    studio: Studio
    bookable: bool
    cells: list[AvailabilityCell]


def studios_availability(*, user: User, first_day: date, days: int = 7) -> list[StudioAvailability]:
    """Free/busy per studio the user may see, per day, from first_day: two queries whatever the number of
    studios (studios, then every booking of the window). Free stretches shorter than MIN_FREE are left out,
    and the past is never free."""
    studios = list(studios_visible(user).filter(is_active=True).order_by("building__name", "name"))
    if not studios:
        return []
    bookable = merchant_building_ids(get_scope(user))
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(first_day, time.min), tz)
    busy = _busy([s.pk for s in studios], start, start + timedelta(days=days + 1))
    now = timezone.now()
    rows = []
    for studio in studios:
        cells = []
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            opens, closes = _day_bounds(studio, day)
            day_busy = [(s, e) for s, e in busy[studio.pk] if s < closes and e > opens]
            free = [
                (s, e)
                for s, e in free_stretches(studio, day, busy[studio.pk], not_before=now)
                if e - s >= MIN_FREE
            ]
            cells.append(AvailabilityCell(day=day, opens=opens, closes=closes, busy=day_busy, free=free))
        rows.append(StudioAvailability(studio=studio, bookable=studio.building_id in bookable, cells=cells))
    return rows
