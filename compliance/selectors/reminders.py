"""Reads of the reminders: the notices of a manager's sites (page and CSV), and a person's
calendar of upcoming non-daily work, each in a constant number of queries."""

import datetime as dt

from django.db.models import Prefetch

from compliance.models import ReminderDelivery, ReminderNotice
from equipment.models import Schedule, WorkOrder
from equipment.models.work_orders import OPEN_STATES
from equipment.scheduling.recurrence import DAILY_PRESETS
from imaging_ops.access.permissions import ALL_SITES, Action, sites_where
from imaging_ops.access.scoping import scope

CALENDAR_DAYS = 400
CALENDAR_LIMIT = 2000


def notice_sites(user):
    """The sites whose notices the person may list: where they manage people."""
    return sites_where(user, Action.MANAGE_PEOPLE)


def notices_for(user, *, site_id: int | None = None, state: str = ""):
    sites = notice_sites(user)
    notices = ReminderNotice.objects.select_related("site").prefetch_related(
        Prefetch(
            "deliveries",
            queryset=ReminderDelivery.objects.select_related("user").order_by("user_id"),
        )
    )
    if sites is not ALL_SITES:
        notices = notices.filter(site_id__in=sites)
    if site_id:
        notices = notices.filter(site_id=site_id)
    if state:
        notices = notices.filter(state=state)
    return notices.order_by("-claimed_at", "-pk")


def calendar_schedules(user, *, now: dt.datetime):
    """Upcoming and overdue non-daily work at the person's sites, soonest first."""
    return (
        scope(Schedule.objects.all(), user)
        .filter(paused=False, next_due__lte=now + dt.timedelta(days=CALENDAR_DAYS))
        .exclude(preset__in=DAILY_PRESETS)
        .exclude(interval_months=0, interval_weeks=0, interval_days__lte=1, preset="")
        .select_related("site", "procedure__current_version", "equipment")
        .order_by("next_due", "pk")[:CALENDAR_LIMIT]
    )


def calendar_work_orders(user):
    return (
        scope(WorkOrder.objects.all(), user)
        .filter(state__in=OPEN_STATES, due_on__isnull=False)
        .select_related("equipment__site")
        .order_by("due_on", "pk")[:CALENDAR_LIMIT]
    )
