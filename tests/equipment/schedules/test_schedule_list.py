"""The schedule list a person sees: scoped to their sites, soonest first, each with its status
read from the stored columns, in the same number of queries however many schedules there are."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from equipment.models import Equipment, Schedule
from equipment.scheduling import ScheduleStatus
from equipment.selectors.schedules import schedules_for
from equipment.services.schedules import create_schedule, pause_schedule
from imaging_ops.audit.mixin import audited_bulk_writes
from imaging_ops.vocabulary import Role
from tests import factories
from tests.equipment.conftest import NOW

pytestmark = pytest.mark.django_db

LAST_SURVEY = datetime(2025, 6, 10, 14, 0, tzinfo=UTC)


def add_schedules(template: Schedule, count: int) -> None:
    """`count` more schedules like `template`, each on a machine of its own."""
    site = template.equipment.site
    with audited_bulk_writes():
        machines = Equipment.objects.bulk_create(
            factories.EquipmentFactory.build(site=site, location=template.equipment.location)
            for _ in range(count)
        )
        fields = {
            f.attname: getattr(template, f.attname)
            for f in Schedule._meta.concrete_fields
            if not f.primary_key and f.attname != "equipment_id"
        }
        Schedule.objects.bulk_create(Schedule(**fields, equipment=m) for m in machines)


def count_queries(user) -> int:
    with CaptureQueriesContext(connection) as queries:
        rows = schedules_for(user, now=NOW)
        for row in rows:
            str(row.schedule), row.schedule.procedure.current_version.name, row.status
    return len(queries)


@pytest.fixture
def survey(manager, ct, ct_qc):
    return create_schedule(
        actor=manager, equipment=ct, procedure=ct_qc, now=NOW, last_done=LAST_SURVEY
    )


def test_the_list_runs_the_same_queries_for_10_and_200_schedules(manager, survey):
    add_schedules(survey, 9)
    ten = count_queries(manager)
    add_schedules(survey, 190)
    assert Schedule.objects.count() == 200
    assert count_queries(manager) == ten


def test_each_row_carries_its_status_and_timeline(manager, survey, ct, ct_qc):
    [row] = schedules_for(manager, now=NOW)
    assert row.status == ScheduleStatus.UPCOMING
    assert row.timeline.due == survey.next_due
    assert row.timeline.hard_limit_at == datetime(2026, 8, 10, 14, 0, tzinfo=UTC)
    later = schedules_for(manager, now=datetime(2026, 6, 20, 12, 0, tzinfo=UTC))
    assert later[0].status == ScheduleStatus.DUE
    pause_schedule(actor=manager, schedule=survey, now=NOW, reason="Unit in storage")
    assert schedules_for(manager, now=NOW)[0].status == ScheduleStatus.PAUSED


def test_another_site_sees_none_of_them(person, site_b, survey):
    assert schedules_for(person(Role.MANAGER, site_b), now=NOW) == []
    assert len(schedules_for(person(Role.TECHNICIAN, survey.equipment.site), now=NOW)) == 1


def test_a_site_or_a_machine_narrows_the_list(manager, survey, site_a, site_b):
    assert len(schedules_for(manager, now=NOW, site=site_a)) == 1
    assert schedules_for(manager, now=NOW, site=site_b) == []
    assert len(schedules_for(manager, now=NOW, equipment=survey.equipment)) == 1
