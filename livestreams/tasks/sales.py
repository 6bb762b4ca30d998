"""Periodic work of the sales area. Thin: the service does the work and guards against doing it twice."""

from celery import shared_task

from livestreams.services.studios import studio_bookings_release_expired


@shared_task(ignore_result=True)
def release_expired_studio_holds() -> int:
    """Beat, every minute: free the held studio slots whose session was not approved by the deadline."""
    return len(studio_bookings_release_expired())
