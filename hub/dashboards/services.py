"""The dashboard's cache: each section of each filter is computed once and kept in Redis for a few minutes.

Celery beat recomputes the default dashboard of every official's scope (and of hub staff) ahead of expiry,
so the page that officials open most is always served from the cache; other filters are computed on the
first request and then cached. dashboards_invalidate() makes every cached section stale at once (one
counter in the key), which the tests and the demo seeding use.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from hub.models import User
from livestreams.models import Attendance, LiveSession, PresenceInterval
from partyorgs.models import Role
from partyorgs.permissions import get_scope

from .filters import DashboardFilter, default_filter, scope_region_ids
from .models import BranchAttendanceTally, SessionTally
from .selectors import SECTIONS

CACHE_SECONDS = 5 * 60
GENERATION_KEY = "dashboards:generation"
# A session is tallied this long after its end, when the room has closed every presence interval and the
# classes work has written the attendance records.
TALLY_DELAY = timedelta(minutes=5)
# Attendance can still be corrected after a class (an excuse recorded late): recent classes are recounted.
RECOUNT = timedelta(days=30)
TALLY_BATCH = 2000


def _generation() -> int:
    # get_or_set with a default never answers None here; the stubs can't know that.
    return int(cache.get_or_set(GENERATION_KEY, 1, timeout=None) or 1)


def section_key(name: str, f: DashboardFilter, generation: int) -> str:
    return f"dashboards:{generation}:{name}:{f.key()}"


def dashboard_section(name: str, f: DashboardFilter, *, refresh: bool = False) -> dict[str, Any]:
    """{"data": ..., "computed_at": iso datetime} of one section, from the cache unless refresh is asked."""
    key = section_key(name, f, _generation())
    payload = None if refresh else cache.get(key)
    if payload is None:
        compute = SECTIONS[name][1]
        payload = {"data": compute(f), "computed_at": timezone.now().isoformat()}
        cache.set(key, payload, CACHE_SECONDS)
    return payload


def dashboards_invalidate() -> None:
    """Every cached section becomes stale (the next request computes it again)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, timeout=None)


def default_scopes() -> set[tuple[int, ...] | None]:
    """The scopes whose default dashboard someone opens: each official's, and the staff's (everything)."""
    scopes: set[tuple[int, ...] | None] = set()
    officials = User.objects.filter(is_active=True, roles__kind=Role.Kind.OFFICIAL).distinct()
    for user in officials:
        scopes.add(scope_region_ids(get_scope(user)))
    if User.objects.filter(is_active=True, is_staff=True).exists():
        scopes.add(None)
    return scopes


def dashboards_refresh(*, today: date | None = None) -> int:
    """Recompute and cache every section of the default dashboard of every scope; returns how many scopes."""
    scopes = default_scopes()
    for region_ids in scopes:
        f = default_filter(region_ids, today)
        for name in SECTIONS:
            dashboard_section(name, f, refresh=True)
    return len(scopes)


def _tally_viewers(session_ids: list[int], now: datetime) -> None:
    viewers = dict(
        PresenceInterval.objects.filter(session_id__in=session_ids)
        .order_by()
        .values("session_id")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("session_id", "n")
    )
    SessionTally.objects.bulk_create(
        [SessionTally(session_id=sid, viewers=viewers.get(sid, 0), counted_at=now) for sid in session_ids],
        ignore_conflicts=True,
    )


def _tally_attendance(session_ids: list[int]) -> None:
    """Upsert one row per (class, branch); rows of branches no longer in the records go. Rows that did not
    change keep their ids, so the recount of recent classes on every beat run writes nothing new."""
    groups = list(
        Attendance.objects.filter(session_id__in=session_ids)
        .order_by()
        .values("session_id", "member__branch_id")
        .annotate(
            n_records=Count("id"),
            n_attended=Count("id", filter=Q(attended=True)),
            n_excused=Count("id", filter=Q(attended=False, excused=True)),
        )
    )
    keep = {(g["session_id"], g["member__branch_id"]) for g in groups}
    stale = [
        pk
        for pk, sid, bid in BranchAttendanceTally.objects.filter(session_id__in=session_ids).values_list(
            "pk", "session_id", "branch_id"
        )
        if (sid, bid) not in keep
    ]
    if stale:
        BranchAttendanceTally.objects.filter(pk__in=stale).delete()
    BranchAttendanceTally.objects.bulk_create(
        [
            BranchAttendanceTally(
                session_id=g["session_id"],
                branch_id=g["member__branch_id"],
                records=g["n_records"],
                attended=g["n_attended"],
                excused=g["n_excused"],
            )
            for g in groups
        ],
        update_conflicts=True,
        unique_fields=["session", "branch"],
        update_fields=["records", "attended", "excused"],
    )


@transaction.atomic
def tallies_refresh(*, now: datetime | None = None, batch: int = TALLY_BATCH) -> int:
    """Tally up to `batch` sessions that ended at least TALLY_DELAY ago and have no tally yet, and recount
    the attendance of the Party classes of the last RECOUNT days. Returns how many sessions were new.

    Safe to run twice at once: a tally is one row per session (or per class and branch), inserted with
    ignore_conflicts, and two runs count the same records.
    """
    now = now or timezone.now()
    cutoff = now - TALLY_DELAY
    ended = LiveSession.objects.filter(status=LiveSession.Status.ENDED, ended_at__lt=cutoff)
    new_ids = list(
        ended.filter(dashboard_tally__isnull=True)
        .order_by("ended_at", "id")
        .values_list("id", flat=True)[:batch]
    )
    recount_ids = list(
        ended.filter(
            kind=LiveSession.Kind.PARTY_CLASS, ended_at__gte=now - RECOUNT, dashboard_tally__isnull=False
        ).values_list("id", flat=True)
    )
    if new_ids:
        _tally_viewers(new_ids, now)
    if new_ids or recount_ids:
        _tally_attendance(new_ids + recount_ids)
    return len(new_ids)


@transaction.atomic
def attendance_recount(*, session_id: int) -> None:
    """For the classes work: the attendance of a class was corrected after it ended; count it again.

    Only a tallied class has branch tallies (the dashboards count the others from the records), so a class
    not tallied yet is left to tallies_refresh."""
    if SessionTally.objects.filter(session_id=session_id).exists():
        _tally_attendance([session_id])
