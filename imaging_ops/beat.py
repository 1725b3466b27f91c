"""The periodic-task table: one row a task, each overridable or disabled from the environment.

`BEAT_<NAME>_SECONDS` sets a row's interval (0 disables it). Every entry expires before its next
run, so a worker that falls behind skips stale runs instead of piling them up.
"""

from dataclasses import dataclass

from imaging_ops.env import env_int


@dataclass(frozen=True)
class BeatEntry:
    name: str
    task: str
    seconds: int

    @property
    def env_name(self) -> str:
        return f"BEAT_{self.name.upper().replace('-', '_')}_SECONDS"


BEAT_TABLE = (
    BeatEntry(name="heartbeat", task="imaging_ops.tasks.heartbeat", seconds=60),
    # Once a day the audit chain's head leaves the database by email, as an anchor.
    BeatEntry(name="audit_anchor", task="imaging_ops.tasks.send_audit_anchor", seconds=86400),
    # Daily schedules roll at each site's local midnight; every 15 minutes catches every zone.
    BeatEntry(name="daily_rollover", task="equipment.tasks.roll_over_daily_schedules", seconds=900),
    # Reminders: claim every stage that has fallen and queue its delivery; /health/ reports
    # the last sweep and turns unhealthy after three intervals without one.
    BeatEntry(name="reminder_sweep", task="compliance.tasks.sweep_reminders", seconds=300),
    # Morning digests fall at each person's home site's opening time: every 15 minutes
    # catches every zone.
    BeatEntry(name="reminder_digests", task="compliance.tasks.send_digests", seconds=900),
)


def entry_seconds(entry: BeatEntry) -> int:
    return env_int(entry.env_name, entry.seconds, minimum=0)


def build_beat_schedule(table=BEAT_TABLE) -> dict:
    """Celery's `beat_schedule` from the table, leaving out disabled rows."""
    schedule = {}
    for entry in table:
        seconds = entry_seconds(entry)
        if seconds == 0:
            continue
        schedule[entry.name] = {
            "task": entry.task,
            "schedule": float(seconds),
            # Expire before the next run is due (also at a one-second interval).
            "options": {"expires": seconds * 0.9},
        }
    return schedule


def interval_of(name: str) -> int:
    """A row's interval in seconds, or 0 when it is disabled."""
    return next(entry_seconds(e) for e in BEAT_TABLE if e.name == name)


def heartbeat_seconds() -> int:
    """The heartbeat's interval, or 0 when it is disabled."""
    return interval_of("heartbeat")
