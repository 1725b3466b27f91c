"""Pages of procedures: the list (the sites' own and the organisation library) with its CSV, one
procedure with its checks' bands drawn as number lines and its versions, and the forms that
create one, make a new version, copy a library procedure to a site and assign one to every unit
of a modality (equipment.views.procedure_forms).

Every write goes through equipment.services; what the pages offer is asked of the same rules
(equipment.services.grants), so an action a person may not take is not shown to them.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from equipment.band_line import BandLine, band_line, limit_text
from equipment.filters import ProcedureFilter, filter_params
from equipment.limits import LimitName
from equipment.models import Category, Check, Procedure, ProcedureVersion, RequiringEvent
from equipment.models.procedures import LIMIT_FIELDS
from equipment.scheduling import Interval, Recurrence
from equipment.scheduling.words import recurrence_words
from equipment.selectors.procedures import (
    copies_at_my_sites,
    copy_sites,
    newer_in_library,
    procedure_list,
    procedure_page,
)
from equipment.services.grants import may_edit_procedure
from equipment.services.procedures import check_band
from imaging_ops.access.permissions import Action, sites_where
from imaging_ops.audit.trail import AuditAction, record_event, regulated_transaction
from imaging_ops.audit.viewing import viewed
from imaging_ops.csv_export import csv_lines
from imaging_ops.vocabulary import Modality, Role
from imaging_ops.web.paginator import KeysFirstPaginator

PAGE_SIZE = 50


def may_create_procedures(user) -> bool:
    """Whether to offer "New procedure": the person edits procedures somewhere (the service
    says which kinds, at which site)."""
    return bool(sites_where(user, Action.EDIT_PROCEDURES))


class ProcedureListView(LoginRequiredMixin, ListView):
    template_name = "equipment/procedure_list.html"
    context_object_name = "procedures"
    paginate_by = PAGE_SIZE
    paginator_class = KeysFirstPaginator

    def get_queryset(self):
        queryset = procedure_list(self.request.user)
        self.filterset = ProcedureFilter(self.request.GET, queryset=queryset, request=self.request)
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for procedure in context["procedures"]:
            procedure.library_newer = newer_in_library(procedure, copied_at=procedure.created_at)
        context.update(
            filter=self.filterset,
            filter_params=filter_params(self.request.GET, self.filterset),
            may_create=may_create_procedures(self.request.user),
        )
        return context


# --- CSV -------------------------------------------------------------------------------------

EXPORT_COLUMNS = [
    "owner",
    "code",
    "kind",
    "name",
    "version",
    "version_made_at",
    "modalities",
    "categories",
    "citation",
    "checks",
    "schedules",
    "copied_from",
    "library_has_newer_version",
]


def _export_row(procedure: Procedure) -> list:
    version = procedure.current_version
    site = procedure.site
    made = site.local(version.created_at) if site else version.created_at
    newer = newer_in_library(procedure, copied_at=procedure.created_at)
    return [
        site.code if site else "library",
        procedure.code,
        procedure.kind,
        version.name,
        version.number,
        made.isoformat(timespec="minutes"),
        " ".join(version.modalities),
        " ".join(version.categories),
        version.citation,
        procedure.check_count,
        procedure.schedule_count,
        procedure.copied_from.code if procedure.copied_from else "",
        "yes" if newer else "",
    ]


@login_required
def procedure_export(request):
    """The filtered procedure list as CSV; the export is audited at each site it covers."""
    procedures = ProcedureFilter(
        request.GET, queryset=procedure_list(request.user), request=request
    )
    if not procedures.is_valid():
        messages.error(request, "Correct the filters before exporting.")
        return redirect(f"{reverse('equipment:procedures')}?{urlencode(request.GET)}")
    queryset = procedures.qs
    used = {key: value for key, value in request.GET.items() if value and key != "page"}
    site_ids = sorted(
        set(queryset.order_by().values_list("site_id", flat=True).distinct()),
        key=lambda site_id: (site_id is not None, site_id or 0),
    )
    with regulated_transaction():
        for site_id in site_ids or [None]:
            record_event(
                AuditAction.EXPORT,
                object_type="procedure list",
                site_id=site_id,
                changes={"filters": used},
            )
    rows = (_export_row(p) for p in queryset.iterator(chunk_size=500))
    response = StreamingHttpResponse(csv_lines(EXPORT_COLUMNS, rows), content_type="text/csv")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="procedures-{stamp}.csv"'
    return response


# --- one procedure ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LimitRow:
    label: str
    text: str
    inclusive: bool


@dataclass(frozen=True)
class CheckRow:
    """A check as its page shows it: the check, its band as a number line (None when it has no
    limits), and the limits in words."""

    check: Check
    line: BandLine | None
    limits: tuple[LimitRow, ...]

    @property
    def dom_id(self) -> str:
        return f"check-{self.check.key}"


def check_row(check: Check) -> CheckRow:
    limits = tuple(
        LimitRow(
            LimitName(name).label,
            limit_text(getattr(check, name), mode=check.band_mode, unit=check.unit),
            getattr(check, f"{name}_inclusive"),
        )
        for name in LIMIT_FIELDS
        if getattr(check, name) is not None
    )
    line = band_line(check_band(check), unit=check.unit) if limits else None
    return CheckRow(check=check, line=line, limits=limits)


def default_recurrence_words(version: ProcedureVersion) -> str:
    """The recurrence a new schedule starts from, in words."""
    if not version.default_anchor:
        return "No default: each schedule sets its own recurrence."
    if version.default_preset:
        recurrence = Recurrence(preset=version.default_preset, weekday=version.default_weekday)
    else:
        recurrence = Recurrence(
            interval=Interval(
                version.default_interval_months,
                version.default_interval_weeks,
                version.default_interval_days,
            )
        )
    hard = version.default_hard_limit_months
    return recurrence_words(
        anchor=version.default_anchor,
        recurrence=recurrence,
        early=Interval(days=version.default_early_days),
        grace=Interval(days=version.default_grace_days),
        hard_limit=Interval(months=hard) if hard else None,
    )


def _labels(values, choices) -> list[str]:
    known = dict(choices)
    return [str(known.get(value, value)) for value in values]


def time_zone_for(user, procedure: Procedure) -> str:
    """The zone a procedure's times are read in: its site's, for the library the reader's home
    site's (UTC without one)."""
    if procedure.site is not None:
        return procedure.site.time_zone
    home = user.home_site
    return home.time_zone if home is not None else "UTC"


def procedure_context(user, procedure: Procedure) -> dict:
    """What the procedure's page shows and which actions it offers this person."""
    version = procedure.current_version  # with its checks, in order, as `rows`
    may_edit = may_edit_procedure(user, procedure)
    sites = [
        site
        for site in copy_sites(user, procedure)
        if may_edit_procedure(user, procedure, at_site=site.pk)
    ]
    return {
        "procedure": procedure,
        "version": version,
        "checks": [check_row(check) for check in version.rows],
        "checks_to_verify": [check for check in version.rows if check.verify_locally],
        "history": sorted(procedure.versions.all(), key=lambda v: v.number, reverse=True),
        "recurrence": default_recurrence_words(version),
        "modalities": _labels(version.modalities, Modality.choices),
        "categories": _labels(version.categories, Category.choices),
        "performer_roles": _labels(version.performer_roles, Role.choices),
        "required_after": _labels(version.required_after, RequiringEvent.choices),
        "library_newer": newer_in_library(procedure),
        "copies": copies_at_my_sites(user, procedure) if procedure.is_library else [],
        "schedule_count": procedure.schedules.count(),
        "time_zone": time_zone_for(user, procedure),
        "may_edit": may_edit,
        "may_assign": may_edit and not procedure.is_library,
        "may_copy": bool(sites),
    }


class ProcedureDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        procedure = get_object_or_404(procedure_page(request.user), pk=pk)
        viewed(request, procedure)
        return render(
            request, "equipment/procedure_detail.html", procedure_context(request.user, procedure)
        )
