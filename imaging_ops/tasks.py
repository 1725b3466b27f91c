from celery import shared_task
from django.utils import timezone

from .services import record_heartbeat


@shared_task(name="imaging_ops.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Proves a worker is taking tasks from beat; /health/ reads when it last ran."""
    record_heartbeat(name="worker", now=timezone.now())
