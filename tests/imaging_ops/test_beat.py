"""The beat schedule table: one row a task, overridable and disabled from the environment."""

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from imaging_ops.beat import BEAT_TABLE, BeatEntry, build_beat_schedule, heartbeat_seconds
from imaging_ops.celery import app


@pytest.fixture(autouse=True)
def _no_overrides(monkeypatch):
    for entry in BEAT_TABLE:
        monkeypatch.delenv(entry.env_name, raising=False)


def test_settings_carry_the_schedule_built_from_the_table():
    assert set(settings.CELERY_BEAT_SCHEDULE) == {entry.name for entry in BEAT_TABLE}
    assert settings.CELERY_BEAT_SCHEDULE["heartbeat"]["task"] == "imaging_ops.tasks.heartbeat"


def test_the_heartbeat_runs_every_minute_by_default():
    assert build_beat_schedule()["heartbeat"]["schedule"] == 60.0
    assert heartbeat_seconds() == 60


@pytest.mark.parametrize("entry", BEAT_TABLE, ids=lambda e: e.name)
def test_every_entry_expires_before_its_next_run(entry):
    row = build_beat_schedule()[entry.name]

    assert 0 < row["options"]["expires"] < row["schedule"]


@pytest.mark.parametrize("seconds", [1, 2, 10, 60, 3600, 86400])
def test_an_entry_expires_before_its_next_run_at_any_interval(seconds):
    table = (BeatEntry(name="sweep", task="example.sweep", seconds=seconds),)

    row = build_beat_schedule(table)["sweep"]

    assert row["schedule"] == float(seconds)
    assert 0 < row["options"]["expires"] < row["schedule"]


@pytest.mark.parametrize("entry", BEAT_TABLE, ids=lambda e: e.name)
def test_every_entry_names_a_task_the_worker_knows(entry):
    app.loader.import_default_modules()

    assert entry.task in app.tasks


def test_entry_names_and_their_variables_are_unique():
    assert len({entry.name for entry in BEAT_TABLE}) == len(BEAT_TABLE)
    assert BEAT_TABLE[0].env_name == "BEAT_HEARTBEAT_SECONDS"


def test_the_environment_overrides_an_interval(monkeypatch):
    monkeypatch.setenv("BEAT_HEARTBEAT_SECONDS", "300")

    row = build_beat_schedule()["heartbeat"]

    assert row["schedule"] == 300.0
    assert row["options"]["expires"] < 300
    assert heartbeat_seconds() == 300


def test_zero_in_the_environment_disables_an_entry(monkeypatch):
    monkeypatch.setenv("BEAT_HEARTBEAT_SECONDS", "0")

    assert "heartbeat" not in build_beat_schedule()
    assert heartbeat_seconds() == 0


def test_a_row_variable_changes_only_its_own_row(monkeypatch):
    table = (
        BeatEntry(name="reminder-sweep", task="example.sweep", seconds=300),
        BeatEntry(name="digest", task="example.digest", seconds=3600),
    )
    monkeypatch.setenv("BEAT_REMINDER_SWEEP_SECONDS", "0")

    assert set(build_beat_schedule(table)) == {"digest"}


@pytest.mark.parametrize("value", ["soon", "-5", "1.5"])
def test_a_bad_interval_fails_loudly_at_start(monkeypatch, value):
    monkeypatch.setenv("BEAT_HEARTBEAT_SECONDS", value)

    with pytest.raises(ImproperlyConfigured, match="BEAT_HEARTBEAT_SECONDS"):
        build_beat_schedule()
