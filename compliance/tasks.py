"""The reminders' periodic work, run by the Celery worker from the beat table
(imaging_ops.beat). Thin: ids in, a service called, rows that vanished skipped by the service."""

from celery import shared_task
from django.utils import timezone

from compliance.services import delivery, sweep


@shared_task(name="compliance.tasks.sweep_reminders", ignore_result=True)
def sweep_reminders() -> int:
    """Claim every reminder stage that has fallen; how many notices were claimed."""
    return len(sweep.sweep_reminders(now=timezone.now()).claimed)


@shared_task(
    name="compliance.tasks.deliver_notices",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def deliver_notices(notice_ids: list[int]) -> int:
    """Deliver the claimed notices (in app once, email at least once)."""
    return delivery.deliver_notices(notice_ids=notice_ids, now=timezone.now())


@shared_task(name="compliance.tasks.send_digests", ignore_result=True)
def send_digests() -> int:
    """Send the morning digests whose time has come."""
    return delivery.send_digests(now=timezone.now())
