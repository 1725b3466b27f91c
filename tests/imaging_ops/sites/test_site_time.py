"""A site's own time: its today, the bounds of its days, its clinical days and opening hours.

Alpha (site_a) is in America/New_York. In 2026 its clocks go forward at 02:00 on 8 March (EST,
UTC-05:00, to EDT, UTC-04:00) and back at 02:00 on 1 November.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from imaging_ops.models.sites import CLOSES_AFTER_OPENING, validate_opening_hours
from tests import factories

pytestmark = pytest.mark.django_db


def today_at(site, moment: datetime) -> date:
    with time_machine.travel(moment, tick=False):
        return site.today(timezone.now())


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # A winter midnight is 05:00 UTC.
        (datetime(2026, 1, 15, 4, 59, 59, tzinfo=UTC), date(2026, 1, 14)),
        (datetime(2026, 1, 15, 5, 0, tzinfo=UTC), date(2026, 1, 15)),
        # A summer midnight is 04:00 UTC.
        (datetime(2026, 7, 15, 3, 59, 59, tzinfo=UTC), date(2026, 7, 14)),
        (datetime(2026, 7, 15, 4, 0, tzinfo=UTC), date(2026, 7, 15)),
    ],
)
def test_the_sites_day_turns_at_its_own_midnight(site_a, moment, expected):
    assert today_at(site_a, moment) == expected


def test_the_day_after_the_clocks_go_forward_begins_an_hour_earlier_in_utc(site_a):
    """GIVEN the night of 8 to 9 March, after the clocks went forward
    THEN the 9th begins at 04:00 UTC, not at 05:00 as the 8th did."""
    assert today_at(site_a, datetime(2026, 3, 8, 4, 59, 59, tzinfo=UTC)) == date(2026, 3, 7)
    assert today_at(site_a, datetime(2026, 3, 8, 5, 0, tzinfo=UTC)) == date(2026, 3, 8)
    assert today_at(site_a, datetime(2026, 3, 9, 3, 59, 59, tzinfo=UTC)) == date(2026, 3, 8)
    assert today_at(site_a, datetime(2026, 3, 9, 4, 0, tzinfo=UTC)) == date(2026, 3, 9)


def test_the_day_after_the_clocks_go_back_begins_an_hour_later_in_utc(site_a):
    assert today_at(site_a, datetime(2026, 11, 2, 4, 59, 59, tzinfo=UTC)) == date(2026, 11, 1)
    assert today_at(site_a, datetime(2026, 11, 2, 5, 0, tzinfo=UTC)) == date(2026, 11, 2)


def test_two_sites_can_be_on_different_days_at_the_same_moment(site_a):
    tokyo = factories.SiteFactory(code="TOKYO", time_zone="Asia/Tokyo")
    moment = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)

    assert today_at(site_a, moment) == date(2026, 2, 28)
    assert today_at(tokyo, moment) == date(2026, 3, 1)


def test_a_day_runs_from_its_local_midnight_to_the_next(site_a):
    start, end = site_a.day_bounds(date(2026, 1, 15))

    assert (start, end) == (
        datetime(2026, 1, 15, 5, 0, tzinfo=UTC),
        datetime(2026, 1, 16, 5, 0, tzinfo=UTC),
    )
    assert site_a.today(start) == date(2026, 1, 15)
    assert site_a.today(end - timedelta(microseconds=1)) == date(2026, 1, 15)
    assert site_a.today(end) == date(2026, 1, 16)


@pytest.mark.parametrize(
    ("day", "hours"),
    [(date(2026, 3, 8), 23), (date(2026, 11, 1), 25), (date(2026, 3, 9), 24)],
)
def test_a_day_with_a_clock_change_has_the_hours_it_really_has(site_a, day, hours):
    start, end = site_a.day_bounds(day)

    assert end - start == timedelta(hours=hours)


def test_where_the_clocks_skip_midnight_the_day_starts_when_they_jump():
    """GIVEN Havana, whose clocks go from 00:00 straight to 01:00 on 8 March 2026
    THEN the 8th starts at 05:00 UTC, which the clocks there show as 01:00."""
    havana = factories.SiteFactory(code="HAVANA", time_zone="America/Havana")

    start, end = havana.day_bounds(date(2026, 3, 8))

    assert start == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    assert havana.local(start).time() == time(1, 0)
    assert havana.today(start - timedelta(microseconds=1)) == date(2026, 3, 7)
    assert end - start == timedelta(hours=23)


def test_a_clinical_day_is_one_of_the_sites_clinical_weekdays(site_a):
    site_a.clinical_days = [0, 2, 4]  # Mon, Wed, Fri

    assert site_a.is_clinical_day(date(2026, 3, 9))  # Monday
    assert not site_a.is_clinical_day(date(2026, 3, 10))  # Tuesday
    assert site_a.is_clinical_day(date(2026, 3, 13))  # Friday
    assert not site_a.is_clinical_day(date(2026, 3, 14))  # Saturday
    assert site_a.clinical_days_display == "Mon, Wed, Fri"


@pytest.mark.parametrize(
    ("opens_at", "closes_at", "valid"),
    [
        (time(7), time(19), True),
        (time(8), time(8), False),
        (time(19), time(7), False),
        (None, time(7), True),  # a missing time is the form's to report
    ],
)
def test_a_site_closes_after_it_opens(opens_at, closes_at, valid):
    if valid:
        validate_opening_hours(opens_at, closes_at)
        return
    with pytest.raises(ValidationError) as excinfo:
        validate_opening_hours(opens_at, closes_at)
    assert excinfo.value.message_dict == {"closes_at": [CLOSES_AFTER_OPENING]}


def test_the_model_holds_the_same_opening_hours_rule(site_a):
    site_a.opens_at, site_a.closes_at = time(18), time(6)

    with pytest.raises(ValidationError) as excinfo:
        site_a.full_clean()

    assert excinfo.value.message_dict["closes_at"] == [CLOSES_AFTER_OPENING]
