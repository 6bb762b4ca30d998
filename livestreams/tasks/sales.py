"""Periodic work of the sales area. Thin: the service does the work and guards against doing it twice."""

from celery import shared_task

from livestreams.services.sales import pending_images_cleanup as _pending_images_cleanup
from livestreams.services.sales_import import results_import_run
from livestreams.services.studios import studio_bookings_release_expired


@shared_task(ignore_result=True)
def release_expired_studio_holds() -> int:
    """Beat, every minute: free the held studio slots whose session was not approved by the deadline."""
    return len(studio_bookings_release_expired())


# acks_late off: a file that kills the worker must not be delivered again and again; the import's page
# shows a check that never finished as failed (livestreams.selectors.sales.results_import_get_for_user).
@shared_task(ignore_result=True, acks_late=False, soft_time_limit=60, time_limit=90)
def results_import_check(import_id: int) -> str:
    """Check an uploaded results file and import it when every row is valid."""
    return results_import_run(import_id=import_id)


@shared_task(ignore_result=True)
def pending_images_cleanup() -> int:
    """Beat, hourly: delete the product images kept for forms nobody came back to."""
    return _pending_images_cleanup()
