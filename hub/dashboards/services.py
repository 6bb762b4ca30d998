"""The dashboard's cache: each section of each filter is computed once and kept in Redis for a few minutes.

Celery beat recomputes the default dashboard of every official's scope (and of hub staff) ahead of expiry,
so the page that officials open most is always served from the cache; other filters are computed on the
first request and then cached. dashboards_invalidate() makes every cached section stale at once (one
counter in the key), which the tests and the demo seeding use.
"""

from __future__ import annotations

from datetime import date

from django.core.cache import cache
from django.utils import timezone

from hub.models import Role, User
from hub.permissions import get_scope

from .filters import DashboardFilter, default_filter, scope_region_ids
from .selectors import SECTIONS

CACHE_SECONDS = 5 * 60
GENERATION_KEY = "dashboards:generation"


def _generation() -> int:
    return cache.get_or_set(GENERATION_KEY, 1, timeout=None)


def section_key(name: str, f: DashboardFilter, generation: int) -> str:
    return f"dashboards:{generation}:{name}:{f.key()}"


def dashboard_section(name: str, f: DashboardFilter, *, refresh: bool = False) -> dict:
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
