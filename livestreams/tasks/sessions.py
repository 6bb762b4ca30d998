from celery import shared_task

from livestreams.services.sessions import session_end, session_start


@shared_task(ignore_result=True)
def start_session(session_id: int) -> bool:
    return session_start(session_id=session_id)


@shared_task(ignore_result=True)
def end_session(session_id: int) -> bool:
    return session_end(session_id=session_id)
