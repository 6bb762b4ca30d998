"""The dashboards' part of the demo: tally the history that the classes and sales seeders wrote, so that the
demo official's dashboard is fast from the first request (the Celery beat would do it within minutes)."""

from __future__ import annotations

from hub.demo import DemoContext

from .models import SessionTally
from .services import dashboards_invalidate, tallies_refresh


def seed(ctx: DemoContext) -> None:
    before = SessionTally.objects.count()
    while tallies_refresh():
        pass
    ctx.count("session tallies", SessionTally.objects.count() - before > 0)
    dashboards_invalidate()
