"""Beat tasks of the reminder rows: arm them from the sessions' state, send the due ones."""

from celery import shared_task

from livestreams.services.reminders import reminders_arm, reminders_send_due


@shared_task(ignore_result=True)
def arm_reminders() -> dict:
    return reminders_arm()


@shared_task(ignore_result=True)
def send_due_reminders() -> int:
    return reminders_send_due()
