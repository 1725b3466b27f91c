"""/health/: the database, the broker and the worker heartbeat, as JSON for load balancers."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from kombu import Connection

from imaging_ops.beat import heartbeat_seconds, interval_of
from imaging_ops.health.services import REMINDER_SWEEP
from imaging_ops.models import Heartbeat


def _database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except Exception as exc:
        return False, f"error: {exc.__class__.__name__}"


def _broker() -> tuple[bool, str]:
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            connect_timeout=2,
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, "ok"
    except Exception as exc:
        return False, f"error: {exc.__class__.__name__}"


def _heartbeat(now) -> tuple[bool, dict]:
    interval = heartbeat_seconds()
    beat = Heartbeat.objects.filter(name="worker").values_list("beat_at", flat=True).first()
    info = {"last": beat.isoformat() if beat else None, "interval_seconds": interval}
    if interval == 0:
        info["status"] = "disabled"
        return True, info
    if beat is None:
        info["status"] = "never"
        return False, info
    age = (now - beat).total_seconds()
    info["age_seconds"] = round(age, 1)
    fresh = now - beat <= timedelta(seconds=3 * interval)
    info["status"] = "ok" if fresh else "stale"
    return fresh, info


def _last_sweep(now) -> tuple[bool, str | None]:
    """The last successful reminder sweep; stale after three intervals without one (a sweep
    never run yet is stale too, once the sweep is enabled)."""
    interval = interval_of("reminder_sweep")
    last = Heartbeat.objects.filter(name=REMINDER_SWEEP).values_list("beat_at", flat=True).first()
    if interval == 0:
        return True, last.isoformat() if last else None
    if last is None:
        return False, None
    return now - last <= timedelta(seconds=3 * interval), last.isoformat()


@never_cache
def health(request):
    now = timezone.now()
    db_ok, db = _database()
    broker_ok, broker = _broker()
    beat_ok, beat = _heartbeat(now) if db_ok else (False, {"status": "unknown"})
    sweep_ok, last_sweep = _last_sweep(now) if db_ok else (False, None)
    healthy = db_ok and broker_ok and beat_ok and sweep_ok
    body = {
        "status": "ok" if healthy else "unhealthy",
        "database": db,
        "broker": broker,
        "heartbeat": beat,
        "last_sweep": last_sweep,
        "time": now.isoformat(),
    }
    return JsonResponse(body, status=200 if healthy else 503)
