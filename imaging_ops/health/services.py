"""The heartbeats /health/ reads: the worker and beat each record theirs."""

from datetime import datetime

from django.db import transaction

from imaging_ops.models import Heartbeat

WORKER = "worker"
# Written by the reminder sweep (compliance) at the end of each successful sweep.
REMINDER_SWEEP = "reminder_sweep"


def record_heartbeat(*, name: str, now: datetime) -> None:
    with transaction.atomic():
        Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": now})
