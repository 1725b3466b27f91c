"""The reminder pages: a person's preferences and calendar address, the notices of a manager's
sites (page and CSV: "was I told?"), and the secret calendar feed."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from compliance.forms.reminders import LeadTimeForm, NoticeFilterForm, PreferenceForm
from compliance.ical import Event, calendar
from compliance.models import CalendarFeed
from compliance.reminders.stages import stage_label
from compliance.selectors.reminders import (
    calendar_schedules,
    calendar_work_orders,
    notice_sites,
    notices_for,
)
from compliance.services.delivery import preference
from compliance.services.reminder_settings import (
    calendar_feed,
    lead_time_errors,
    lead_times,
    regenerate_calendar_secret,
    set_lead_times,
    set_reminder_preference,
)
from imaging_ops.access.authority import account_may_act
from imaging_ops.access.permissions import ALL_SITES
from imaging_ops.csv_export import csv_lines
from imaging_ops.models import Site
from imaging_ops.sites.local_time import local_time_text
from imaging_ops.web.base import ManagedSiteMixin, ServiceFormView


def feed_url(feed: CalendarFeed) -> str:
    path = reverse("compliance:calendar_feed", args=[feed.secret])
    return f"{settings.PUBLIC_BASE_URL}{path}"


class PreferenceView(ServiceFormView):
    """Everyone's own page: how reminders reach them, and their calendar address."""

    form_class = PreferenceForm
    template_name = "compliance/reminder_preferences.html"
    success_message = "Saved your reminder preferences."

    def check_permission(self) -> None:
        """A person's own choices: anyone signed in."""

    def get_initial(self):
        choice = preference(self.request.user)
        return {"mode": choice.mode, "lead_stages": choice.lead_stages}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        feed = calendar_feed(user=self.request.user, now=timezone.now())
        context["feed_url"] = feed_url(feed)
        return context

    def call_service(self, form):
        return set_reminder_preference(
            user=self.request.user,
            mode=form.cleaned_data["mode"],
            lead_stages=form.cleaned_data["lead_stages"],
        )

    def get_success_url(self, result) -> str:
        return reverse("compliance:reminder_preferences")


class RegenerateCalendarView(LoginRequiredMixin, View):
    def post(self, request):
        regenerate_calendar_secret(user=request.user, now=timezone.now())
        messages.success(request, "Your calendar has a new address; the old one no longer works.")
        return redirect("compliance:reminder_preferences")


def _notice_sites_or_refuse(user):
    sites = notice_sites(user)
    if sites is ALL_SITES:
        return list(Site.objects.order_by("code"))
    if not sites:
        raise PermissionDenied("Only a site's managers see its reminder notices.")
    return list(Site.objects.filter(pk__in=sites).order_by("code"))


def _filters(request, sites):
    form = NoticeFilterForm(request.GET or None, sites=sites)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data.get("site"), form.cleaned_data.get("state") or ""
    return form, None, ""


class NoticeListView(LoginRequiredMixin, ListView):
    template_name = "compliance/reminder_notices.html"
    context_object_name = "notices"
    paginate_by = 50

    def get_queryset(self):
        self.sites = _notice_sites_or_refuse(self.request.user)
        self.form, site_id, state = _filters(self.request, self.sites)
        return notices_for(self.request.user, site_id=site_id, state=state)

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if self.form.is_bound and not self.form.is_valid():
            response.status_code = 400
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for notice in context["notices"]:
            notice.stage_text = stage_label(notice.stage)
            zone = notice.site.zone
            notice.claimed_text = local_time_text(notice.claimed_at, zone)
            notice.sent_text = local_time_text(notice.sent_at, zone) if notice.sent_at else ""
        context["form"], context["sites"] = self.form, self.sites
        context["query"] = self.request.GET.urlencode()
        return context


CSV_HEADER = [
    "site",
    "subject",
    "kind",
    "due on",
    "stage",
    "state",
    "claimed at (UTC)",
    "sent at (UTC)",
    "recipients",
]


def notice_export(request):
    if not request.user.is_authenticated:
        return redirect(f"{settings.LOGIN_URL}?next={request.path}")
    sites = _notice_sites_or_refuse(request.user)
    form, site_id, state = _filters(request, sites)
    if form.is_bound and not form.is_valid():
        return HttpResponse("Choose one of your sites and a known state.", status=400)
    rows = (
        [
            n.site.code,
            n.title,
            n.get_subject_kind_display(),
            n.due_on.isoformat(),
            stage_label(n.stage),
            n.get_state_display(),
            n.claimed_at.isoformat(),
            n.sent_at.isoformat() if n.sent_at else "",
            "; ".join(str(d.user) for d in n.deliveries.all()),
        ]
        for n in notices_for(request.user, site_id=site_id, state=state).iterator(chunk_size=500)
    )
    response = StreamingHttpResponse(csv_lines(CSV_HEADER, rows), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="reminder-notices.csv"'
    return response


def calendar_feed_view(request, secret: str):
    """The secret calendar: no sign-in; the address is the credential. An address regenerated
    away, or a person who may no longer act, answers 404."""
    now = timezone.now()
    feed = CalendarFeed.objects.select_related("user").filter(secret=secret).first()
    if feed is None or not account_may_act(feed.user, now)[0]:
        raise Http404("No such calendar.")
    user, host = feed.user, settings.PUBLIC_BASE_URL.split("://", 1)[-1]
    events = []
    for schedule in calendar_schedules(user, now=now):
        site, equipment = schedule.site, schedule.equipment
        due = site.local(schedule.next_due)
        name = schedule.procedure.current_version.name
        record = reverse("equipment:record_new", args=[schedule.pk])
        events.append(
            Event(
                uid=f"schedule-{schedule.pk}-{due:%Y%m%d}@{host}",
                day=due.date(),
                summary=f"{name} — {equipment.name} ({equipment.asset_tag})",
                description=(
                    f"{site.name}. Due {local_time_text(schedule.next_due, site.zone)}; "
                    f"overdue from {local_time_text(schedule.overdue_at, site.zone)}."
                ),
                url=f"{settings.PUBLIC_BASE_URL}{record}",
            )
        )
    for order in calendar_work_orders(user):
        page = reverse("equipment:work_order_detail", args=[order.pk])
        events.append(
            Event(
                uid=f"work-order-{order.pk}-{order.due_on:%Y%m%d}@{host}",
                day=order.due_on,
                summary=f"Work order {order.pk} due — {order.equipment.asset_tag}",
                description=f"{order.equipment.site.name}. {order.problem[:300]}",
                url=f"{settings.PUBLIC_BASE_URL}{page}",
            )
        )
    text = calendar(events, name=f"Imaging Ops — {user.get_full_name() or user}", now=now)
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


class LeadTimeView(ManagedSiteMixin, ServiceFormView):
    """A site's lead per procedure kind: how many days ahead "due in N days" comes (only for
    schedules whose interval is longer)."""

    form_class = LeadTimeForm
    template_name = "compliance/lead_times.html"

    def check_permission(self) -> None:
        """The site's managers (ManagedSiteMixin asked already)."""

    def get_initial(self):
        return lead_times(self.site)

    def get_context_data(self, **kwargs):
        return super().get_context_data(site=self.site, **kwargs)

    def check_parsed(self, form):
        if errors := lead_time_errors(form.cleaned_data):
            raise ValidationError(errors)

    def call_service(self, form):
        return set_lead_times(actor=self.request.user, site=self.site, days=form.cleaned_data)

    def get_success_message(self, result) -> str:
        return f"Saved the reminder lead times of {self.site.code}."

    def get_success_url(self, result) -> str:
        return reverse("compliance:lead_times", args=[self.site.code])
