"""Background work of the registry. Thin: the service does the work and guards against doing it twice."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from hub.import_jobs import import_jobs_cleanup
from partyorgs.models import RosterImport
from partyorgs.roster_import import roster_import_run
from partyorgs.selectors import ROSTER_IMPORT_STALE_AFTER


# acks_late off, as for the results import: a file that kills the worker must not be delivered again and
# again; the import's page shows a check that never finished as failed (selectors.roster_import_get_for_user).
@shared_task(ignore_result=True, acks_late=False, soft_time_limit=60, time_limit=90)
def roster_import_check(import_id: int) -> str:
    """Check an uploaded roster file and apply it when every row is valid."""
    return roster_import_run(import_id=import_id)


@shared_task(ignore_result=True)
def roster_imports_cleanup() -> dict[str, int]:
    """Beat, daily: interrupted checks end as failed (their file dropped), old finished imports go."""
    return import_jobs_cleanup(
        RosterImport,
        stale_after=ROSTER_IMPORT_STALE_AFTER,
        keep_for=timedelta(days=settings.HUB_IMPORT_KEEP_DAYS),
    )
