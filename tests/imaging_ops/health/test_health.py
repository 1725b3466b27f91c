"""/health/: the database, the broker and the worker heartbeat, for load balancers."""

import os
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from imaging_ops import tasks
from imaging_ops.beat import heartbeat_seconds
from imaging_ops.health.services import REMINDER_SWEEP, record_heartbeat
from imaging_ops.models import Heartbeat

pytestmark = pytest.mark.django_db

HEALTH_URL = "/health/"
NOON = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _default_interval(monkeypatch):
    monkeypatch.delenv("BEAT_HEARTBEAT_SECONDS", raising=False)


def beat_at(moment: datetime) -> None:
    """A worker ran the heartbeat task at `moment`, and the reminder sweep ran then too (its
    own freshness is tested in tests/compliance/reminders/test_health.py)."""
    with time_machine.travel(moment, tick=False):
        tasks.heartbeat()
    record_heartbeat(name=REMINDER_SWEEP, now=moment)


def health_at(client, moment: datetime):
    with time_machine.travel(moment, tick=False):
        return client.get(HEALTH_URL)


def test_a_fresh_heartbeat_is_healthy(client):
    beat_at(NOON)

    response = health_at(client, NOON + timedelta(seconds=30))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    assert body["heartbeat"]["status"] == "ok"
    assert body["heartbeat"]["interval_seconds"] == 60
    assert datetime.fromisoformat(body["heartbeat"]["last"]) == NOON


def test_the_heartbeat_task_records_when_it_ran():
    beat_at(NOON)
    beat_at(NOON + timedelta(minutes=1))

    assert Heartbeat.objects.get(name="worker").beat_at == NOON + timedelta(minutes=1)


def test_no_heartbeat_yet_is_unhealthy(client):
    response = client.get(HEALTH_URL)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["database"] == "ok"
    assert body["heartbeat"]["status"] == "never"
    assert body["heartbeat"]["last"] is None


def test_a_heartbeat_three_intervals_old_is_still_healthy(client):
    beat_at(NOON)

    response = health_at(client, NOON + timedelta(seconds=3 * heartbeat_seconds()))

    assert response.status_code == 200


def test_a_heartbeat_older_than_three_intervals_is_unhealthy(client):
    beat_at(NOON)

    response = health_at(client, NOON + timedelta(seconds=3 * heartbeat_seconds() + 1))

    assert response.status_code == 503
    assert response.json()["heartbeat"]["status"] == "stale"
    assert response.json()["heartbeat"]["age_seconds"] == 181.0


def test_a_longer_interval_from_the_environment_moves_the_limit(client, monkeypatch):
    monkeypatch.setenv("BEAT_HEARTBEAT_SECONDS", "300")
    beat_at(NOON)

    assert health_at(client, NOON + timedelta(minutes=14)).status_code == 200
    assert health_at(client, NOON + timedelta(minutes=16)).status_code == 503


def test_a_disabled_heartbeat_is_not_held_against_health(client, monkeypatch):
    monkeypatch.setenv("BEAT_HEARTBEAT_SECONDS", "0")
    monkeypatch.setenv("BEAT_REMINDER_SWEEP_SECONDS", "0")

    response = client.get(HEALTH_URL)

    assert response.status_code == 200
    assert response.json()["heartbeat"]["status"] == "disabled"


def test_a_broker_that_does_not_answer_is_unhealthy(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    tasks.heartbeat()

    response = client.get(HEALTH_URL)

    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")


def test_health_needs_no_sign_in_and_is_never_cached(client):
    response = client.get(HEALTH_URL)

    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.needs_redis
def test_the_broker_is_reported_ok_against_redis(client, settings):
    settings.CELERY_BROKER_URL = os.environ["REDIS_URL"]
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    beat_at(datetime.now(UTC))

    response = client.get(HEALTH_URL)

    assert response.json()["broker"] == "ok"
    assert response.status_code == 200
