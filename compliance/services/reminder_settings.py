"""A person's own reminder choices and calendar address."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from compliance.models import CalendarFeed, DeliveryMode, ReminderPreference
from compliance.models.reminders import new_secret


def set_reminder_preference(*, user, mode: str, lead_stages: bool) -> ReminderPreference:
    """How reminders reach the person: now or in a morning digest, and whether "due in N days"
    comes at all (due, overdue and escalated always do)."""
    if mode not in DeliveryMode.values:
        raise ValidationError({"mode": "Choose immediately or a daily digest."})
    if not isinstance(lead_stages, bool):
        raise ValidationError({"lead_stages": "Say yes or no."})
    with transaction.atomic():
        preference, _ = ReminderPreference.objects.update_or_create(
            user=user, defaults={"mode": mode, "lead_stages": lead_stages}
        )
    return preference


def calendar_feed(*, user, now: dt.datetime) -> CalendarFeed:
    """The person's calendar address, made on first use."""
    with transaction.atomic():
        feed, _ = CalendarFeed.objects.get_or_create(user=user, defaults={"created_at": now})
    return feed


def regenerate_calendar_secret(*, user, now: dt.datetime) -> CalendarFeed:
    """A new secret address: the old one stops answering at once."""
    with transaction.atomic():
        feed, created = CalendarFeed.objects.get_or_create(user=user, defaults={"created_at": now})
        if not created:
            feed.secret, feed.created_at = new_secret(), now
            feed.save(update_fields=["secret", "created_at"])
    return feed
