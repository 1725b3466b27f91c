"""In-app notifications: `notify()` writes one to a person; the header shows how many are unread.

Email is not sent from here: the reminders issue adds preferences and digests.
"""

from datetime import datetime

from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme

from imaging_ops.models import Notification


def notify(
    *, user, title: str, body: str = "", url: str = "", kind: str, site=None, now: datetime
) -> Notification:
    """One notification to one person; `url` is a path inside the app."""
    return Notification.objects.create(
        user=user,
        site=site,
        kind=kind,
        title=title[:200],
        body=body,
        url=url[:500],
        created_at=now,
    )


def unread_count(user) -> int:
    """How many of the person's notifications are unread: one query on an index."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(*, user, notification_id: int, now: datetime) -> Notification | None:
    """Mark one of the person's own notifications read; None if it is not theirs."""
    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is None:
        return None
    if notification.read_at is None:
        # Conditional: a second tab does not move the time it was first read.
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def mark_all_read(*, user, now: datetime) -> int:
    """Mark all the person's unread notifications read; how many were."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=now)


def safe_link(url: str) -> str:
    """The notification's link if it stays inside the app, else empty (never a script URL)."""
    if url and url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return ""


def unread_notifications(request) -> dict:
    """Context processor: the header's unread count, queried once and only if a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
