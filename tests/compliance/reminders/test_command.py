"""manage.py sweep_reminders [--dry-run]: a sweep by hand, saying what it claimed or would."""

from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from compliance.models import ReminderNotice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    """The delivery task stands in for the broker: the notices the command queued."""
    ids = []
    monkeypatch.setattr("compliance.services.sweep._queue_delivery", ids.extend)
    return ids


def run(*args) -> str:
    out = StringIO()
    call_command("sweep_reminders", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_shows_what_would_be_claimed_and_writes_nothing(calibration, queued):
    calibration.refresh_from_db()
    with time_machine.travel(calibration.next_due, tick=False):
        output = run("--dry-run")
    assert "Would claim: [ALPHA] Due — Dose calibrator accuracy" in output
    assert "Would claim 1 notice(s)" in output
    assert not ReminderNotice.objects.exists()
    assert queued == []


def test_the_command_claims_and_says_so_once(calibration, queued):
    calibration.refresh_from_db()
    with time_machine.travel(calibration.next_due, tick=False):
        first = run()
        second = run()
    assert "Claimed: [ALPHA] Due — Dose calibrator accuracy" in first
    assert "Claimed 1 notice(s)" in first
    assert "Claimed 0 notice(s)" in second
    assert ReminderNotice.objects.count() == 1
    assert queued == [ReminderNotice.objects.get().pk]
