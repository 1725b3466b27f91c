"""The status a list filters by in the database is the status the pure rule gives, at every
boundary of the stored timeline: the same answer in SQL and in Python."""

from datetime import timedelta

import pytest

from equipment.models import Schedule
from equipment.scheduling import ScheduleStatus, status
from equipment.selectors.schedules import status_filter, timeline_of, with_status
from equipment.services.schedules import create_schedule, pause_schedule
from tests.equipment.conftest import NOW
from tests.equipment.schedules.test_schedule_list import LAST_SURVEY

pytestmark = pytest.mark.django_db
EPSILON = timedelta(microseconds=1)


@pytest.fixture
def survey(manager, ct, ct_qc):
    return create_schedule(
        actor=manager, equipment=ct, procedure=ct_qc, now=NOW, last_done=LAST_SURVEY
    )


def moments(schedule: Schedule):
    """Each stored boundary, an instant before it, and the boundary itself."""
    for boundary in (
        schedule.window_opens,
        schedule.next_due,
        schedule.overdue_at,
        schedule.hard_limit_at,
    ):
        yield boundary - EPSILON
        yield boundary


@pytest.mark.parametrize("paused", [False, True])
def test_sql_and_python_agree_at_every_boundary(manager, survey, paused):
    if paused:
        pause_schedule(actor=manager, schedule=survey, now=NOW, reason="Unit in storage")
    survey.refresh_from_db()
    assert survey.window_opens < survey.next_due < survey.overdue_at <= survey.hard_limit_at
    seen = set()
    for moment in moments(survey):
        expected = status(moment, timeline=timeline_of(survey), paused=paused)
        seen.add(expected)
        assert with_status(Schedule.objects.all(), now=moment).get().state == expected
        assert Schedule.objects.filter(status_filter([expected], now=moment)).exists()
        others = [s for s in ScheduleStatus.values if s != expected]
        assert not Schedule.objects.filter(status_filter(others, now=moment)).exists()
    if paused:
        assert seen == {ScheduleStatus.PAUSED, ScheduleStatus.PAST_HARD_LIMIT}
    else:
        assert seen == set(ScheduleStatus.values) - {ScheduleStatus.PAUSED}


def test_the_stored_timeline_has_the_early_window_and_the_hard_limit(survey):
    """±30 days from completion and a 14-month hard limit from 2025-06-10."""
    survey.refresh_from_db()
    assert survey.next_due - survey.window_opens > timedelta(days=29)
    assert survey.hard_limit_at.date().isoformat() == "2026-08-10"
