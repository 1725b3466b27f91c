"""A person's own reminder choices and calendar address; a site's lead times."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from compliance.models import CalendarFeed, DeliveryMode, LeadTime, ReminderPreference
from compliance.models.reminders import new_secret
from equipment.models import ProcedureKind
from imaging_ops.access.permissions import require
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.sites.services import SETTINGS_ACTION


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


MAX_LEAD_DAYS = 365


def lead_time_errors(days: dict) -> dict:
    """Each procedure kind's lead, checked: a whole number of days from 0 to 365."""
    errors = {}
    for kind, value in days.items():
        if kind not in ProcedureKind.values:
            errors[kind] = "Unknown procedure kind."
        elif isinstance(value, bool) or not isinstance(value, int):
            errors[kind] = "Enter a whole number of days."
        elif not 0 <= value <= MAX_LEAD_DAYS:
            errors[kind] = f"Enter 0 to {MAX_LEAD_DAYS} days (0: no “due in N days” reminder)."
    return errors


def set_lead_times(*, actor, site, days: dict) -> list[LeadTime]:
    """How many days ahead the site's procedures of each kind are announced ("due in N days");
    the site's managers only. Takes effect as each schedule's next stage is read."""
    require(actor, SETTINGS_ACTION, site)
    if errors := lead_time_errors(days):
        raise ValidationError(errors)
    stored = {row.procedure_kind: row for row in LeadTime.objects.filter(site=site)}
    saved = []
    with regulated_transaction(actor=actor):
        for kind, value in sorted(days.items()):
            row = stored.get(kind) or LeadTime(site=site, procedure_kind=kind, days=value)
            if row.pk is None or row.days != value:
                row.days = value
                row.save()
            saved.append(row)
    return saved


def lead_times(site) -> dict[str, int]:
    """The site's lead per procedure kind, the default where it has set none."""
    stored = dict(LeadTime.objects.filter(site=site).values_list("procedure_kind", "days"))
    return {kind: stored.get(kind, settings.REMINDER_LEAD_DAYS) for kind in ProcedureKind.values}
