"""Pages of work orders: the list at your sites (filtered by state, priority, site, machine,
assignee and age; paginated; exported as CSV with the same filters), one work order with its
history, lines, service reports and completions, the moves offered to this person as buttons
(each refused one with its reason), and the forms that move it, countersign it, add a line or
attach a report. Every write goes through equipment.services.work_orders."""

import contextlib
import itertools
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import ListView

from equipment.filters import WorkOrderFilter, filter_params
from equipment.forms.work_orders import (
    AttachForm,
    CountersignForm,
    DetailsForm,
    FaultReportForm,
    LineForm,
    TransitionForm,
    may_report_fault,
)
from equipment.models import (
    Equipment,
    WorkOrder,
    WorkOrderAttachment,
    WorkOrderPriority,
    WorkOrderState,
)
from equipment.selectors.work_orders import (
    downtimes,
    duration_text,
    open_work_orders,
    total_cost,
    work_order_list,
    work_order_page,
)
from equipment.services import work_orders as services
from equipment.services.attachments import KINDS, PATIENT_WARNING
from equipment.views.record_pages import _safe_name
from imaging_ops.access.permissions import Action, can
from imaging_ops.access.scoping import scope
from imaging_ops.audit.selectors import history_for
from imaging_ops.audit.viewing import viewed
from imaging_ops.csv_export import csv_lines
from imaging_ops.errors import Conflict
from imaging_ops.models import SiteMembership, User
from imaging_ops.records.signatures import (
    POLICY_TEXT,
    has_acknowledged_policy,
    needs_username,
    signature_states,
)
from imaging_ops.sites.local_time import local_time_text
from imaging_ops.web.base import ServiceFormView
from imaging_ops.web.paginator import KeysFirstPaginator

PAGE_SIZE = 50
CSV_BATCH = 500
W = WorkOrderState
CSV_HEADER = [
    "work_order",
    "site",
    "asset_tag",
    "equipment",
    "state",
    "priority",
    "problem",
    "reporter",
    "assignee",
    "opened_at",
    "due_on",
    "closed_at",
    "downtime_minutes",
    "stop_use",
    "vendor",
    "vendor_reference",
    "cost",
    "source_record",
    "resolution",
    "root_cause",
]


def _local(moment, site) -> str:
    return "" if moment is None else local_time_text(moment, site.zone)


@dataclass(frozen=True)
class Row:
    work_order: WorkOrder
    opened_at: str
    downtime: str
    cost: object


def rows_of(work_orders, *, now) -> list[Row]:
    work_orders = list(work_orders)
    spans = downtimes(work_orders, now=now)
    return [
        Row(
            work_order=w,
            opened_at=_local(w.opened_at, w.equipment.site),
            downtime=duration_text(spans[w.pk]),
            cost=total_cost(w),
        )
        for w in work_orders
    ]


def assignee_filter_choices(user) -> list[tuple[str, str]]:
    """The people at the viewer's sites, read as values (a site has hundreds of people)."""
    memberships = scope(SiteMembership.objects.all(), user)
    people = (
        User.objects.filter(pk__in=memberships.values("user_id"))
        .order_by("full_name", "username")
        .values_list("pk", "full_name", "first_name", "last_name", "username")
    )
    return [
        (str(pk), full or f"{first} {last}".strip() or username)
        for pk, full, first, last, username in people
    ]


def _filtered(request):
    return WorkOrderFilter(
        request.GET, queryset=scope(work_order_list(), request.user), request=request
    )


class WorkOrderListView(LoginRequiredMixin, ListView):
    """The work orders at your sites, newest first."""

    template_name = "equipment/work_order_list.html"
    paginate_by = PAGE_SIZE
    paginator_class = KeysFirstPaginator

    def get_queryset(self):
        self.filterset = _filtered(self.request)
        if not self.filterset.is_valid():
            return WorkOrder.objects.none()
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.filterset.form
        site = form.cleaned_data.get("site") if self.filterset.is_valid() else None
        equipment_choices = []
        if site is not None:
            equipment_choices = list(
                scope(Equipment.objects.filter(site=site), self.request.user)
                .order_by("asset_tag")
                .values_list("pk", "asset_tag", "name")
            )
        context.update(
            rows=rows_of(context["page_obj"].object_list, now=timezone.now()),
            filter=self.filterset,
            filter_params=filter_params(self.request.GET, self.filterset),
            equipment_choices=equipment_choices,
            assignee_choices=assignee_filter_choices(self.request.user),
            states=W.choices,
            priorities=WorkOrderPriority.choices,
            here=reverse("equipment:work_orders"),
            export_url=reverse("equipment:work_order_export"),
        )
        return context


def _csv_rows(queryset, *, now):
    iterator = queryset.iterator(chunk_size=CSV_BATCH)
    while batch := list(itertools.islice(iterator, CSV_BATCH)):
        spans = downtimes(batch, now=now)
        for w in batch:
            site = w.equipment.site
            yield [
                w.pk,
                site.code,
                w.equipment.asset_tag,
                w.equipment.name,
                w.get_state_display(),
                w.get_priority_display(),
                w.problem,
                w.reporter.display_name,
                w.assignee.display_name if w.assignee else "",
                _local(w.opened_at, site),
                w.due_on.isoformat() if w.due_on else "",
                _local(w.closed_at, site),
                int(spans[w.pk].total_seconds() // 60),
                "yes" if w.stop_use else "no",
                w.vendor,
                w.vendor_reference,
                f"{total_cost(w):.2f}",
                w.source_record_id or "",
                w.resolution,
                w.root_cause,
            ]


@login_required
def work_order_export(request):
    """The list as CSV, with the list page's filters and order, read in batches."""
    work_order_filter = _filtered(request)
    if not work_order_filter.is_valid():
        messages.error(request, "Correct the filters before exporting.")
        return redirect(f"{reverse('equipment:work_orders')}?{urlencode(request.GET, doseq=True)}")
    lines = csv_lines(CSV_HEADER, _csv_rows(work_order_filter.qs, now=timezone.now()))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="work-orders-{stamp}.csv"'
    return response


# --- One work order -----------------------------------------------------------------------------


def signing_flags(request) -> dict:
    return {
        "ask_username": needs_username(signer=request.user, session=request.session, via_api=False),
        "ask_policy": not has_acknowledged_policy(request.user),
    }


def detail_context(request, work_order: WorkOrder, **forms) -> dict:
    """What the work order's page shows; `forms` are bound forms a refused post shows again
    (`transition_form` with `failed_to`, `line_form`, `attach_form`, `countersign_form`)."""
    user, site = request.user, work_order.equipment.site
    flags = signing_flags(request)
    failed = forms.get("transition_form")
    offered = moves(request, work_order, failed=failed, flags=flags)
    completions = [
        {
            "version": v,
            "signatures": signature_states(v),
            "completed_at": _local(v.completed_at, site),
        }
        for v in sorted(work_order.versions.all(), key=lambda v: -v.number)
    ]
    current = work_order.current_version
    countersign = (
        work_order.state == W.COMPLETED
        and current is not None
        and current.is_external
        and not any(s.signature.meaning == "reviewed" for s in completions[0]["signatures"])
    )
    may_edit = True
    try:
        services.require_work_order_edit(user, work_order)
    except (PermissionDenied, Conflict):
        may_edit = False
    return {
        "work_order": work_order,
        "equipment": work_order.equipment,
        "moves": offered,
        # A refused post whose move is not offered here (any more) shows its reason on top.
        "stray_form": None if failed is None or failed in [m.form for m in offered] else failed,
        "failed_to": forms.get("failed_to"),
        "line_form": forms.get("line_form") or LineForm(),
        "details_form": forms.get("details_form")
        or DetailsForm(initial=DetailsForm.initial_for(work_order)),
        "attach_form": forms.get("attach_form") or AttachForm(),
        "countersign_form": forms.get("countersign_form") or CountersignForm(**flags),
        "may_countersign": countersign and can(user, Action.MANAGE_WORK_ORDERS, site),
        "needs_countersignature": countersign,
        "may_edit": may_edit,
        "lines": list(work_order.lines.all()),
        "cost": total_cost(work_order),
        "downtime": duration_text(downtimes([work_order], now=timezone.now())[work_order.pk]),
        "opened_at": _local(work_order.opened_at, site),
        "closed_at": _local(work_order.closed_at, site),
        "completions": completions,
        "audit_history": history_for(
            work_order, *work_order.lines.all(), *work_order.attachments.all()
        ),
        "policy_text": POLICY_TEXT,
        "patient_warning": PATIENT_WARNING,
    }


@dataclass(frozen=True)
class Move:
    """A move the page offers: the offer (refused with its reason, or not) and its form."""

    offer: services.Offer
    form: TransitionForm | None
    needs_input: bool
    reopening: bool


def moves(request, work_order: WorkOrder, *, failed, flags) -> list[Move]:
    """Each move the table allows from here, with a form whose ids are its own (several forms
    on one page); the one a refused post named comes back bound, with its errors."""
    site = work_order.equipment.site
    result = []
    for offer in services.transitions_offered(request.user, work_order):
        form = None
        if offer.refused is None:
            if failed is not None and failed.data.get("to") == offer.to:
                form = failed
            else:
                form = TransitionForm(
                    site=site,
                    **flags,
                    auto_id=f"{offer.to}-%s",
                    initial={"to": offer.to, "assignee": work_order.assignee_id},
                )
        reopening = offer.to == W.IN_PROGRESS and work_order.state == W.COMPLETED
        needs_input = reopening or offer.to in (W.ASSIGNED, W.COMPLETED, W.VERIFIED, W.CANCELLED)
        result.append(Move(offer=offer, form=form, needs_input=needs_input, reopening=reopening))
    return result


def get_work_order(request, pk) -> WorkOrder:
    return get_object_or_404(scope(work_order_page(), request.user), pk=pk)


class WorkOrderDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        work_order = get_work_order(request, pk)
        viewed(request, work_order)
        return render(
            request, "equipment/work_order_detail.html", detail_context(request, work_order)
        )


class WorkOrderFormView(ServiceFormView):
    """A form on the work order's page: a refusal shows the page again with the form bound."""

    template_name = "equipment/work_order_detail.html"
    form_key = ""

    def get_queryset(self):
        return work_order_page()

    def get(self, request, *args, **kwargs):
        return redirect("equipment:work_order_detail", pk=kwargs["pk"])

    def refused(self):
        self.object = self.get_object()

    def render_form(self, form, status: int = 200):
        extra = {self.form_key: form}
        if self.form_key == "transition_form":
            extra["failed_to"] = form.data.get("to")
        context = detail_context(self.request, self.object, **extra)
        return render(self.request, self.template_name, context, status=status)

    def conflict(self, exc, form=None):
        form.add_error(None, str(exc))
        return self.render_form(form, status=409)

    def get_success_url(self, result):
        return reverse("equipment:work_order_detail", args=[self.object.pk])


def _signature(data: dict, request) -> dict | None:
    if not data.get("password"):
        return None
    return {
        "password": data["password"],
        "username": data.get("username"),
        "session": request.session,
        "acknowledge_policy": data.get("acknowledge_policy", False),
    }


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class WorkOrderTransitionView(WorkOrderFormView):
    form_class = TransitionForm
    form_key = "transition_form"

    def get_form_kwargs(self):
        to = self.request.POST.get("to", "") if self.request.method == "POST" else ""
        return {
            **super().get_form_kwargs(),
            "site": self.object.equipment.site,
            "auto_id": f"{to}-%s" if to in W.values else "id_%s",
            **signing_flags(self.request),
        }

    def check_permission(self):
        to = self.request.POST.get("to", "")
        if to in services.TRANSITIONS.get(self.object.state, ()):
            why = services.refusal(self.request.user, self.object, to)
            if why:
                raise PermissionDenied(why)

    def call_service(self, form):
        data = form.cleaned_data
        to = data["to"]
        completion = None
        if to == W.COMPLETED:
            completion = {
                key: data.get(key)
                for key in (
                    "resolution",
                    "root_cause",
                    "major_repair",
                    "opened_enclosure",
                    "external_name",
                    "external_organisation",
                )
            }
        return services.transition_work_order(
            work_order=self.object,
            to=to,
            actor=self.request.user,
            now=timezone.now(),
            reason=data.get("reason", ""),
            assignee=form.assignee_user() if to == W.ASSIGNED else None,
            completion=completion,
            signature=_signature(data, self.request),
        )

    def get_success_message(self, work_order):
        return f"Work order {work_order.pk} is {work_order.get_state_display().lower()}."


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class WorkOrderCountersignView(WorkOrderFormView):
    form_class = CountersignForm
    form_key = "countersign_form"
    success_message = "Countersigned the field engineer's completion as reviewed."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), **signing_flags(self.request)}

    def check_permission(self):
        if not can(self.request.user, Action.MANAGE_WORK_ORDERS, self.object.equipment.site_id):
            raise PermissionDenied("Only a physicist or manager at this site countersigns.")

    def call_service(self, form):
        data = form.cleaned_data
        return services.countersign_work_order(
            work_order=self.object,
            signer=self.request.user,
            now=timezone.now(),
            password=data["password"],
            username=data.get("username"),
            session=self.request.session,
            acknowledge_policy=data.get("acknowledge_policy", False),
        )


class WorkOrderDetailsView(WorkOrderFormView):
    form_class = DetailsForm
    form_key = "details_form"
    success_message = "Details saved."

    def check_permission(self):
        with contextlib.suppress(Conflict):
            services.require_work_order_edit(self.request.user, self.object)

    def call_service(self, form):
        return services.update_work_order(
            actor=self.request.user, work_order=self.object, now=timezone.now(), **form.cleaned_data
        )


class WorkOrderLineView(WorkOrderFormView):
    form_class = LineForm
    form_key = "line_form"
    success_message = "Line added."

    def check_permission(self):
        # A closed or completed work order: the service answers 409 with the reason.
        with contextlib.suppress(Conflict):
            services.require_work_order_edit(self.request.user, self.object)

    def call_service(self, form):
        return services.add_work_order_line(
            actor=self.request.user, work_order=self.object, now=timezone.now(), **form.cleaned_data
        )


class WorkOrderAttachView(WorkOrderFormView):
    form_class = AttachForm
    form_key = "attach_form"
    success_message = "Service report attached."

    def check_permission(self):
        with contextlib.suppress(Conflict):
            services.require_work_order_edit(self.request.user, self.object)

    def call_service(self, form):
        return services.attach_to_work_order(
            actor=self.request.user,
            work_order=self.object,
            files=form.cleaned_data["files"],
            now=timezone.now(),
        )


def work_order_attachment(request, pk):
    """A service report, to people at its work order's site only (404 elsewhere), always as a
    download of its declared type."""
    attachment = get_object_or_404(scope(WorkOrderAttachment.objects.all(), request.user), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file of this attachment is missing.") from None
    content_type = (
        attachment.content_type
        if attachment.content_type in {kind for kind, _ in KINDS.values()}
        else "application/octet-stream"
    )
    response = FileResponse(
        handle, as_attachment=True, filename=_safe_name(attachment.name), content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


work_order_attachment = login_required(work_order_attachment)


# --- On the equipment page ------------------------------------------------------------------


def work_orders_section(user, equipment: Equipment, *, fault_form=None) -> dict:
    """The machine's open work orders and, for those who may report a fault there, the
    fault report (bound when a report was refused)."""
    may_report = may_report_fault(user, equipment)
    if fault_form is None and may_report:
        fault_form = FaultReportForm()
    return {
        "open_work_orders": open_work_orders(equipment),
        "fault_form": fault_form if may_report else None,
    }
