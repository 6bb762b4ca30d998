"""Periodic work of the sales area. Thin: the service does the work and guards against doing it twice."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from hub.import_jobs import import_jobs_cleanup
from livestreams.models import ResultsImport
from livestreams.selectors.sales import IMPORT_STALE_AFTER
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


@shared_task(ignore_result=True)
def results_imports_cleanup() -> dict[str, int]:
    """Beat, daily: interrupted checks end as failed (their file dropped), old finished imports go."""
    return import_jobs_cleanup(
        ResultsImport, stale_after=IMPORT_STALE_AFTER, keep_for=timedelta(days=settings.HUB_IMPORT_KEEP_DAYS)
    )
