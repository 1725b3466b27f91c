"""Equipment's periodic work, run by the Celery worker from the beat table
(imaging_ops.beat)."""

from celery import shared_task
from django.utils import timezone

from equipment.services.rollover import roll_over_daily_schedules


@shared_task(name="equipment.tasks.roll_over_daily_schedules", ignore_result=True)
def roll_over_daily() -> int:
    """Move daily schedules past each site's local midnight and write their missed days."""
    return roll_over_daily_schedules(timezone.now())
