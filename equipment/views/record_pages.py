"""Pages of service records: the list at your sites and the list of one machine (filtered,
sorted by the moment performed, paginated, exported as CSV with the same filters), one record
with every version, measurement, signature and attachment, and the download of an attachment,
served only to people at the record's site. Times are each record's site's own."""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from equipment.band_line import BandLine, band_line, limit_text
from equipment.filters import ServiceRecordFilter, filter_params
from equipment.limits import Band, BandMode, Limit, LimitName, Outcome
from equipment.models import (
    Equipment,
    Measurement,
    RecordAttachment,
    ReviewReason,
    ServiceRecord,
    ServiceRecordVersion,
)
from equipment.scheduling import Timeliness
from equipment.selectors.records import record_export, record_list, record_page
from equipment.selectors.review import records_to_review_after
from equipment.services.attachments import KINDS
from imaging_ops.access.permissions import Action, can
from imaging_ops.access.scoping import scope
from imaging_ops.audit.selectors import history_for
from imaging_ops.audit.viewing import viewed
from imaging_ops.csv_export import csv_lines
from imaging_ops.models import SiteMembership, User
from imaging_ops.records.signatures import SignatureState, signature_states
from imaging_ops.sites.local_time import local_time_text
from imaging_ops.web.paginator import KeysFirstPaginator

PAGE_SIZE = 50
SORTS = {
    "-performed_at": ("-performed_at", "-pk"),
    "performed_at": ("performed_at", "pk"),
}
CSV_HEADER = [
    "record",
    "site",
    "asset_tag",
    "equipment",
    "procedure_code",
    "procedure",
    "kind",
    "version",
    "performed_at",
    "recorded_at",
    "late_entry",
    "timeliness",
    "due_satisfied",
    "outcome",
    "performer",
    "performer_organisation",
    "state",
    "void_reason",
    "measurements",
    "comments",
]


def _local(moment, site) -> str:
    return "" if moment is None else local_time_text(moment, site.zone)


def performer_of(version: ServiceRecordVersion) -> str:
    """Who did the work: the outside performer, or the person who recorded it."""
    if version.is_external:
        return version.external_name
    return version.created_by.display_name


def state_of(record: ServiceRecord, version: ServiceRecordVersion) -> str:
    """Where the record stands, in words: void, counting, or what it still waits for."""
    if record.is_voided:
        return "Void"
    if record.counts:
        return "Counts"
    if version.is_external:
        return "Awaiting review"
    return "Not signed"


@dataclass(frozen=True)
class Row:
    record: ServiceRecord
    performed_at: str
    recorded_at: str
    performer: str
    external: bool
    timeliness: str
    state: str


def row_of(record: ServiceRecord) -> Row:
    site, version = record.equipment.site, record.current_version
    return Row(
        record=record,
        performed_at=_local(record.performed_at, site),
        recorded_at=_local(version.recorded_at, site),
        performer=performer_of(version),
        external=version.is_external,
        timeliness=Timeliness(version.timeliness).label if version.timeliness else "",
        state=state_of(record, version),
    )


def _filtered(request, equipment: Equipment | None, *, rows=record_list):
    queryset = scope(rows(), request.user)
    if equipment is not None:
        queryset = queryset.filter(equipment=equipment)
    return ServiceRecordFilter(request.GET, queryset=queryset, request=request)


def _equipment(request, pk) -> Equipment | None:
    if pk is None:
        return None
    return get_object_or_404(scope(Equipment.objects.select_related("site"), request.user), pk=pk)


def _sort(request) -> str:
    asked = request.GET.get("sort")
    return asked if asked in SORTS else "-performed_at"


def performer_choices(user) -> list[tuple[str, str]]:
    """The people at the viewer's sites, and the outside performers as one choice. Read as
    values (a site has hundreds of people): each labelled as `User.display_name` does."""
    memberships = scope(SiteMembership.objects.all(), user)
    people = (
        User.objects.filter(pk__in=memberships.values("user_id"))
        .order_by("full_name", "username")
        .values_list("pk", "full_name", "first_name", "last_name", "username", "credentials")
    )
    choices = [(ServiceRecordFilter.EXTERNAL, "Outside performers")]
    for pk, full_name, first, last, username, credentials in people:
        name = full_name or f"{first} {last}".strip() or username
        choices.append((str(pk), f"{name}, {credentials}" if credentials else name))
    return choices


class RecordListView(LoginRequiredMixin, ListView):
    """The records at your sites (`pk`: of one machine), newest first."""

    template_name = "equipment/record_list.html"
    context_object_name = "records"
    paginate_by = PAGE_SIZE
    paginator_class = KeysFirstPaginator

    def get_queryset(self):
        self.equipment = _equipment(self.request, self.kwargs.get("pk"))
        self.filterset = _filtered(self.request, self.equipment)
        self.sort = _sort(self.request)
        if not self.filterset.is_valid():
            return ServiceRecord.objects.none()
        return self.filterset.qs.order_by(*SORTS[self.sort])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.filterset.form
        site_id = form.cleaned_data.get("site") if self.filterset.is_valid() else None
        equipment_choices = []
        if self.equipment is None and site_id is not None:
            equipment_choices = list(
                scope(Equipment.objects.filter(site=site_id), self.request.user)
                .order_by("asset_tag")
                .values_list("pk", "asset_tag", "name")
            )
        if self.equipment is None:
            here, export = reverse("equipment:records"), reverse("equipment:record_export")
        else:
            here = reverse("equipment:equipment_records", args=[self.equipment.pk])
            export = reverse("equipment:equipment_record_export", args=[self.equipment.pk])
        context.update(
            equipment=self.equipment,
            rows=[row_of(record) for record in context["page_obj"].object_list],
            filter=self.filterset,
            filter_params=filter_params(self.request.GET, self.filterset),
            sort=self.sort,
            equipment_choices=equipment_choices,
            performer_choices=performer_choices(self.request.user),
            here=here,
            export_url=export,
            outcomes=Outcome.choices,
        )
        return context


def _measurements_text(version: ServiceRecordVersion) -> str:
    return "; ".join(
        f"{m.procedure_check.key}={m.value_text} ({m.result})" for m in version.measurements.all()
    )


def _csv_row(record: ServiceRecord) -> list:
    row, version, site = row_of(record), record.current_version, record.equipment.site
    return [
        record.pk,
        site.code,
        record.equipment.asset_tag,
        record.equipment.name,
        record.procedure.code,
        record.procedure.current_version.name,
        record.procedure.get_kind_display(),
        version.number,
        row.performed_at,
        row.recorded_at,
        "yes" if version.late_entry else "no",
        row.timeliness,
        _local(version.due_satisfied, site),
        record.get_outcome_display(),
        row.performer,
        version.external_organisation,
        row.state,
        record.void_reason,
        _measurements_text(version),
        version.comments,
    ]


@login_required
def record_export_view(request, pk=None):
    """The list as CSV, with the list page's filters and order, read in chunks."""
    equipment = _equipment(request, pk)
    record_filter = _filtered(request, equipment, rows=record_export)
    if not record_filter.is_valid():
        messages.error(request, "Correct the filters before exporting.")
        page = (
            reverse("equipment:records")
            if equipment is None
            else reverse("equipment:equipment_records", args=[equipment.pk])
        )
        return redirect(f"{page}?{urlencode(request.GET, doseq=True)}")
    records = record_filter.qs.order_by(*SORTS[_sort(request)]).iterator(chunk_size=2000)
    lines = csv_lines(CSV_HEADER, (_csv_row(record) for record in records))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    name = "records" if equipment is None else f"records-{_safe_name(equipment.asset_tag)}"
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


# --- One record -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasurementRow:
    """A measurement as its page shows it: the value as entered, the band then in force as a
    number line and in words, the reference, the result and the limit crossed."""

    measurement: Measurement
    unit: str
    line: BandLine | None
    limits: tuple[tuple[str, str, bool], ...]
    reference: str
    crossed: str

    @property
    def check(self):
        return self.measurement.procedure_check

    @property
    def dom_id(self) -> str:
        return f"measurement-{self.measurement.pk}"


def band_of(snapshot: dict) -> Band:
    """The band a measurement kept, as the limits module reads it."""
    limits = {
        name: Limit(Decimal(snapshot[name]), bool(snapshot.get(f"{name}_inclusive", True)))
        for name in LimitName.values
        if snapshot.get(name) not in (None, "")
    }
    return Band(**limits, mode=snapshot.get("mode") or BandMode.ABSOLUTE)


def measurement_row(measurement: Measurement) -> MeasurementRow:
    snapshot = measurement.band or {}
    unit = snapshot.get("unit") or measurement.procedure_check.unit
    band = band_of(snapshot)
    mode = band.mode
    limits = tuple(
        (LimitName(name).label, limit_text(limit.value, mode=mode, unit=unit), limit.inclusive)
        for name, limit in band.limits().items()
    )
    crossed = ""
    if measurement.crossed:
        label = (
            LimitName(measurement.crossed).label
            if measurement.crossed in LimitName.values
            else measurement.crossed.replace("_", " ")
        )
        if measurement.limit is not None:
            label = f"{label} ({measurement.limit.normalize():f}{f' {unit}' if unit else ''})"
        crossed = label
    return MeasurementRow(
        measurement=measurement,
        unit=unit,
        line=band_line(band, unit=unit) if limits else None,
        limits=limits,
        reference="" if measurement.reference is None else f"{measurement.reference.normalize():f}",
        crossed=crossed.strip(),
    )


@dataclass(frozen=True)
class RecordVersionView:
    version: ServiceRecordVersion
    signatures: list[SignatureState]
    measurements: list[MeasurementRow]
    performed_at: str
    recorded_at: str
    due_satisfied: str
    created_at: str
    valid_until: str
    supersedes: int | None  # the number of the version this one replaced

    @property
    def is_signed(self) -> bool:
        return bool(self.signatures)


@dataclass(frozen=True)
class RecordView:
    record: ServiceRecord
    current: RecordVersionView
    history: list[RecordVersionView]  # newest first
    state: str
    voided_at: str


def version_view(version: ServiceRecordVersion, site, previous: int | None) -> RecordVersionView:
    return RecordVersionView(
        version=version,
        signatures=signature_states(version),
        measurements=[measurement_row(m) for m in version.measurements.all()],
        performed_at=_local(version.performed_at, site),
        recorded_at=_local(version.recorded_at, site),
        due_satisfied=_local(version.due_satisfied, site),
        created_at=_local(version.created_at, site),
        valid_until=_local(version.valid_until, site),
        supersedes=previous,
    )


def record_view(record: ServiceRecord) -> RecordView:
    """A record with each version's signatures checked once (no query with the page's
    prefetches)."""
    site = record.equipment.site
    versions = record.version_history()
    history = [
        version_view(v, site, versions[i - 1].number if i else None) for i, v in enumerate(versions)
    ][::-1]
    current = next(h for h in history if h.version.pk == record.current_version_id)
    return RecordView(
        record=record,
        current=current,
        history=history,
        state=state_of(record, current.version),
        voided_at=_local(record.voided_at, site),
    )


def may_sign(user, site_id: int) -> bool:
    return can(user, Action.PERFORM_RECORDS, site_id) or can(user, Action.REVIEW_RECORDS, site_id)


def record_actions(user, record: ServiceRecord) -> dict:
    """Which actions the page offers; the services decide finally (403 / 409 with a reason)."""
    site_id = record.equipment.site_id
    return {
        "may_sign_record": may_sign(user, site_id),
        "may_amend_record": can(user, Action.AMEND_RECORDS, site_id),
    }


def get_record(request, pk) -> ServiceRecord:
    return get_object_or_404(scope(record_page(), request.user), pk=pk)


class RecordDetailView(LoginRequiredMixin, View):
    """One record with its full version history and every signature's manifestation."""

    def get(self, request, pk):
        record = get_record(request, pk)
        viewed(request, record)
        return render(
            request,
            "equipment/record_detail.html",
            {
                "equipment": record.equipment,
                "record": record,
                "item": record_view(record),
                "schedule_next_due": _local(
                    record.schedule.next_due if record.schedule else None, record.equipment.site
                ),
                "audit_history": history_for(record, *record.version_history()),
                "review_reasons": [
                    ReviewReason(r).label for r in record.review_reasons if r in ReviewReason.values
                ],
                "suspect_rows": [
                    row_of(r) for r in scope(records_to_review_after(record), request.user)
                ],
                **record_actions(request.user, record),
            },
        )


# --- Attachments ----------------------------------------------------------------------------

UNSAFE = re.compile(r"[^\w.\- ()]+")


def _safe_name(name: str) -> str:
    """A file name a browser saves as it is: no directories, quotes or control characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = UNSAFE.sub("_", name).strip(" .")
    return name[:150] or "attachment"


@login_required
def record_attachment(request, pk):
    """An attachment, to people at its record's site only (404 elsewhere, as a missing one),
    always as a download of its own declared type, never sniffed or shown inline."""
    attachment = get_object_or_404(scope(RecordAttachment.objects.all(), request.user), pk=pk)
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
