"""Tasks of the Party-class area: ids in, re-fetch, call the service."""

from celery import shared_task

from livestreams.services.classes import class_change_email


@shared_task(ignore_result=True)
def email_class_change(
    session_id: int, change: str, user_ids: list[int], count: int = 1, reason: str = ""
) -> int:
    return class_change_email(
        session_id=session_id, change=change, user_ids=user_ids, count=count, reason=reason
    )


@shared_task(ignore_result=True)
def notify_branches_behind() -> int:
    from livestreams.services.classes import branches_behind_notify

    return branches_behind_notify()
