"""The record form: a schedule's procedure (or ad hoc work on a machine) done, measured and
signed as performed on one page, with each value's result shown as it is typed.

Every rule is the record service's (equipment.services.records, record_content, measurements):
the form parses, `create_service_record` judges and saves exactly as the API's POST does, and
the as-you-type result comes from the same `judge` and `describe` as the API's evaluate
endpoint. Without JavaScript the results appear beside the values after the form is sent.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters

from equipment.forms.records import RecordForm
from equipment.limits import BandMode, Outcome
from equipment.models import Check, CheckKind, Equipment, ProcedureKind, Schedule
from equipment.selectors.procedures import visible_procedures
from equipment.selectors.records import recent_values
from equipment.selectors.trends import Trend, trends
from equipment.services.attachments import PATIENT_WARNING
from equipment.services.measurements import EntryError, describe, judge
from equipment.services.record_content import prepare, references_of
from equipment.services.records import create_service_record, require_performer
from equipment.views.procedures import CheckRow, check_row
from imaging_ops.access.permissions import Action, can, require
from imaging_ops.access.scoping import scope
from imaging_ops.records.signatures import POLICY_TEXT, has_acknowledged_policy
from imaging_ops.sites.local_time import local_time_text
from imaging_ops.web.base import ServiceFormView

RECENT_VALUES = 5


def after_recording_url(record) -> str:
    """Where the form goes once a record is saved."""
    return reverse("equipment:detail", args=[record.equipment_id])


@dataclass(frozen=True)
class Subject:
    """What is being recorded: a schedule's procedure on its machine, or ad hoc work."""

    equipment: Equipment
    procedure: object
    schedule: Schedule | None = None

    @property
    def site(self):
        return self.equipment.site

    @property
    def version(self):
        return self.procedure.current_version

    def form_url(self) -> str:
        if self.schedule is not None:
            return reverse("equipment:record_new", args=[self.schedule.pk])
        url = reverse("equipment:record_adhoc", args=[self.equipment.pk])
        return f"{url}?procedure={self.procedure.pk}"

    def evaluate_url(self, check) -> str:
        if self.schedule is not None:
            return reverse("equipment:record_evaluate", args=[self.schedule.pk, check.pk])
        url = reverse("equipment:record_adhoc_evaluate", args=[self.equipment.pk, check.pk])
        return f"{url}?procedure={self.procedure.pk}"

    def references(self) -> dict:
        return references_of(self.schedule)

    def recent(self, keys=()) -> dict:
        return recent_values(
            schedule=self.schedule,
            equipment=self.equipment,
            procedure=self.procedure,
            per_check=RECENT_VALUES,
            keys=keys,
        )


def schedule_subject(request, pk) -> Subject:
    schedules = Schedule.objects.select_related("equipment__site", "procedure__current_version")
    schedule = get_object_or_404(scope(schedules, request.user), pk=pk)
    return Subject(schedule.equipment, schedule.procedure, schedule)


def scoped_equipment(request, pk) -> Equipment:
    return get_object_or_404(scope(Equipment.objects.select_related("site"), request.user), pk=pk)


def procedures_for(user, equipment: Equipment):
    """The procedures that may be recorded on the machine: its site's and the library's."""
    return (
        visible_procedures(user)
        .filter(Q(site__isnull=True) | Q(site=equipment.site_id), current_version__isnull=False)
        .select_related("current_version")
    )


def adhoc_subject(request, pk) -> Subject:
    """The machine (`pk`) and `?procedure=`: one of its site's procedures or the library's."""
    equipment = scoped_equipment(request, pk)
    procedure_id = request.GET.get("procedure", "")
    if not procedure_id.isdigit():
        raise Http404("Choose the procedure that was done.")
    procedure = get_object_or_404(procedures_for(request.user, equipment), pk=procedure_id)
    return Subject(equipment, procedure)


@dataclass(frozen=True)
class Result:
    """A typed value's result as the form shows it: the outcome and the sentence, or why the
    value cannot be judged."""

    outcome: str = ""
    text: str = ""
    error: str = ""


def result_of(check, raw, references: dict) -> Result | None:
    """What `raw` scores for `check` (the service's judge), None when nothing was typed."""
    if raw in (None, ""):
        return None
    try:
        judged = judge(check, raw, reference=references.get(check.key))
    except EntryError as problem:
        return Result(error=str(problem))
    return Result(outcome=judged.result, text=describe(judged, unit=check.unit))


@dataclass(frozen=True, slots=True)
class RecentValue:
    """One of a check's last values as the form lists it: when (ISO, and the site's month and
    day), the value as typed, and its result when it did not pass."""

    at: str
    day: str
    text: str
    note: str


def recent_values_shown(measurements, zone) -> list[RecentValue]:
    shown = []
    for m in measurements:
        local = m.version.performed_at.astimezone(zone)
        note = "" if m.result == Outcome.PASS else m.get_result_display().lower()
        shown.append(RecentValue(local.isoformat(), local.strftime("%m-%d"), m.value_text, note))
    return shown


@dataclass(frozen=True)
class Entry:
    """One check on the form: its band, reference, last values, input, result, and where its
    trend loads from when the person opens it (empty for ad hoc work and non-numeric checks)."""

    row: CheckRow
    field: object
    reference: object
    recent: list[RecentValue]
    result: Result | None
    evaluate_url: str
    trend_url: str

    @property
    def check(self):
        return self.row.check

    @property
    def is_percent(self) -> bool:
        return self.check.band_mode == BandMode.PERCENT and self.row.line is not None


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class RecordFormView(ServiceFormView):
    """The technician's form for a schedule (`pk`); see `AdhocRecordView` for work without one."""

    form_class = RecordForm
    template_name = "equipment/record_form.html"

    def get_object(self) -> Subject:
        return schedule_subject(self.request, self.kwargs["pk"])

    def check_permission(self):
        require_performer(
            self.request.user, equipment=self.object.equipment, procedure=self.object.procedure
        )

    @property
    def checks(self) -> list[Check]:
        if not hasattr(self, "_checks"):
            self._checks = list(self.object.version.checks.order_by("position"))
        return self._checks

    @property
    def field_map(self) -> dict[str, str]:
        return self._form.field_map()

    def get_initial(self):
        now = self.object.site.local(timezone.now())
        return {"performed_at": now.replace(tzinfo=None, second=0, microsecond=0)}

    def get_form_kwargs(self):
        user = self.request.user
        return {
            **super().get_form_kwargs(),
            "site": self.object.site,
            "checks": self.checks,
            "username": user.get_username(),
            "external_allowed": self.object.version.external_allowed,
            "calibration": self.object.procedure.kind == ProcedureKind.CALIBRATION,
            "ask_policy": not has_acknowledged_policy(user),
        }

    def get_form(self):
        self._form = super().get_form()
        return self._form

    def subject_kwargs(self) -> dict:
        subject = self.object
        if subject.schedule is not None:
            return {"schedule": subject.schedule}
        return {"equipment": subject.equipment, "procedure": subject.procedure}

    def check_parsed(self, form):
        """What the record service says of the fields that parsed (nothing is written)."""
        subject = self.object
        prepare(
            equipment=subject.equipment,
            schedule=subject.schedule,
            procedure_version=subject.version,
            performed_at=form.cleaned_data.get("performed_at"),
            now=timezone.now(),
            **form.content(parsed_only=True),
        )

    def call_service(self, form):
        return create_service_record(
            actor=self.request.user,
            now=timezone.now(),
            performed_at=form.cleaned_data["performed_at"],
            signature=form.signature(session=self.request.session),
            valid_until=form.valid_until_moment() if "valid_until" in form.fields else None,
            **self.subject_kwargs(),
            **form.content(),
        )

    def get_success_message(self, record):
        outcome = Outcome(record.outcome).label.lower()
        message = f"{record.procedure.code} recorded on {record.equipment.asset_tag}: {outcome}."
        if not record.counts:
            message += " It counts once it has been reviewed."
        if record.schedule_id is not None:
            schedule = Schedule.objects.only("next_due").get(pk=record.schedule_id)
            when = local_time_text(schedule.next_due, self.object.site.zone)
            message += f" Next due {when}."
        return message

    def get_success_url(self, record):
        return self.back_to() or after_recording_url(record)

    def back_to(self) -> str:
        """Where the person came from ("My work" passes itself as `next`), if it is a path on
        this site; anything else is ignored."""
        target = self.request.POST.get("next") or self.request.GET.get("next") or ""
        local = target.startswith("/") and not target.startswith("//")
        safe = url_has_allowed_host_and_scheme(target, allowed_hosts={self.request.get_host()})
        return target if local and safe else ""

    def entries(self, form) -> list[Entry]:
        subject = self.object
        references = subject.references()
        fields = form.value_fields()
        recent = subject.recent(keys=[check.key for check, _ in fields])
        zone = subject.site.zone
        # Each trend loads when its disclosure is opened (ScheduleTrendsView): six charts with
        # their tables were most of the form's weight, and at the machine nobody opens them all.
        trend_base = (
            reverse("equipment:schedule_trends", args=[subject.schedule.pk])
            if subject.schedule is not None
            else ""
        )
        entries = []
        for check, bound in fields:
            typed = bound.value() if form.is_bound else None
            entries.append(
                Entry(
                    row=check_row(check),
                    field=bound,
                    reference=references.get(check.key),
                    recent=recent_values_shown(recent.get(check.key, []), zone),
                    result=result_of(check, typed, references),
                    evaluate_url=subject.evaluate_url(check),
                    trend_url=(
                        f"{trend_base}?{urlencode({'check': check.key})}"
                        if trend_base and check.kind == CheckKind.NUMERIC
                        else ""
                    ),
                )
            )
        return entries

    def get_context_data(self, **kwargs):
        subject = self.object
        form = kwargs.get("form")
        return super().get_context_data(
            subject=subject,
            equipment=subject.equipment,
            schedule=subject.schedule,
            procedure=subject.procedure,
            version=subject.version,
            entries=self.entries(form) if form is not None else [],
            next_due=(
                local_time_text(subject.schedule.next_due, subject.site.zone)
                if subject.schedule is not None
                else None
            ),
            patient_warning=PATIENT_WARNING,
            policy_text=POLICY_TEXT,
            back_to=self.back_to(),
            **kwargs,
        )


class AdhocRecordView(RecordFormView):
    """Work on a machine (`pk`) without a schedule: `?procedure=` names what was done; without
    it, the page lists the procedures to choose from."""

    def get_object(self) -> Subject:
        return adhoc_subject(self.request, self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if "procedure" in request.GET:
            return super().get(request, *args, **kwargs)
        equipment = scoped_equipment(request, kwargs["pk"])
        require(request.user, Action.PERFORM_RECORDS, equipment.site_id)
        procedures = procedures_for(request.user, equipment).order_by(
            F("site").asc(nulls_last=True), "code"
        )
        return render(
            request,
            "equipment/record_choose.html",
            {"equipment": equipment, "procedures": procedures},
        )


class EvaluateView(LoginRequiredMixin, View):
    """POST a check's value as typed (`value_<check id>`, or `value`): the result as a small
    piece of HTML for the form, from the service's own judge and describe."""

    def subject(self) -> Subject:
        return schedule_subject(self.request, self.kwargs["pk"])

    def post(self, request, pk, check_id):
        subject = self.subject()
        require_performer(request.user, equipment=subject.equipment, procedure=subject.procedure)
        check = get_object_or_404(Check, pk=check_id, version=subject.procedure.current_version_id)
        raw = request.POST.get(f"value_{check.pk}", request.POST.get("value", ""))
        result = result_of(check, raw, subject.references())
        return render(request, "equipment/record_result.html", {"result": result})


class AdhocEvaluateView(EvaluateView):
    def subject(self) -> Subject:
        return adhoc_subject(self.request, self.kwargs["pk"])


def records_section(user, equipment: Equipment) -> dict:
    """What the equipment page shows of recording: whether to offer the record buttons. Its
    trends follow the page (`EquipmentTrendsView`): a year of daily QC is a dozen charts, and
    the page the QR label opens at the machine paints first."""
    return {"may_record": can(user, Action.PERFORM_RECORDS, equipment.site_id)}


def equipment_trends(equipment: Equipment) -> list[Trend]:
    """The trend of each numeric check of the machine's schedules with values in the period
    (a few queries, however many schedules and records there are)."""
    schedules = Schedule.objects.filter(equipment=equipment).select_related(
        "equipment__site", "procedure__current_version"
    )
    return [t for t in trends(schedules, now=timezone.now()) if t.measurements]


class ScheduleTrendsView(LoginRequiredMixin, View):
    """One schedule's trends (`check` narrows them to one check's): what the record form's
    disclosures load when opened (htmx), or a page of their own without JavaScript. Outside
    the person's sites: not found."""

    def get(self, request, pk):
        schedule = get_object_or_404(
            scope(
                Schedule.objects.select_related("equipment__site", "procedure__current_version"),
                request.user,
            ),
            pk=pk,
        )
        shown = trends([schedule], now=timezone.now())
        key = request.GET.get("check")
        if key:
            shown = [t for t in shown if t.check.key == key]
        if request.headers.get("HX-Request") == "true":
            return render(request, "equipment/schedule_trends.html", {"trends": shown})
        context = {"equipment": schedule.equipment, "trends": [t for t in shown if t.measurements]}
        return render(request, "equipment/trends_page.html", context)


class EquipmentTrendsView(LoginRequiredMixin, View):
    """The machine's trends: the section the equipment page loads after itself (htmx), or a
    page of its own without JavaScript. Outside the person's sites: not found."""

    def get(self, request, pk):
        equipment = get_object_or_404(
            scope(Equipment.objects.select_related("site"), request.user), pk=pk
        )
        context = {"equipment": equipment, "trends": equipment_trends(equipment)}
        fragment = request.headers.get("HX-Request") == "true"
        template = "equipment/trends_section.html" if fragment else "equipment/trends_page.html"
        return render(request, template, context)
