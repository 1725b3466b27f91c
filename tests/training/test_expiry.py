"""Expiry: completed on plus the course's validity in calendar months, clamped to month end,
current through its expiry day; the matrix statuses at their exact boundaries."""

from datetime import date, timedelta

import pytest

from training.expiry import TrainingStatus, expires_on, is_current, status_on


@pytest.mark.parametrize(
    ("completed", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # into a short month
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # into a leap February
        (date(2028, 2, 29), 12, date(2029, 2, 28)),  # a leap day a year on
        (date(2028, 2, 29), 48, date(2032, 2, 29)),  # four years on: a leap day again
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 3, 4), 12, date(2027, 3, 4)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
    ],
)
def test_expiry_counts_calendar_months_clamped_to_month_end(completed, months, expected):
    assert expires_on(completed, months) == expected


def test_a_course_without_validity_never_expires():
    assert expires_on(date(2026, 1, 1), None) is None
    assert status_on(None, date(2099, 1, 1)) == TrainingStatus.CURRENT


def test_training_is_current_through_its_expiry_day_and_expired_the_day_after():
    expiry = date(2026, 3, 31)
    assert is_current(expiry, expiry)
    assert not is_current(expiry, expiry + timedelta(days=1))
    assert status_on(expiry, expiry) == TrainingStatus.EXPIRING
    assert status_on(expiry, expiry + timedelta(days=1)) == TrainingStatus.EXPIRED


def test_expiring_means_within_30_days_of_the_expiry():
    expiry = date(2026, 4, 30)
    assert status_on(expiry, expiry - timedelta(days=31)) == TrainingStatus.CURRENT
    assert status_on(expiry, expiry - timedelta(days=30)) == TrainingStatus.EXPIRING


def test_nothing_held_is_missing():
    assert status_on(None, date(2026, 3, 4), held=False) == TrainingStatus.MISSING
