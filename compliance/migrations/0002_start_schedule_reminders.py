"""Schedules made before reminders existed have no reminder clock yet: the next sweep reads
each of them once and sets it (daily work is then left to the missed-days digest)."""

from django.db import migrations
from django.utils import timezone


def start(apps, schema_editor):
    Schedule = apps.get_model("equipment", "Schedule")
    Schedule.objects.filter(next_reminder_at__isnull=True).update(
        next_reminder_at=timezone.now(), reminder_stage=None
    )


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0001_reminders"),
        ("equipment", "0013_work_orders"),
    ]

    operations = [migrations.RunPython(start, migrations.RunPython.noop)]
