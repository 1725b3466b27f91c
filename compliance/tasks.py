"""The reminders' periodic work, run by the Celery worker from the beat table
(imaging_ops.beat), and the generation of large regulatory logs. Thin: ids in, a service
called, rows that vanished skipped by the service."""

import logging

from celery import shared_task
from django.utils import timezone

from compliance.services import delivery, logs, sweep

logger = logging.getLogger(__name__)


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


@shared_task(name="compliance.tasks.generate_log", ignore_result=True)
def generate_log(log_id: int) -> str:
    """Generate a log asked for as "being generated"; a failure marks it failed and tells the
    requester, and is logged with its traceback for the administrators."""
    try:
        log = logs.complete_log(log_id=log_id, now=timezone.now())
    except Exception as exc:
        logger.exception("Generating regulatory log %s failed", log_id)
        logs.fail_log(log_id=log_id, reason=f"{type(exc).__name__}: {exc}", now=timezone.now())
        raise
    return log.state if log else "skipped"
