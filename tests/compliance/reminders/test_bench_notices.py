"""The benchmark's reminder notices against the sweep's own stages: the codes, the due date in
the site's time, the title as the sweep writes it, and only the stages that had fallen."""

import random

import pytest
from django.db import connection

from bench.generator.context import Build
from bench.generator.reminders import build_reminders
from compliance.models import ReminderNotice
from equipment.models import ServiceRecordVersion
from imaging_ops.audit.mixin import audited_bulk_writes
from tests.compliance.dashboard_data import DAY, NOW, procedure, record, schedule, unit

pytestmark = [pytest.mark.django_db, pytest.mark.needs_postgres]


def notices():
    return sorted(
        ReminderNotice.objects.values_list("subject_id", "due_on", "stage", "title", "state")
    )


def test_a_late_completion_and_an_overdue_schedule_leave_the_stages_the_sweep_claims(
    manager, site_a
):
    """GIVEN a monthly QC done two days late (due ten days ago, overdue eight days ago), and
    another overdue since three days, never done WHEN the notices are built THEN the first has
    its lead, due and overdue stages; the second its due and overdue ones, not yet escalated."""
    ct = unit(site_a, asset_tag="ALPHA-CT1", name="Emergency CT")
    done = schedule(ct, procedure(manager, site_a, "CT-MONTHLY"), due=NOW + 20 * DAY)
    late = record(done, manager, performed_at=NOW - 8 * DAY, timeliness="late")
    with audited_bulk_writes():
        ServiceRecordVersion.objects.filter(pk=late.current_version_id).update(
            due_satisfied=NOW - 10 * DAY
        )
    waiting = schedule(
        ct, procedure(manager, site_a, "CT-ANNUAL"), due=NOW - 10 * DAY, overdue=NOW - 3 * DAY
    )
    with connection.cursor() as cursor:
        build_reminders(Build(rng=random.Random(1), sizes={}, now=NOW, cursor=cursor))
    due_on = site_a.local(NOW - 10 * DAY).date()
    monthly = "CT-MONTHLY check — Emergency CT (ALPHA-CT1)"
    annual = "CT-ANNUAL check — Emergency CT (ALPHA-CT1)"
    assert notices() == sorted(
        [
            (done.pk, due_on, "lead-14", monthly, "sent"),
            (done.pk, due_on, "due", monthly, "sent"),
            (done.pk, due_on, "overdue", monthly, "sent"),
            (waiting.pk, due_on, "due", annual, "sent"),
            (waiting.pk, due_on, "overdue", annual, "sent"),
        ]
    )
