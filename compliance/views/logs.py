"""Regulatory logs: an equipment log issued and downloaded from the equipment page, an issued
log downloaded again with the very bytes issued, and the public verification page by code."""

import hashlib

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views import View
from rest_framework.throttling import SimpleRateThrottle

from compliance.forms.logs import LogPeriodForm
from compliance.models import RegulatoryLog
from compliance.selectors.logs import loggable_equipment
from compliance.services.logs import issue_equipment_log, record_log_download
from imaging_ops.access.permissions import Action, require
from imaging_ops.access.scoping import scope
from imaging_ops.sites.local_time import local_time_text


def _pdf_response(log: RegulatoryLog, pdf: bytes) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="equipment-log-{log.code}.pdf"'
    response["X-Content-SHA256"] = log.file_sha256
    return response


class EquipmentLogView(LoginRequiredMixin, View):
    """GET ?from=&to=: issue the equipment's log for the period and download it; a bad period
    answers 400 with the form and its field errors."""

    def get(self, request, pk):
        equipment = get_object_or_404(scope(loggable_equipment(), request.user), pk=pk)
        require(request.user, Action.VIEW_RECORDS, equipment.site)
        form = LogPeriodForm(request.GET)
        if not form.is_valid():
            return render(
                request,
                "compliance/equipment_log_form.html",
                {"equipment": equipment, "form": form},
                status=400,
            )
        log = issue_equipment_log(
            actor=request.user, equipment=equipment, period=form.period, now=timezone.now()
        )
        record_log_download(actor=request.user, log=log)
        with log.file.open("rb") as stored:
            return _pdf_response(log, stored.read())


class LogFileView(LoginRequiredMixin, View):
    """An issued log again, byte for byte."""

    def get(self, request, pk):
        log = get_object_or_404(scope(RegulatoryLog.objects.all(), request.user), pk=pk)
        require(request.user, Action.VIEW_RECORDS, log.site_id)
        record_log_download(actor=request.user, log=log)
        with log.file.open("rb") as stored:
            return _pdf_response(log, stored.read())


def _issued(code: str) -> RegulatoryLog:
    log = (
        RegulatoryLog.objects.filter(code=code.strip().upper())
        .select_related("site")
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
    "size",
    "code",
    "site__time_zone",
)
LARGEST_UPLOAD = 50 * 1024 * 1024


class VerifyLogThrottle(SimpleRateThrottle):
    """Requests to the public verification page per address, counted in the default cache
    (shared by the web workers when it is Redis), signed in or not."""

    scope = "verify_log"
    rate = "30/minute"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class VerifyLogView(View):
    """Public, without signing in: what the log with this code covered, when it was made and
    its hashes; and whether an uploaded file is byte-identical to the one issued."""

    def dispatch(self, request, *args, **kwargs):
        throttle = VerifyLogThrottle()
        if not throttle.allow_request(request, self):
            response = HttpResponse(
                "Too many verification requests from this address: try again in a minute.",
                status=429,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = str(int(throttle.wait() or 60))
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
        return self._page(
            request, log, matches=uploaded == log.file_sha256, uploaded_sha256=uploaded
        )

    def _page(self, request, log, status=200, **extra):
        context = {
            "log": log,
            "generated_at": local_time_text(log.generated_at, log.site.zone),
            "matches": None,
            **extra,
        }
        return render(request, "compliance/verify_log.html", context, status=status)
