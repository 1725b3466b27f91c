"""manage.py sweep_reminders [--dry-run]: a sweep by hand, saying what it claimed or would."""

from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from compliance.models import ReminderNotice

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("sweep_reminders", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_shows_what_would_be_claimed_and_writes_nothing(calibration, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    calibration.refresh_from_db()
    with time_machine.travel(calibration.next_due, tick=False):
        output = run("--dry-run")
    assert "Would claim: [ALPHA] Due — Dose calibrator accuracy" in output
    assert "Would claim 1 notice(s)" in output
    assert not ReminderNotice.objects.exists()


def test_the_command_claims_and_says_so_once(calibration, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    calibration.refresh_from_db()
    with time_machine.travel(calibration.next_due, tick=False):
        first = run()
        second = run()
    assert "Claimed: [ALPHA] Due — Dose calibrator accuracy" in first
    assert "Claimed 1 notice(s)" in first
    assert "Claimed 0 notice(s)" in second
    assert ReminderNotice.objects.count() == 1
