"""Recurrence expansion: weekly and monthly occurrences at the same local wall-clock time."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from livestreams.models import ClassSeries
from livestreams.services.classes import MAX_OCCURRENCES, expand_recurrence
from tests.classes_helpers import local

W, M = ClassSeries.Frequency.WEEKLY, ClassSeries.Frequency.MONTHLY


def test_it_repeats_weekly_through_the_until_date_inclusive():
    start = local(2026, 3, 4, 19, 30)
    got = expand_recurrence(
        starts_at=start, ends_at=start + timedelta(minutes=90), frequency=W, until=date(2026, 3, 25)
    )
    assert [s for s, _e in got] == [local(2026, 3, d, 19, 30) for d in (4, 11, 18, 25)]
    assert all(e - s == timedelta(minutes=90) for s, e in got)


def test_it_repeats_monthly_on_the_same_day_and_time():
    start = local(2026, 1, 15, 9, 0)
    got = expand_recurrence(
        starts_at=start, ends_at=start + timedelta(hours=2), frequency=M, until=date(2026, 4, 30)
    )
    assert [s for s, _e in got] == [local(2026, m, 15, 9, 0) for m in (1, 2, 3, 4)]


def test_a_monthly_class_on_the_31st_skips_months_without_one():
    start = local(2026, 1, 31, 19, 0)
    got = expand_recurrence(
        starts_at=start, ends_at=start + timedelta(hours=1), frequency=M, until=date(2026, 6, 30)
    )
    assert [s.date() for s, _e in got] == [date(2026, 1, 31), date(2026, 3, 31), date(2026, 5, 31)]


def test_the_first_class_counts_even_when_until_is_its_own_day():
    start = local(2026, 3, 4, 19, 30)
    got = expand_recurrence(
        starts_at=start, ends_at=start + timedelta(hours=1), frequency=W, until=date(2026, 3, 4)
    )
    assert got == [(start, start + timedelta(hours=1))]


def test_it_refuses_an_until_date_before_the_first_class():
    start = local(2026, 3, 4, 19, 30)
    with pytest.raises(ValidationError) as exc:
        expand_recurrence(
            starts_at=start, ends_at=start + timedelta(hours=1), frequency=W, until=date(2026, 3, 1)
        )
    assert "until" in exc.value.message_dict


def test_it_refuses_more_than_the_maximum_number_of_occurrences():
    start = local(2026, 1, 1, 8, 0)
    with pytest.raises(ValidationError) as exc:
        expand_recurrence(
            starts_at=start, ends_at=start + timedelta(hours=1), frequency=W, until=date(2028, 1, 1)
        )
    assert str(MAX_OCCURRENCES) in exc.value.message_dict["until"][0]


def test_it_refuses_an_unknown_frequency():
    start = local(2026, 1, 1, 8, 0)
    with pytest.raises(ValidationError):
        expand_recurrence(
            starts_at=start, ends_at=start + timedelta(hours=1), frequency="daily", until=date(2026, 2, 1)
        )
