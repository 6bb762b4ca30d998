from celery import shared_task

from livestreams.services.interaction import likes_sweep as likes_sweep_service


@shared_task(ignore_result=True, time_limit=60, soft_time_limit=50)
def likes_sweep() -> int:
    """Add the likes whose coalesced flush was lost (its daphne process died) to the sessions' totals."""
    return likes_sweep_service()
