"""Two connections book the same studio slot at once: exactly one wins.

PostgreSQL: the exclusion constraint studio_booking_no_overlap refuses the second row even when both
requests passed the service's own check. SQLite: each write transaction begins IMMEDIATE, so the second
request's check runs after the first one committed. Both tests run on both backends, each with its own
mechanism; threads get their own database connections.
"""

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from livestreams.models import StudioBooking
from livestreams.services.studios import StudioConflict, studio_book
from tests.sales_helpers import local
from tests.support import wait_until

pytest_plugins = ["tests.sales_fixtures"]
pytestmark = pytest.mark.django_db(transaction=True)


def _in_thread(target, results, key):
    def run():
        try:
            results[key] = target()
        except Exception as exc:  # the outcome is what the test asserts
            results[key] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_exactly_one_of_two_simultaneous_bookings_wins(world, studio, merchant):
    barrier = threading.Barrier(2)

    def attempt():
        barrier.wait(timeout=10)
        return studio_book(
            studio=studio,
            enterprise=world.enterprise_a,
            starts_at=local(3, 10),
            ends_at=local(3, 12),
            user=merchant,
        )

    results = {}
    threads = [_in_thread(attempt, results, n) for n in (1, 2)]
    for t in threads:
        t.join(timeout=60)
    outcomes = list(results.values())
    winners = [o for o in outcomes if isinstance(o, StudioBooking)]
    losers = [o for o in outcomes if isinstance(o, StudioConflict)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert losers[0].blocking == [winners[0]]
    assert losers[0].suggestions  # the loser is offered the next free slots
    assert StudioBooking.objects.filter(studio=studio).count() == 1


def _backend_pid_waiting_on_a_lock(pid) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


def test_a_booking_racing_an_uncommitted_one_loses_once_that_commits(world, studio, merchant):
    """The first booking is written but not yet committed when the second one is checked: the second
    cannot see it, so only the database can stop it."""
    first_written = threading.Event()
    second_started = threading.Event()
    release_first = threading.Event()
    results = {}
    second_pid = {}

    def first():
        with transaction.atomic():
            booking = studio_book(
                studio=studio, enterprise=world.enterprise_a, starts_at=local(3, 10), ends_at=local(3, 12)
            )
            first_written.set()
            release_first.wait(timeout=30)
        return booking

    def second():
        first_written.wait(timeout=30)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                second_pid["pid"] = cursor.fetchone()[0]
        second_started.set()
        # Overlaps the first by an hour; its own check cannot see the uncommitted row on PostgreSQL.
        return studio_book(
            studio=studio, enterprise=world.enterprise_a, starts_at=local(3, 11), ends_at=local(3, 13)
        )

    t1 = _in_thread(first, results, "first")
    t2 = _in_thread(second, results, "second")
    assert second_started.wait(timeout=30)
    if connection.vendor == "postgresql":
        # The second INSERT waits on the first one's entry in the exclusion index.
        wait_until(
            lambda: _backend_pid_waiting_on_a_lock(second_pid["pid"]),
            timeout=20,
            message="the second booking to wait on the first one's lock",
        )
    release_first.set()
    t1.join(timeout=60)
    t2.join(timeout=60)

    assert isinstance(results["first"], StudioBooking), results
    loser = results["second"]
    assert isinstance(loser, StudioConflict), results
    assert loser.blocking == [results["first"]]
    if connection.vendor == "postgresql":
        # It was the constraint, not the service's check, that refused the row.
        assert isinstance(loser.__cause__, IntegrityError)
    assert StudioBooking.objects.filter(studio=studio).count() == 1


def test_the_database_itself_refuses_an_overlapping_row_on_postgresql_and_the_service_on_sqlite(
    world, studio
):
    """Writing around the service: PostgreSQL's constraint still refuses the row; SQLite has no such
    constraint, which is why every booking there goes through studio_book inside one transaction."""
    first = studio_book(
        studio=studio, enterprise=world.enterprise_a, starts_at=local(3, 10), ends_at=local(3, 12)
    )
    row = StudioBooking(
        studio=studio,
        enterprise=world.enterprise_a,
        starts_at=local(3, 11),
        ends_at=local(3, 12),
        blocked_until=local(3, 12, 30),
        state=StudioBooking.State.HELD,
    )
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError, match="studio_booking_no_overlap"), transaction.atomic():
            row.save()
        assert StudioBooking.objects.count() == 1
    else:
        with pytest.raises(StudioConflict) as caught:
            studio_book(
                studio=studio, enterprise=world.enterprise_a, starts_at=row.starts_at, ends_at=row.ends_at
            )
        assert caught.value.blocking == [first]
    # A released row does not count: the constraint (and the check) cover held and confirmed bookings only.
    StudioBooking.objects.filter(pk=first.pk).update(state=StudioBooking.State.RELEASED)
    row.save()
    assert StudioBooking.objects.filter(state=StudioBooking.State.HELD).count() == 1
