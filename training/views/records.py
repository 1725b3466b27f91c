"""One training record with every version and signature (and whether a certificate's
verification code still matches), and its PDF certificate."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View

from imaging_ops.access.scoping import scope
from imaging_ops.records.signatures import signature_states
from training.documents.certificates import (
    build_certificate_pdf,
    certificate_content,
    verification_code,
)
from training.selectors.records import training_records


def _record(request, pk):
    return get_object_or_404(scope(training_records(), request.user), pk=pk)


class TrainingRecordView(LoginRequiredMixin, View):
    def get(self, request, pk):
        record = _record(request, pk)
        versions = [
            {
                "version": version,
                "signatures": [
                    {"state": state, "code": verification_code(record, state)}
                    for state in signature_states(version)
                ],
            }
            for version in reversed(record.version_history())
        ]
        code = (request.GET.get("code") or "").strip().upper()
        current_codes = {
            s["code"] for v in versions[:1] for s in v["signatures"] if s["state"].valid
        }
        return render(
            request,
            "training/record_detail.html",
            {
                "record": record,
                "versions": versions,
                "certificate": certificate_content(record),
                "code": code,
                "code_matches": code in current_codes if code else None,
            },
        )


class CertificateView(LoginRequiredMixin, View):
    def get(self, request, pk):
        record = _record(request, pk)
        content = certificate_content(record)
        if content is None:
            raise Http404("This record has no certificate: it is not signed, passed and in force.")
        page = reverse("training:record", args=[record.pk])
        verify_url = f"{settings.PUBLIC_BASE_URL}{page}?code={content.verification_code}"
        pdf = build_certificate_pdf(content, verify_url=verify_url)
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"training-certificate-{content.verification_code}.pdf"
        response["Content-Disposition"] = f'inline; filename="{name}"'
        return response
