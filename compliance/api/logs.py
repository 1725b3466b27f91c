"""/api/v1/logs/: issue a log (201 with the log), list and read your sites' logs, download the
file as issued, and approve it with your electronic signature (meaning "approved"). The pages
and the API call the same services; bad input answers 400 with field errors."""

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from compliance.forms.logs import period_error
from compliance.log_kinds import KINDS, Covers, log_kind
from compliance.models import LogState, RegulatoryLog
from compliance.selectors.issued_logs import issued_logs
from compliance.selectors.logs import Period, loggable_equipment
from compliance.services.log_approval import approve_log, remake_approved_file
from compliance.services.logs import log_file_bytes, record_log_download, request_log
from imaging_ops.access.permissions import Action, require
from imaging_ops.access.scoping import ScopedRelatedField
from imaging_ops.api.base import ScopedViewSetMixin
from imaging_ops.api.pagination import CursorPagination
from imaging_ops.api.signatures import SignRequestSerializer
from imaging_ops.models import Site


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField(source="period_start")
    end = serializers.DateField(source="period_end")


class LogUrlsSerializer(serializers.Serializer):
    api = serializers.URLField()
    file = serializers.URLField()
    page = serializers.URLField()
    verify = serializers.URLField()


class LogSerializer(serializers.ModelSerializer):
    """A log as issued: what it covers, its state, code and hashes, who asked and approved."""

    scope = serializers.CharField(source="scope_label")
    period = PeriodSerializer(source="*")
    sha256 = serializers.CharField(source="file_sha256", help_text="Of the file as it stands.")
    draft_sha256 = serializers.CharField(source="draft_file_sha256")
    requested_by_name = serializers.CharField(source="requested_by.display_name")
    approved_by_name = serializers.SerializerMethodField()
    urls = serializers.SerializerMethodField()

    class Meta:
        model = RegulatoryLog
        fields = [
            "id",
            "kind",
            "state",
            "code",
            "site",
            "equipment",
            "scope",
            "period",
            "entries",
            "sha256",
            "draft_sha256",
            "snapshot_sha256",
            "size",
            "generated_at",
            "requested_by",
            "requested_by_name",
            "approved_by",
            "approved_by_name",
            "approved_at",
            "progress",
            "failure",
            "urls",
        ]

    def get_approved_by_name(self, log) -> str:
        return log.approved_by.display_name if log.approved_by else ""

    @extend_schema_field(LogUrlsSerializer)
    def get_urls(self, log) -> dict:
        absolute = self.context["request"].build_absolute_uri
        return {
            "api": absolute(reverse("log-detail", args=[log.pk])),
            "file": absolute(reverse("log-file", args=[log.pk])),
            "page": absolute(reverse("compliance:log_detail", args=[log.pk])),
            "verify": absolute(reverse("verify_log", args=[log.code])),
        }


def _named(label: str) -> str:
    """A kind's label within a sentence: lower case, but for its acronyms (MQSA, NRC, QC)."""
    first, _space, rest = label.partition(" ")
    return label if first.isupper() else f"{first.lower()} {rest}".strip()


class LogRequestSerializer(serializers.Serializer):
    """A log to issue: its kind, what it covers (`equipment` for an equipment log, `site` for
    a site's log: training, radioactive materials, QC summary, or an inspection pack:
    pack_mqsa, pack_nrc, pack_joint_commission, pack_state_xray) and the period."""

    kind = serializers.ChoiceField(choices=[(spec.kind, spec.label) for spec in KINDS.values()])
    equipment = ScopedRelatedField(
        queryset=loggable_equipment(), required=False, help_text="For an equipment log."
    )
    site = ScopedRelatedField(
        queryset=Site.objects.all(), required=False, help_text="For a site's log."
    )
    period_start = serializers.DateField()
    period_end = serializers.DateField(help_text="Both days included, in the site's calendar.")

    def validate(self, data):
        errors = {}
        spec = log_kind(data["kind"])
        field = "equipment" if spec.covers == Covers.EQUIPMENT else "site"
        other = "site" if field == "equipment" else "equipment"
        if data.get(field) is None:
            errors[field] = f"The {_named(spec.label)} needs the {field} it covers."
        if data.get(other) is not None:
            errors[other] = f"The {_named(spec.label)} covers a {field}, not a {other}."
        error = period_error(data["period_start"], data["period_end"])
        if error:
            errors["period_end"] = error
        if errors:
            raise serializers.ValidationError(errors)
        data["subject"] = data[field]
        return data


class ApproveRequestSerializer(serializers.Serializer):
    signature = SignRequestSerializer(
        help_text='Your username and password with the meaning "approved".'
    )


class PdfRenderer(BaseRenderer):
    """Lets a client ask for the file with `Accept: application/pdf`; an error still reads as
    JSON."""

    media_type = "application/pdf"
    format = "pdf"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data)


class LogViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Regulatory logs issued at your sites, newest first."""

    queryset = issued_logs()
    serializer_class = LogSerializer
    pagination_class = CursorPagination

    def _read(self, log: RegulatoryLog, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=log.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=LogRequestSerializer, responses={201: LogSerializer, 202: LogSerializer})
    def create(self, request):
        """Issue the log, digitally signed, as a draft: 201 with the log; 202 with the log
        "being generated" when it holds more entries than are made at once (read it again for
        its progress; you are notified when it is ready)."""
        payload = LogRequestSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        spec = log_kind(data["kind"])
        require(request.user, Action.VIEW_RECORDS, spec.site_of(data["subject"]))
        log = request_log(
            actor=request.user,
            kind=spec.kind,
            subject=data["subject"],
            period=Period(start=data["period_start"], end=data["period_end"]),
            now=timezone.now(),
        )
        made = log.state != LogState.GENERATING
        return self._read(log, status.HTTP_201_CREATED if made else status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PdfRenderer])
    def file(self, request, pk=None):
        """The PDF as issued (as approved, once approved), byte for byte; each download is
        recorded in the audit trail."""
        log = self.get_object()
        require(request.user, Action.VIEW_RECORDS, log.site_id)
        pdf = log_file_bytes(log)
        record_log_download(actor=request.user, log=log)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{log.kind}-log-{log.code}.pdf"'
        response["X-Content-SHA256"] = log.file_sha256
        return response

    @extend_schema(
        request=ApproveRequestSerializer, responses={200: LogSerializer, 202: LogSerializer}
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve the draft: the PDF is rendered again with your signature's manifestation and
        signed (200 with the approved log). Your username and password go with every
        signature. A log of more entries than are made at once answers 202: your signature is
        recorded and the log is "approving" while its approved file is made (read it again for
        its progress; you are notified when it is ready); the file downloaded meanwhile is the
        draft."""
        log = self.get_object()
        payload = ApproveRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        signature = payload.validated_data["signature"]
        approved = approve_log(
            log=log,
            signer=request.user,
            meaning=signature["meaning"],
            password=signature["password"],
            username=signature.get("username", ""),
            acknowledge_policy=signature["acknowledge_policy"],
            via_api=True,
            now=timezone.now(),
        )
        later = approved.state == LogState.APPROVING
        return self._read(approved, status.HTTP_202_ACCEPTED if later else status.HTTP_200_OK)

    @extend_schema(request=None, responses={202: LogSerializer})
    @action(detail=True, methods=["post"], url_path="approved-file")
    def approved_file(self, request, pk=None):
        """Make again the approved file of a large log whose making failed (state
        "approval_failed"): 202 with the log "approving". The approval recorded stands and is
        not signed again; 409 in any other state."""
        log = self.get_object()
        require(request.user, Action.VIEW_RECORDS, log.site_id)
        remade = remake_approved_file(log=log, actor=request.user)
        return self._read(remade, status.HTTP_202_ACCEPTED)
