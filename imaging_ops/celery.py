"""The Celery application: JSON only, tasks take ids, the beat schedule comes from settings."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imaging_ops.settings")

app = Celery("imaging_ops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _first_heartbeat(sender, **kwargs):
    """Queue a heartbeat and a reminder sweep as soon as a worker starts, so /health/ need not
    wait a whole interval for either (a sweep is safe to run at any time: it claims each stage
    once)."""
    from imaging_ops.beat import interval_of

    sender.app.send_task("imaging_ops.tasks.heartbeat")
    if interval_of("reminder_sweep"):
        sender.app.send_task("compliance.tasks.sweep_reminders")
