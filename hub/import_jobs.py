"""The one way an uploaded file is checked, and imported when every row is valid, in the background: the sales
results import (livestreams.services.sales_import) and the roster import (partyorgs.roster_import).

A job is a model row with the fields both share (state with QUEUED/CHECKING/IMPORTED/REFUSED/FAILED, user,
file_name, content, language, rows_checked, rows_total, problem_count, problems, finished_at).
`import_job_run` claims a queued row with a conditional UPDATE (a second delivery of the task does nothing),
checks the file in the uploader's language while the row shows the progress, then in one transaction either
keeps the problems (nothing is imported) or lets the area write every row; whatever happens the job ends in a
final state and its file is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def import_job_run(
    *,
    model: Any,
    import_id: int,
    check: Callable[[Any, Progress], Any],
    apply: Callable[[Any, Any], dict[str, Any]],
    max_problems: int,
) -> str:
    """Run a queued job: `check(job, progress)` returns an outcome with `.problems` (each with row, column,
    message); when there are none `apply(job, outcome)` writes the rows and returns the job's fields to set
    (e.g. {"imported": 12}). A ValidationError from `apply` (something changed between the check and the
    writing) refuses the import with its message. Returns the final state ("" when the job was not queued)."""
    S = model.State
    if not model.objects.filter(pk=import_id, state=S.QUEUED).update(state=S.CHECKING):
        return ""
    job = model.objects.select_related("user").get(pk=import_id)

    def progress(checked: int, total: int) -> None:
        model.objects.filter(pk=import_id).update(rows_checked=checked, rows_total=total)

    try:
        with translation.override(job.language or None):
            outcome = check(job, progress)
            problems = [{"row": p.row, "column": p.column, "message": p.message} for p in outcome.problems]
            try:
                return _finish(model, job, problems, lambda: apply(job, outcome), max_problems)
            except ValidationError as exc:
                problems = [{"row": 0, "column": "", "message": " ".join(exc.messages)}]
                return _finish(model, job, problems, lambda: {}, max_problems)
    except Exception:
        logger.exception("%s %s failed", model.__name__, import_id)
        model.objects.filter(pk=import_id).update(state=S.FAILED, content=b"", finished_at=timezone.now())
        return str(S.FAILED)


@transaction.atomic
def _finish(
    model: Any,
    job: Any,
    problems: list[dict[str, Any]],
    apply: Callable[[], dict[str, Any]],
    max_problems: int,
) -> str:
    S = model.State
    fields: dict[str, Any] = {"content": b"", "finished_at": timezone.now()}
    if problems:
        state = S.REFUSED
        fields.update(state=state, problem_count=len(problems), problems=problems[:max_problems])
    else:
        state = S.IMPORTED
        fields.update(state=state, **apply())
    model.objects.filter(pk=job.pk).update(**fields)
    return str(state)


def import_jobs_cleanup(model: Any, *, stale_after: timedelta, keep_for: timedelta) -> dict[str, int]:
    """Daily housekeeping of one kind of job: a check that never finished (its worker was killed by the file)
    is marked failed and its file dropped, as its page already shows it; finished jobs older than `keep_for`
    are deleted, with the problems they list (names and numbers from the uploaded rows).

    Returns {"failed": n, "deleted": n}. Idempotent: a second run the same day finds nothing to do."""
    S = model.State
    now = timezone.now()
    failed = model.objects.filter(state__in=(S.QUEUED, S.CHECKING), created_at__lt=now - stale_after).update(
        state=S.FAILED, content=b"", finished_at=now
    )
    deleted, _by_model = model.objects.filter(
        state__in=(S.IMPORTED, S.REFUSED, S.FAILED), created_at__lt=now - keep_for
    ).delete()
    return {"failed": failed, "deleted": deleted}
