"""A schedule's own page and its forms: add a schedule to a machine, change it with a reason,
pause or resume it with a reason, set or re-baseline a check's reference with a reason. Every
write goes through equipment.services.schedules; the page reads through
equipment.selectors.schedules in the same queries however many references, changes or missed
days it has."""

from dataclasses import dataclass

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from equipment.decay import plain_number
from equipment.forms.schedules import (
    FIELD_MAP,
    ReasonForm,
    ReferenceForm,
    ScheduleCreateForm,
    ScheduleEditForm,
)
from equipment.models import Equipment, MissedOccurrence, Procedure, Reference, Schedule
from equipment.scheduling.words import recurrence_words
from equipment.selectors.procedures import assignable_people
from equipment.selectors.schedules import procedures_applying_to, schedule_page
from equipment.services import schedules as services
from equipment.services.grants import may_edit_procedure
from equipment.views.procedures import CheckRow, check_row
from equipment.views.schedules import row_of
from imaging_ops.access.permissions import Action, require
from imaging_ops.audit.selectors import history_for
from imaging_ops.audit.trail import AuditAction
from imaging_ops.audit.viewing import viewed
from imaging_ops.errors import Conflict
from imaging_ops.models import AuditEvent
from imaging_ops.sites.local_time import local_time_text
from imaging_ops.web.base import ServiceFormView

MISSED_SHOWN = 50  # the latest missed days the page lists (with how many there are in all)
PAUSES_SHOWN = 50


def detail_url(schedule) -> str:
    return reverse("equipment:schedule_detail", args=[schedule.pk])


@dataclass(frozen=True)
class ScheduleCheck:
    """A check on the schedule's page: its band as the procedure page draws it, and for a
    numeric check its reference on this schedule (None until set)."""

    row: CheckRow
    reference: Reference | None
    needs_reference: bool


def _readable(reference: Reference, zone) -> Reference:
    """The reference and its changes with their values as people write them (40, not 4E+1),
    and their times in the site's zone."""
    reference.text = plain_number(reference.value)
    for change in getattr(reference, "changes", ()):
        change.at_text = local_time_text(change.changed_at, zone)
        change.value_text = plain_number(change.value)
        previous = change.previous_value
        change.previous_text = None if previous is None else plain_number(previous)
    return reference


def _checks(schedule: Schedule) -> list[ScheduleCheck]:
    zone = schedule.equipment.site.zone
    references = {r.check_key: _readable(r, zone) for r in schedule.references.all()}
    version = schedule.procedure.current_version
    checks = []
    for check in version.rows:
        reference = references.get(check.key)
        percent = check.kind == "numeric" and check.band_mode == "percent"
        checks.append(ScheduleCheck(check_row(check), reference, percent and reference is None))
    return checks


def _pauses(schedule: Schedule) -> list[dict]:
    """Each pause and resume of the schedule, newest first, with who, when and why: read from
    the audit trail, where the service wrote them with their reason."""
    events = AuditEvent.objects.filter(
        object_type=Schedule._meta.label_lower,
        object_id=str(schedule.pk),
        action=AuditAction.UPDATE,
        changes__has_key="paused",
    ).order_by("-seq")[:PAUSES_SHOWN]
    zone = schedule.equipment.site.zone
    return [
        {
            "paused": bool(event.changes["paused"][1]),
            "at": local_time_text(event.at, zone),
            "by": event.actor_name,
            "reason": event.reason,
        }
        for event in events
    ]


def schedule_context(user, schedule: Schedule) -> dict:
    """What the schedule's page shows and which actions it offers this person."""
    site = schedule.equipment.site
    row = row_of(schedule)
    missed = MissedOccurrence.objects.filter(schedule=schedule).select_related("annotated_by")
    references = list(schedule.references.all())
    return {
        "schedule": schedule,
        "equipment": schedule.equipment,
        "procedure": schedule.procedure,
        "version": schedule.procedure.current_version,
        "row": row,
        "window_opens": local_time_text(schedule.window_opens, site.zone),
        "recurrence": recurrence_words(
            anchor=schedule.anchor,
            recurrence=schedule.recurrence,
            early=schedule.early,
            grace=schedule.grace,
            hard_limit=schedule.hard_limit,
        ),
        "checks": _checks(schedule),
        "missed": list(missed.order_by("-day")[:MISSED_SHOWN]),
        "missed_count": missed.count(),
        "pauses": _pauses(schedule),
        "may_edit": services.may_edit_schedule(user, schedule),
        "audit_history": history_for(schedule, *references),
        "time_zone": site.time_zone,
    }


class ScheduleDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        schedule = get_object_or_404(schedule_page(request.user, now=timezone.now()), pk=pk)
        viewed(request, schedule)
        return render(
            request, "equipment/schedule_detail.html", schedule_context(request.user, schedule)
        )


def _schedules():
    return Schedule.objects.select_related(
        "equipment__site", "procedure__current_version", "assignee"
    )


class ScheduleCreateView(ServiceFormView):
    """Add a schedule to a machine: one of its site's procedures that apply to it."""

    model = Equipment
    form_class = ScheduleCreateForm
    template_name = "equipment/schedule_form.html"
    field_map = {**FIELD_MAP, "last_done": "last_done_on"}

    def get_queryset(self):
        return Equipment.objects.select_related("site")

    def check_permission(self):
        require(self.request.user, Action.EDIT_PROCEDURES, self.object.site_id)

    def check_state(self):
        if self.object.status in services.INACTIVE_EQUIPMENT:
            raise Conflict(services.INACTIVE_EQUIPMENT[self.object.status])

    def get_form_kwargs(self):
        user, equipment = self.request.user, self.object
        offered = [p.pk for p in procedures_applying_to(equipment) if may_edit_procedure(user, p)]
        procedures = Procedure.objects.filter(pk__in=offered).select_related("current_version")
        return {
            **super().get_form_kwargs(),
            "site": equipment.site,
            "people": assignable_people(equipment.site, now=timezone.now()),
            "procedures": procedures.order_by("code", "pk"),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            equipment=self.object, time_zone=self.object.site.time_zone, **kwargs
        )

    def call_service(self, form):
        last_done = form.last_done()
        if last_done is None and form.cleaned_data.get("last_done_on"):
            raise ValidationError({"last_done": "Give a day between 1900 and 2100."})
        return services.create_schedule(
            actor=self.request.user,
            equipment=self.object,
            procedure=form.cleaned_data["procedure"],
            now=timezone.now(),
            last_done=last_done,
            **form.schedule_fields(),
        )

    def get_success_message(self, schedule):
        return f"Scheduled {schedule.procedure.code} on {schedule.equipment.asset_tag}."

    def get_success_url(self, schedule):
        return detail_url(schedule)


class ScheduleFormMixin:
    """A form about one schedule at the viewer's sites (404 elsewhere), for those who may
    change it (403 otherwise)."""

    model = Schedule

    def get_queryset(self):
        return _schedules()

    def check_permission(self):
        services.require_schedule_edit(self.request.user, self.object)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            schedule=self.object,
            equipment=self.object.equipment,
            time_zone=self.object.equipment.site.time_zone,
            **kwargs,
        )

    def get_success_url(self, result):
        return detail_url(self.object)

    def refused(self):
        self.object.refresh_from_db()


class ScheduleEditView(ScheduleFormMixin, ServiceFormView):
    """Change the assignee, recurrence, window, grace, hard limit or due time, with a reason."""

    form_class = ScheduleEditForm
    template_name = "equipment/schedule_form.html"
    field_map = FIELD_MAP
    success_message = "Saved the schedule; its clock moved with the change."

    def get_initial(self):
        return ScheduleEditForm.initial_for(self.object)

    def get_form_kwargs(self):
        site = self.object.equipment.site
        return {
            **super().get_form_kwargs(),
            "site": site,
            "people": assignable_people(site, now=timezone.now()),
        }

    def call_service(self, form):
        return services.update_schedule(
            actor=self.request.user,
            schedule=self.object,
            changes=form.schedule_fields(),
            reason=form.cleaned_data["reason"],
            now=timezone.now(),
        )


class SchedulePauseView(ScheduleFormMixin, ServiceFormView):
    """Pause (`pause = True`) or resume a schedule's reminders, with a reason."""

    form_class = ReasonForm
    template_name = "equipment/schedule_reason_form.html"
    pause = True

    def check_state(self):
        if self.object.paused == self.pause:
            state = "paused" if self.pause else "running"
            raise Conflict(f"This schedule is already {state}.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(pause=self.pause, **kwargs)

    def call_service(self, form):
        service = services.pause_schedule if self.pause else services.resume_schedule
        return service(
            actor=self.request.user,
            schedule=self.object,
            reason=form.cleaned_data["reason"],
            now=timezone.now(),
        )

    def get_success_message(self, schedule):
        return "Paused the reminders." if self.pause else "Resumed the reminders."


class ScheduleResumeView(SchedulePauseView):
    pause = False


class ReferenceSetView(ScheduleFormMixin, ServiceFormView):
    """Set or re-baseline the reference of one of the schedule's numeric checks, with a reason;
    `?check=<key>` chooses the check."""

    form_class = ReferenceForm
    template_name = "equipment/schedule_reference_form.html"
    field_map = FIELD_MAP

    def get_initial(self):
        return {"check": self.request.GET.get("check", "")}

    def get_form_kwargs(self):
        checks = self.object.procedure.current_version.checks.order_by("position")
        return {**super().get_form_kwargs(), "checks": list(checks)}

    def get_context_data(self, **kwargs):
        references = Reference.objects.filter(schedule=self.object).order_by("check_key")
        return super().get_context_data(references=[_readable(r) for r in references], **kwargs)

    def call_service(self, form):
        return services.set_reference(
            actor=self.request.user,
            schedule=self.object,
            check_key=form.cleaned_data["check"],
            value=form.cleaned_data["value"],
            reason=form.cleaned_data["reason"],
            now=timezone.now(),
        )

    def get_success_message(self, reference):
        return f"Saved the reference of {reference.check_key}: {plain_number(reference.value)}."
