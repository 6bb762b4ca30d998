from celery import shared_task

from livestreams.services.room import presence_sweep


@shared_task(ignore_result=True, time_limit=60, soft_time_limit=50)
def sweep_presence() -> dict:
    """Close the presence records of people whose heartbeats stopped (a crashed daphne, a lost network)."""
    return presence_sweep()
