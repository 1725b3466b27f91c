from celery import shared_task
from django.utils import timezone

from imaging_ops.audit.anchor import send_audit_anchor_email
from imaging_ops.health.services import record_heartbeat


@shared_task(name="imaging_ops.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Proves a worker is taking tasks from beat; /health/ reads when it last ran."""
    record_heartbeat(name="worker", now=timezone.now())


@shared_task(name="imaging_ops.tasks.send_audit_anchor", ignore_result=True)
def send_audit_anchor() -> None:
    """Email the audit chain's head to the security contact: an anchor outside the database."""
    send_audit_anchor_email(now=timezone.now())
