"""Tasks of the meeting records: thin, idempotent (the service keeps one reminder row per branch and quarter)."""

from celery import shared_task

from livestreams.services.meetings import meeting_plan_remind as remind


@shared_task(ignore_result=True)
def meeting_plan_remind() -> int:
    return remind()
