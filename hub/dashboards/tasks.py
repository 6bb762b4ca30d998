from celery import shared_task

from hub.dashboards.services import dashboards_refresh


@shared_task(ignore_result=True, soft_time_limit=100, time_limit=110)
def refresh_dashboards() -> int:
    """Beat runs this every two minutes; a run that overlaps the next one only computes the same figures."""
    return dashboards_refresh()
