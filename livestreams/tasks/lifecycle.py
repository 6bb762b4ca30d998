"""Beat task that moves every kind of live session through its lifecycle on time."""

from celery import shared_task

from livestreams.services.lifecycle import sessions_advance


@shared_task(ignore_result=True)
def advance_sessions() -> dict:
    done = sessions_advance()
    return {"started": done.started, "ended": done.ended}
