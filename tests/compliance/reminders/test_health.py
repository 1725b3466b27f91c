"""/health/ reports the last successful reminder sweep and turns unhealthy (503) when it is
older than three sweep intervals."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from compliance.services.sweep import sweep_reminders
from imaging_ops import tasks

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _default_intervals(monkeypatch):
    monkeypatch.delenv("BEAT_HEARTBEAT_SECONDS", raising=False)
    monkeypatch.delenv("BEAT_REMINDER_SWEEP_SECONDS", raising=False)


def health_at(client, moment):
    with time_machine.travel(moment, tick=False):
        tasks.heartbeat()
        return client.get("/health/")


def test_health_reports_the_last_sweep(client):
    sweep_reminders(now=NOON, queue=list)
    response = health_at(client, NOON + timedelta(seconds=900))
    assert response.status_code == 200
    assert datetime.fromisoformat(response.json()["last_sweep"]) == NOON


def test_a_sweep_older_than_three_intervals_is_unhealthy(client):
    sweep_reminders(now=NOON, queue=list)
    response = health_at(client, NOON + timedelta(seconds=901))
    assert response.status_code == 503
    assert response.json()["last_sweep"] == NOON.isoformat()


def test_no_sweep_yet_is_unhealthy(client):
    response = health_at(client, NOON)
    assert response.status_code == 503
    assert response.json()["last_sweep"] is None


def test_a_disabled_sweep_does_not_make_health_fail(client, monkeypatch):
    monkeypatch.setenv("BEAT_REMINDER_SWEEP_SECONDS", "0")
    assert health_at(client, NOON).status_code == 200
