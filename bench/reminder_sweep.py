"""The reminder sweep at health-system scale: 5 % of the schedules (the most urgent non-daily
ones) have a reminder moment passed, the rest lie a year ahead, and one sweep runs over them in a
transaction that is rolled back afterwards (the data is left as built). Measured three times:
seconds, queries, batches, rows read and notices claimed. The target: under 10 s, queries
bounded by the batch count."""

import time
from dataclasses import dataclass, field
from datetime import timedelta

TARGET_S = 10.0
RUNS = 3
DAILY = "('each_clinical_day', 'each_day_of_use')"


@dataclass
class SweepRun:
    seconds: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    batches: int = 0
    crossing: int = 0
    claimed: int = 0
    schedules: int = 0

    @property
    def median(self) -> float:
        return sorted(self.seconds)[len(self.seconds) // 2]


def measure(runs: int = RUNS) -> SweepRun:
    from django.db import connection, transaction
    from django.utils import timezone

    from compliance.services.sweep import sweep_reminders

    result = SweepRun()
    for _ in range(runs):
        with transaction.atomic():
            now = timezone.now()
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM equipment_schedule")
                total = cursor.fetchone()[0]
                # The most urgent 5 % of the non-daily schedules have a stage to claim now;
                # every other reminder moment lies a year ahead.
                cursor.execute(
                    "UPDATE equipment_schedule SET reminder_stage = NULL, next_reminder_at = %s",
                    [now + timedelta(days=365)],
                )
                cursor.execute(
                    "UPDATE equipment_schedule SET next_reminder_at = %s WHERE id IN ("
                    f"SELECT id FROM equipment_schedule WHERE preset NOT IN {DAILY} "
                    "AND NOT (preset = '' AND interval_months = 0 AND interval_weeks = 0 "
                    "AND interval_days <= 1) ORDER BY next_due, id LIMIT %s)",
                    [now - timedelta(minutes=1), total // 20],
                )
                cursor.execute("SELECT count(*) FROM equipment_schedule")
                result.schedules = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT count(*) FROM equipment_schedule WHERE next_reminder_at <= %s", [now]
                )
                result.crossing = cursor.fetchone()[0]
            count = [0]

            def counted(execute, sql, params, many, context, count=count):
                count[0] += 1
                return execute(sql, params, many, context)

            with connection.execute_wrapper(counted):
                start = time.perf_counter()
                report = sweep_reminders(now=now, queue=lambda ids: None)
                result.seconds.append(time.perf_counter() - start)
            result.queries.append(count[0])
            result.batches, result.claimed = report.batches, len(report.claimed)
            transaction.set_rollback(True)
    # The rolled-back updates and inserts leave dead rows behind (every schedule twice a run):
    # vacuumed, so the cases measured after this run read the tables as built.
    with connection.cursor() as cursor:
        for table in ("equipment_schedule", "compliance_remindernotice"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return result


def text(run: SweepRun) -> str:
    return (
        f"Reminder sweep: {run.schedules:,} schedules, {run.crossing:,} with a reminder moment "
        f"passed; median {run.median:.2f} s of {len(run.seconds)} runs (target {TARGET_S:.0f} s), "
        f"{sorted(set(run.queries))} queries in {run.batches} batches, "
        f"{run.claimed:,} notices claimed."
    )


if __name__ == "__main__":
    import os
    import sys

    from bench import database
    from bench.run import _setup

    url = os.environ.get("BENCH_DATABASE_URL") or database.DEFAULT_URL
    _setup(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    measured = measure()
    print(text(measured))
    sys.exit(0 if measured.median < TARGET_S else 1)
