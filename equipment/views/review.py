"""The review queue as a page: the records waiting for your review at your sites (never your
own), filtered by reason and site, a page at a time, with a CSV of the same; tick several and
sign once to review them (equipment.services.review), or open one to review it alone."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from equipment.forms.review import QueueFilterForm, ReviewForm
from equipment.models import ReviewReason, ServiceRecord
from equipment.selectors.review import review_queue
from equipment.services.review import review_records
from equipment.views.record_pages import performer_of
from imaging_ops.access.permissions import ALL_SITES, Action, sites_where
from imaging_ops.csv_export import csv_lines
from imaging_ops.models import Site
from imaging_ops.records.signatures import POLICY_TEXT, has_acknowledged_policy, needs_username
from imaging_ops.sites.local_time import local_time_text
from imaging_ops.web.base import ServiceFormView
from imaging_ops.web.paginator import KeysFirstPaginator

PAGE_SIZE = 50
CSV_HEADER = [
    "record",
    "site",
    "asset_tag",
    "equipment",
    "procedure_code",
    "procedure",
    "version",
    "performed_at",
    "outcome",
    "reasons",
    "performer",
    "performer_organisation",
    "instrument_calibration",
]
NOT_A_REVIEWER = "You do not review records at any of your sites."


@dataclass(frozen=True)
class QueueRow:
    record: ServiceRecord
    performed_at: str
    performer: str
    external: bool
    reasons: list[str]
    suspect: str


def _suspect(record: ServiceRecord) -> str:
    calibration = record.suspect_since
    if calibration is None:
        return ""
    when = local_time_text(calibration.performed_at, record.equipment.site.zone)
    return f"{calibration.equipment.asset_tag} found out of tolerance on {when}"


def row_of(record: ServiceRecord) -> QueueRow:
    version = record.current_version
    return QueueRow(
        record=record,
        performed_at=local_time_text(record.performed_at, record.equipment.site.zone),
        performer=performer_of(version),
        external=version.is_external,
        reasons=[ReviewReason(r).label for r in record.review_reasons if r in ReviewReason.values],
        suspect=_suspect(record),
    )


def _reviewing_sites(user):
    sites = sites_where(user, Action.REVIEW_RECORDS)
    if sites is ALL_SITES:
        return Site.objects.order_by("code")
    return Site.objects.filter(pk__in=sites).order_by("code")


def _require_reviewer(user) -> None:
    if not sites_where(user, Action.REVIEW_RECORDS):
        raise PermissionDenied(NOT_A_REVIEWER)


def filtered_queue(request):
    """The person's queue with the page's filters, and the filter form (errors on its fields)."""
    filters = QueueFilterForm(request.GET or None, sites=_reviewing_sites(request.user))
    queue = review_queue(request.user)
    if filters.is_bound and not filters.is_valid():
        return queue.none(), filters
    data = filters.cleaned_data if filters.is_bound else {}
    if data.get("reason"):
        # The queue's reasons are a short list stored with the record; filtered in Python would
        # break pagination, so the reason is matched as the stored JSON text holds it.
        queue = queue.filter(review_reasons__icontains=f'"{data["reason"]}"')
    if data.get("site"):
        queue = queue.filter(equipment__site=data["site"])
    return queue, filters


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class ReviewQueueView(ServiceFormView):
    """The queue, and the bulk review of the ticked records."""

    form_class = ReviewForm
    template_name = "equipment/review_queue.html"

    def check_permission(self):
        _require_reviewer(self.request.user)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "user": self.request.user,
            "ask_username": needs_username(
                signer=self.request.user, session=self.request.session, via_api=False
            ),
            "ask_policy": not has_acknowledged_policy(self.request.user),
        }

    def get_context_data(self, **kwargs):
        queue, filters = filtered_queue(self.request)
        paginator = KeysFirstPaginator(queue, PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        return super().get_context_data(
            rows=[row_of(record) for record in page.object_list],
            page_obj=page,
            paginator=paginator,
            is_paginated=page.has_other_pages(),
            filters=filters,
            filtered=bool(self.request.GET.get("reason") or self.request.GET.get("site")),
            policy_text=POLICY_TEXT,
            ticked=set(self.request.POST.getlist("records")),
            **kwargs,
        )

    def call_service(self, form):
        data = form.cleaned_data
        return review_records(
            records=list(data["records"]),
            reviewer=self.request.user,
            now=timezone.now(),
            password=data["password"],
            username=data.get("username"),
            session=self.request.session,
            acknowledge_policy=data.get("acknowledge_policy", False),
        )

    def get_success_message(self, signatures):
        n = len(signatures)
        return f"Reviewed {n} record{'s' if n != 1 else ''}: signed as Reviewed."

    def get_success_url(self, result):
        query = self.request.GET.urlencode()
        return reverse("equipment:review_queue") + (f"?{query}" if query else "")


def _csv_row(record: ServiceRecord) -> list:
    row, version = row_of(record), record.current_version
    return [
        record.pk,
        record.equipment.site.code,
        record.equipment.asset_tag,
        record.equipment.name,
        record.procedure.code,
        version.procedure_version.name,
        version.number,
        row.performed_at,
        record.get_outcome_display(),
        "; ".join(row.reasons),
        row.performer,
        version.external_organisation,
        row.suspect,
    ]


@login_required
def review_queue_export(request):
    """The queue as CSV, with the page's filters, read in chunks."""
    _require_reviewer(request.user)
    queue, _ = filtered_queue(request)
    lines = csv_lines(CSV_HEADER, (_csv_row(r) for r in queue.iterator(chunk_size=2000)))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="review-queue-{stamp}.csv"'
    return response
