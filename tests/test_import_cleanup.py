"""The daily clean-up of background imports: an interrupted check ends as failed with its file dropped, and
finished imports (whose problem lists quote the uploaded rows) are deleted after HUB_IMPORT_KEEP_DAYS."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from livestreams.models import ResultsImport
from livestreams.tasks.sales import results_imports_cleanup
from partyorgs.models import RosterImport
from partyorgs.tasks import roster_imports_cleanup

pytestmark = pytest.mark.django_db


def _aged(model, age: timedelta, **fields):
    job = model.objects.create(file_name="f.xlsx", content=b"PK\x03\x04 rows", **fields)
    model.objects.filter(pk=job.pk).update(created_at=timezone.now() - age)
    return job


@pytest.fixture(params=["results", "roster"])
def kind(request, world, merchant, organizer):
    if request.param == "results":
        return ResultsImport, results_imports_cleanup, {"user": merchant}
    return RosterImport, roster_imports_cleanup, {"user": organizer, "branch": world.branch_a}


def test_it_fails_interrupted_checks_and_deletes_old_finished_imports(kind, settings):
    model, task, owner = kind
    S = model.State
    settings.HUB_IMPORT_KEEP_DAYS = 90
    stuck_checking = _aged(model, timedelta(hours=1), state=S.CHECKING, **owner)
    stuck_queued = _aged(model, timedelta(hours=1), state=S.QUEUED, **owner)
    running = _aged(model, timedelta(seconds=20), state=S.CHECKING, **owner)
    recent_done = _aged(model, timedelta(days=89), state=S.IMPORTED, **owner)
    old = [
        _aged(model, timedelta(days=91), state=state, **owner) for state in (S.IMPORTED, S.REFUSED, S.FAILED)
    ]

    assert task() == {"failed": 2, "deleted": 3}

    for job in (stuck_checking, stuck_queued):
        job.refresh_from_db()
        assert job.state == S.FAILED and bytes(job.content) == b"" and job.finished_at is not None
    running.refresh_from_db()
    assert running.state == S.CHECKING and bytes(running.content) != b""  # still being checked: left alone
    assert model.objects.filter(pk=recent_done.pk).exists()
    assert not model.objects.filter(pk__in=[j.pk for j in old]).exists()
    # The failed ones are now finished, and young: a second run the same day has nothing to do.
    assert task() == {"failed": 0, "deleted": 0}


def test_the_clean_up_runs_daily_on_beat():
    for name, task in (
        ("sales-results-imports-cleanup", "livestreams.tasks.sales.results_imports_cleanup"),
        ("orgs-roster-imports-cleanup", "partyorgs.tasks.roster_imports_cleanup"),
    ):
        entry = settings.CELERY_BEAT_SCHEDULE[name]
        assert entry["task"] == task
        assert entry["schedule"].hour == {4}
