"""Tasks of the Party-class area: ids in, re-fetch, call the service."""

from celery import shared_task


@shared_task(ignore_result=True)
def notify_branches_behind() -> int:
    from livestreams.services.classes import branches_behind_notify

    return branches_behind_notify()
