from celery import shared_task

from hub.dashboards.services import dashboards_refresh, tallies_refresh


@shared_task(ignore_result=True, soft_time_limit=100, time_limit=110)
def refresh_dashboards() -> int:
    """Beat runs this every two minutes: tally the sessions that ended, then recompute the default
    dashboard of every official. A run that overlaps the next one only computes the same figures."""
    tallies_refresh()
    return dashboards_refresh()
