"""Background work of the registry. Thin: the service does the work and guards against doing it twice."""

from celery import shared_task

from partyorgs.roster_import import roster_import_run


# acks_late off, as for the results import: a file that kills the worker must not be delivered again and
# again; the import's page shows a check that never finished as failed (selectors.roster_import_get_for_user).
@shared_task(ignore_result=True, acks_late=False, soft_time_limit=60, time_limit=90)
def roster_import_check(import_id: int) -> str:
    """Check an uploaded roster file and apply it when every row is valid."""
    return roster_import_run(import_id=import_id)
