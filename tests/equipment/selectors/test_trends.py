"""Trends of a schedule's numeric checks: one query for every check's values in the period
(the latest 60 within 90 days), the band shaded as its outcomes, a reference change marked, and
failures highlighted."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from equipment.limits import Band, Limit, Outcome
from equipment.selectors.trends import trend_measurements, trends, zone_outcomes
from equipment.services.records import create_service_record
from equipment.services.schedules import set_reference
from tests.equipment.record_form.conftest import (
    PASSING,
    add_past_records,
    check_ids,
    make_daily_qc,
)
from tests.equipment.records.conftest import sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def daily_qc(manager, site_a, ct):
    return make_daily_qc(manager=manager, site=site_a, equipment=ct)


def record(schedule, actor, *, days_ago: float, **values):
    now = timezone.now()
    ids = check_ids(schedule)
    typed = {ids[key]: values.get(key, value) for key, value in PASSING.items()}
    confirm = {"confirm_action": True, "comments": "Seen."}
    return create_service_record(
        actor=actor,
        schedule=schedule,
        performed_at=now - timedelta(days=days_ago),
        now=now,
        values=typed,
        signature=sign(username=actor.username),
        **confirm,
    )


def test_zones_say_each_stretch_of_the_line_as_its_outcome():
    band = Band(
        action_low=Limit(90),
        tolerance_low=Limit(95),
        tolerance_high=Limit(105),
        action_high=Limit(110, inclusive=False),
    )
    assert zone_outcomes(band) == [
        (None, 90.0, Outcome.ACTION),
        (90.0, 95.0, Outcome.TOLERANCE),
        (95.0, 105.0, Outcome.PASS),
        (105.0, 110.0, Outcome.TOLERANCE),
        (110.0, None, Outcome.ACTION),
    ]
    assert zone_outcomes(Band(tolerance_high=Limit(5))) == [
        (None, 5.0, Outcome.PASS),
        (5.0, None, Outcome.TOLERANCE),
    ]


def test_every_numeric_check_comes_in_one_query(tech, daily_qc):
    add_past_records(daily_qc, 200, actor=tech)
    with CaptureQueriesContext(connection) as captured:
        series = trend_measurements([daily_qc], since=timezone.now() - timedelta(days=90))
        sizes = {key: len(values) for key, values in series.items()}
    assert len(captured) == 1
    assert set(sizes) == {(daily_qc.pk, key) for key in PASSING} and set(sizes.values()) == {60}
    recent = series[(daily_qc.pk, "ma")]
    assert recent == sorted(recent, key=lambda m: m.performed_at)  # oldest first
    with CaptureQueriesContext(connection) as captured:
        made = trends([daily_qc], now=timezone.now())
        [str(t.svg) for t in made]
    assert len(captured) == 2 and len(made) == 6  # the checks, then all their values


def test_the_period_ends_90_days_back(tech, daily_qc):
    record(daily_qc, tech, days_ago=100)
    record(daily_qc, tech, days_ago=80)
    [ma] = [t for t in trends([daily_qc], now=timezone.now()) if t.check.key == "ma"]
    assert len(ma.measurements) == 1


def test_failures_are_highlighted_and_a_new_reference_marked(tech, manager, daily_qc):
    record(daily_qc, tech, days_ago=3, noise="5.2")
    record(daily_qc, tech, days_ago=2, noise="6.5")  # +30 % of 5.0: action
    set_reference(
        actor=manager,
        schedule=daily_qc,
        check_key="noise",
        value="6.0",
        reason="New tube",
        now=timezone.now() - timedelta(days=1, hours=12),
    )
    record(daily_qc, tech, days_ago=1, noise="6.1")
    [noise] = [t for t in trends([daily_qc], now=timezone.now()) if t.check.key == "noise"]
    chart = noise.chart
    assert [p.failed for p in chart.points] == [False, True, False]
    assert [m.label for m in chart.markers] == ["Reference 5 → 6"]
    passing = [(z.low, z.high) for z in chart.zones if z.label == "Pass"]
    assert passing == [(4.5, 5.5), (5.4, 6.6)]  # ±10 % of each reference in its own stretch
    svg = str(noise.svg)
    assert 'data-failed="true"' in svg and "stroke-dasharray" in svg and "HU" in svg
