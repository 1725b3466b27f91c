"""Regulatory logs: an equipment log issued by POST from the equipment page, a site's log
(training, radioactive materials, QC summary) from the site's logs page, the log's own page
(its facts, the download, the approval dialog), a site's issued logs with their CSV, an issued
log downloaded again with the very bytes issued, and the public verification page by code."""

import hashlib

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from compliance.forms.logs import ApproveLogForm, LogPeriodForm, SiteLogForm
from compliance.log_kinds import log_kind
from compliance.models import LogFile, LogState, RegulatoryLog
from compliance.selectors.issued_logs import issued_logs, logs_of_site
from compliance.selectors.logs import loggable_equipment
from compliance.services.log_approval import (
    approval_conflict,
    approval_refusal,
    approve_log,
    remake_approved_file,
)
from compliance.services.logs import (
    log_file_bytes,
    record_log_download,
    request_equipment_log,
    request_log,
)
from imaging_ops.access.permissions import Action, require
from imaging_ops.access.scoping import scope
from imaging_ops.audit.viewing import viewed
from imaging_ops.csv_export import csv_lines
from imaging_ops.errors import Conflict
from imaging_ops.models import Site
from imaging_ops.records.signatures import POLICY_TEXT, has_acknowledged_policy, needs_username
from imaging_ops.security.rate_limits import client_ident, verify_limit
from imaging_ops.sites.local_time import local_time_text
from imaging_ops.web.base import ServiceFormView


def _pdf_response(log: RegulatoryLog, pdf: bytes) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    suffix = "-approved" if log.state == LogState.APPROVED else ""
    response["Content-Disposition"] = (
        f'attachment; filename="{log.kind}-log-{log.code}{suffix}.pdf"'
    )
    response["X-Content-SHA256"] = log.file_sha256
    return response


class EquipmentLogView(ServiceFormView):
    """GET: the period form. POST: issue the equipment's log for the period, signed, as a
    draft, and go to its page; a bad period answers 400 with the form and its field errors."""

    form_class = LogPeriodForm
    template_name = "compliance/equipment_log_form.html"

    def get_queryset(self):
        return loggable_equipment()

    def check_permission(self):
        require(self.request.user, Action.VIEW_RECORDS, self.object.site)

    def get_context_data(self, **kwargs):
        return super().get_context_data(equipment=self.object, **kwargs)

    def call_service(self, form):
        return request_equipment_log(
            actor=self.request.user, equipment=self.object, period=form.period, now=timezone.now()
        )

    def get_success_message(self, log):
        return _issued_message(log)

    def get_success_url(self, log):
        return reverse("compliance:log_detail", args=[log.pk])


def _issued_message(log: RegulatoryLog) -> str:
    if log.state == LogState.GENERATING:
        return (
            f"Log {log.code} holds {log.entries} entries: it is being generated, and you "
            "will be notified when it is ready."
        )
    return f"Log {log.code} issued as a draft and signed. Download it below."


class SiteLogView(ServiceFormView):
    """GET: the kind-and-period form of a site's log (also on the site's logs page). POST:
    issue the site's training, radioactive materials or QC summary log for the period, signed,
    as a draft, and go to its page; bad input answers 400 with the form and its errors."""

    form_class = SiteLogForm
    template_name = "compliance/site_log_form.html"

    def get_object(self):
        return get_object_or_404(
            scope(Site.objects.all(), self.request.user), code=self.kwargs["site_code"]
        )

    def check_permission(self):
        require(self.request.user, Action.VIEW_RECORDS, self.object)

    def get_context_data(self, **kwargs):
        return super().get_context_data(site=self.object, **kwargs)

    def call_service(self, form):
        return request_log(
            actor=self.request.user,
            kind=form.cleaned_data["kind"],
            subject=self.object,
            period=form.period,
            now=timezone.now(),
        )

    def get_success_message(self, log):
        return _issued_message(log)

    def get_success_url(self, log):
        return reverse("compliance:log_detail", args=[log.pk])


def _log_page_context(request, log: RegulatoryLog) -> dict:
    zone = log.site.zone
    refusal = approval_refusal(request.user, log)
    return {
        "log": log,
        "generated_at": local_time_text(log.generated_at, zone),
        "approved_at": local_time_text(log.approved_at, zone) if log.approved_at else "",
        "may_approve": refusal is None and approval_conflict(log) is None,
        "may_remake": refusal is None and log.state == LogState.APPROVAL_FAILED,
        "approvers": log_kind(log.kind).approvers_text,
        "policy_text": POLICY_TEXT,
    }


def _approve_form(request) -> ApproveLogForm:
    return ApproveLogForm(
        ask_username=needs_username(signer=request.user, session=request.session, via_api=False),
        ask_policy=not has_acknowledged_policy(request.user),
    )


class LogDetailView(LoginRequiredMixin, View):
    """One issued log: what it covers, its state, hashes and code, who asked for it and who
    approved it, the download, and the approval dialog to those who may approve it."""

    def get(self, request, pk):
        log = get_object_or_404(scope(issued_logs(), request.user), pk=pk)
        require(request.user, Action.VIEW_RECORDS, log.site_id)
        viewed(request, log)
        context = _log_page_context(request, log)
        if context["may_approve"]:
            context["form"] = _approve_form(request)
        return render(request, "compliance/log_detail.html", context)


class LogApproveView(ServiceFormView):
    """POST the approval: the signature service checks the password, the service re-renders
    and signs the log. The form is shown on the log's page, never on a page of its own."""

    form_class = ApproveLogForm
    template_name = "compliance/log_detail.html"

    def get_queryset(self):
        return issued_logs()

    def check_permission(self):
        require(self.request.user, Action.VIEW_RECORDS, self.object.site_id)
        refusal = approval_refusal(self.request.user, self.object)
        if refusal:
            raise PermissionDenied(refusal)

    def check_state(self):
        conflict = approval_conflict(self.object)
        if conflict:
            raise Conflict(conflict)

    def get_form_kwargs(self):
        request = self.request
        return {
            **super().get_form_kwargs(),
            "ask_username": needs_username(
                signer=request.user, session=request.session, via_api=False
            ),
            "ask_policy": not has_acknowledged_policy(request.user),
        }

    def get_context_data(self, **kwargs):
        context = _log_page_context(self.request, self.object)
        context["may_approve"] = True  # the form is shown again with what was refused
        return super().get_context_data(**context, **kwargs)

    def call_service(self, form):
        data = form.cleaned_data
        return approve_log(
            log=self.object,
            signer=self.request.user,
            meaning=data["meaning"],
            password=data["password"],
            username=data.get("username"),
            session=self.request.session,
            acknowledge_policy=data.get("acknowledge_policy", False),
            now=timezone.now(),
        )

    def get_success_message(self, log):
        if log.state == LogState.APPROVING:
            return (
                f"Log {log.code} approved: your signature is recorded. It holds {log.entries} "
                "entries, so its approved file is being made and signed; you will be notified "
                "when it is ready. Until then the file issued is the draft."
            )
        return f"Log {log.code} approved: the approved file is signed and ready to download."

    def get_success_url(self, log):
        return reverse("compliance:log_detail", args=[log.pk])


class LogRemakeApprovedFileView(LoginRequiredMixin, View):
    """POST: make again the approved file of a large log whose making failed; the approval
    recorded stands and is not signed again. Refused (403) to who may not approve it, 409 in
    any other state."""

    def post(self, request, pk):
        log = get_object_or_404(scope(issued_logs(), request.user), pk=pk)
        require(request.user, Action.VIEW_RECORDS, log.site_id)
        try:
            remake_approved_file(log=log, actor=request.user)
        except Conflict as exc:
            return render(request, "409.html", {"message": str(exc)}, status=409)
        messages.success(
            request,
            f"The approved file of log {log.code} is being made again; you will be notified "
            "when it is ready.",
        )
        return redirect("compliance:log_detail", pk=log.pk)


class LogFileView(LoginRequiredMixin, View):
    """An issued log again, byte for byte: the approved file once it is approved."""

    def get(self, request, pk):
        log = get_object_or_404(scope(issued_logs(), request.user), pk=pk)
        require(request.user, Action.VIEW_RECORDS, log.site_id)
        try:
            pdf = log_file_bytes(log)
        except Conflict as exc:
            return render(request, "409.html", {"message": str(exc)}, status=409)
        record_log_download(actor=request.user, log=log)
        return _pdf_response(log, pdf)


def _site_or_refuse(request, site_code: str) -> Site:
    site = get_object_or_404(scope(Site.objects.all(), request.user), code=site_code)
    require(request.user, Action.VIEW_RECORDS, site)
    return site


class SiteLogListView(LoginRequiredMixin, ListView):
    """The logs issued at one of the person's sites, newest first, 50 a page."""

    template_name = "compliance/log_list.html"
    context_object_name = "logs"
    paginate_by = 50

    def get_queryset(self):
        self.site = _site_or_refuse(self.request, self.kwargs["site_code"])
        return logs_of_site(self.request.user, self.site)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        zone = self.site.zone
        for log in context["logs"]:
            log.generated_text = local_time_text(log.generated_at, zone)
            log.approved_text = local_time_text(log.approved_at, zone) if log.approved_at else ""
        context["site"] = self.site
        context["form"] = SiteLogForm()
        return context


LOG_CSV_HEADER = [
    "code",
    "kind",
    "covers",
    "period start",
    "period end",
    "state",
    "entries",
    "generated at (UTC)",
    "requested by",
    "approved at (UTC)",
    "approved by",
    "snapshot sha256",
    "file sha256",
    "draft file sha256",
]


class SiteLogExportView(LoginRequiredMixin, View):
    """The site's issued logs as CSV, every row, streamed."""

    def get(self, request, site_code: str):
        site = _site_or_refuse(request, site_code)
        response = StreamingHttpResponse(
            csv_lines(LOG_CSV_HEADER, _csv_rows(logs_of_site(request.user, site))),
            content_type="text/csv",
        )
        response["Content-Disposition"] = f'attachment; filename="logs-{site.code}.csv"'
        return response


def _csv_rows(logs):
    return (
        [
            log.code,
            log.get_kind_display(),
            log.scope_label,
            log.period_start.isoformat(),
            log.period_end.isoformat(),
            log.get_state_display(),
            log.entries,
            log.generated_at.isoformat(),
            log.requested_by.display_name,
            log.approved_at.isoformat() if log.approved_at else "",
            log.approved_by.display_name if log.approved_by else "",
            log.snapshot_sha256,
            log.file_sha256,
            log.draft_file_sha256,
        ]
        for log in logs.iterator(chunk_size=500)
    )


def _issued(code: str) -> RegulatoryLog:
    log = (
        RegulatoryLog.objects.filter(code=code.strip().upper())
        .select_related("site", "approved_by")
        .only(*VERIFY_FIELDS)
        .first()
    )
    if log is None:
        raise Http404("No log was issued with this verification code.")
    return log


# What the public page may read: the log's own facts and the site's time zone, nothing else.
VERIFY_FIELDS = (
    "kind",
    "state",
    "scope_label",
    "period_start",
    "period_end",
    "generated_at",
    "snapshot_sha256",
    "file_sha256",
    "draft_file_sha256",
    "size",
    "code",
    "approved_at",
    "site__time_zone",
    "approved_by__username",
    "approved_by__first_name",
    "approved_by__last_name",
    "approved_by__full_name",
    "approved_by__credentials",
)
LARGEST_UPLOAD = 50 * 1024 * 1024


class VerifyLogView(View):
    """Public, without signing in: what the log with this code covered, when it was made and
    its hashes; and whether an uploaded file is byte-identical to the one issued. Limited to
    RATE_LIMIT_VERIFY_PER_MINUTE requests a minute per address, across the web workers."""

    def dispatch(self, request, *args, **kwargs):
        wait = verify_limit().hit(client_ident(request))
        if wait is not None:
            response = HttpResponse(
                f"Too many verification requests from this address: try again in {wait} seconds.",
                status=429,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = str(wait)
            return response
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, code):
        return self._page(request, _issued(code))

    def post(self, request, code):
        log = _issued(code)
        upload = request.FILES.get("file")
        if upload is None:
            return self._page(
                request, log, file_error="Choose the PDF file to compare.", status=400
            )
        if upload.size > LARGEST_UPLOAD:
            return self._page(
                request, log, file_error="That file is larger than any log we issue.", status=400
            )
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        uploaded = digest.hexdigest()
        kind = log.file_kind(uploaded)
        return self._page(
            request,
            log,
            matches=kind is not None,
            matched_file=LogFile(kind).label if kind else "",
            uploaded_sha256=uploaded,
        )

    def _page(self, request, log, status=200, **extra):
        zone = log.site.zone
        context = {
            "log": log,
            "generated_at": local_time_text(log.generated_at, zone),
            "approved_at": local_time_text(log.approved_at, zone) if log.approved_at else "",
            "matches": None,
            **extra,
        }
        return render(request, "compliance/verify_log.html", context, status=status)
