"""/api/v1/records/: service records at your sites (cursor pagination); POST records work and
signs it in one step through the same service as the record form; countersign (`sign`) and
`void` are actions. Nothing is deleted or edited in place: a signed record is amended."""

from django.db.models import F
from django.utils import timezone
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from equipment.api.review import ReviewRequestSerializer, signature_arguments
from equipment.filters import ServiceRecordFilter
from equipment.limits import Outcome
from equipment.models import Equipment, Procedure, Schedule, ServiceRecord
from equipment.scheduling import Timeliness
from equipment.selectors.records import service_records, with_contents
from equipment.services import records as services
from equipment.services.review import review_record
from imaging_ops.access.scoping import ScopedRelatedField
from imaging_ops.api.base import ScopedViewSetMixin
from imaging_ops.api.pagination import CursorPagination
from imaging_ops.api.signatures import SignatureStateSerializer, SignRequestSerializer
from imaging_ops.errors import Conflict
from imaging_ops.models import Meaning
from imaging_ops.records.signatures import signature_states
from imaging_ops.records.versioning import signed_version_message


class MeasurementSerializer(serializers.Serializer):
    check = serializers.IntegerField(source="procedure_check_id")
    key = serializers.CharField(source="procedure_check.key")
    name = serializers.CharField(source="procedure_check.name")
    value = serializers.CharField(source="value_text")
    reference = serializers.DecimalField(max_digits=30, decimal_places=8, allow_null=True)
    band = serializers.JSONField()
    result = serializers.ChoiceField(choices=Outcome.choices)
    crossed = serializers.CharField()
    limit = serializers.DecimalField(max_digits=30, decimal_places=8, allow_null=True)


# One field and one row serializer of each kind serve a whole response: building DRF
# serializers per record (their fields are deep-copied on each) cost more than the records'
# queries on a page of 50.
_MOMENT = serializers.DateTimeField()
_DECIMAL = serializers.DecimalField(max_digits=30, decimal_places=8)


def _moment(value):
    return None if value is None else _MOMENT.to_representation(value)


def _decimal(value):
    return None if value is None else _DECIMAL.to_representation(value)


def _measurement(m) -> dict:
    """MeasurementSerializer's representation, written out (a page holds hundreds)."""
    check = m.procedure_check
    return {
        "check": m.procedure_check_id,
        "key": check.key,
        "name": check.name,
        "value": m.value_text,
        "reference": _decimal(m.reference),
        "band": m.band,
        "result": m.result,
        "crossed": m.crossed,
        "limit": _decimal(m.limit),
    }


def _signature(state) -> dict:
    """SignatureStateSerializer's representation, written out."""
    signature = state.signature
    return {
        "id": signature.pk,
        "signer": signature.signer_id,
        "printed_name": signature.printed_name,
        "credentials": signature.credentials,
        "meaning": signature.meaning,
        "signed_at": _moment(signature.signed_at),
        "content_hash": signature.content_hash,
        "manifestation": state.manifestation,
        "valid": state.valid,
    }


class ServiceRecordSerializer(serializers.ModelSerializer):
    """A record as read: its current version's content, measurements and signatures."""

    version = serializers.SerializerMethodField()
    procedure_version = serializers.SerializerMethodField()
    recorded_at = serializers.SerializerMethodField()
    late_entry = serializers.SerializerMethodField()
    timeliness = serializers.SerializerMethodField()
    due_satisfied = serializers.SerializerMethodField()
    comments = serializers.SerializerMethodField()
    instruments = serializers.SerializerMethodField()
    external = serializers.SerializerMethodField()
    measurements = serializers.SerializerMethodField()
    signatures = serializers.SerializerMethodField()
    next_due = serializers.SerializerMethodField()
    voided = serializers.BooleanField(source="is_voided")

    class Meta:
        model = ServiceRecord
        fields = [
            "id",
            "equipment",
            "schedule",
            "procedure",
            "version",
            "procedure_version",
            "performed_at",
            "recorded_at",
            "late_entry",
            "timeliness",
            "due_satisfied",
            "outcome",
            "counts",
            "qualification_review",
            "voided",
            "void_reason",
            "comments",
            "instruments",
            "external",
            "measurements",
            "signatures",
            "next_due",
        ]

    def to_representation(self, record):
        """The fields below, built directly: DRF's field-by-field walk cost more than the
        page's queries on a list of 50. The declared fields still describe it (the schema);
        tests compare both."""
        version = record.current()
        return {
            "id": record.pk,
            "equipment": record.equipment_id,
            "schedule": record.schedule_id,
            "procedure": record.procedure_id,
            "version": version.number,
            "procedure_version": version.procedure_version.number,
            "performed_at": _moment(record.performed_at),
            "recorded_at": _moment(version.recorded_at),
            "late_entry": version.late_entry,
            "timeliness": version.timeliness,
            "due_satisfied": _moment(version.due_satisfied),
            "outcome": record.outcome,
            "counts": record.counts,
            "qualification_review": record.qualification_review,
            "voided": record.is_voided,
            "void_reason": record.void_reason,
            "comments": version.comments,
            "instruments": sorted(i.pk for i in version.instruments.all()),
            "external": self.get_external(record),
            "measurements": [_measurement(m) for m in version.measurements.all()],
            "signatures": [_signature(state) for state in signature_states(version)],
            "next_due": self.get_next_due(record),
        }

    def fields_representation(self, record):
        """DRF's own walk over the declared fields: what `to_representation` must equal."""
        return super().to_representation(record)

    def _current(self, record):
        return record.current()

    def get_version(self, record) -> int:
        return self._current(record).number

    def get_procedure_version(self, record) -> int:
        return self._current(record).procedure_version.number

    def get_recorded_at(self, record) -> str:
        return _moment(self._current(record).recorded_at)

    def get_late_entry(self, record) -> bool:
        return self._current(record).late_entry

    @extend_schema_field(serializers.ChoiceField(choices=Timeliness.choices, allow_blank=True))
    def get_timeliness(self, record) -> str:
        return self._current(record).timeliness

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_due_satisfied(self, record):
        return _moment(self._current(record).due_satisfied)

    def get_comments(self, record) -> str:
        return self._current(record).comments

    def get_instruments(self, record) -> list[int]:
        return sorted(i.pk for i in self._current(record).instruments.all())

    @extend_schema_field(serializers.DictField(child=serializers.CharField(), allow_null=True))
    def get_external(self, record):
        version = self._current(record)
        if not version.is_external:
            return None
        return {
            "name": version.external_name,
            "organisation": version.external_organisation,
            "credentials": version.external_credentials,
        }

    @extend_schema_field(MeasurementSerializer(many=True))
    def get_measurements(self, record):
        row = self._row_serializers[0]
        return [row.to_representation(m) for m in self._current(record).measurements.all()]

    @extend_schema_field(SignatureStateSerializer(many=True))
    def get_signatures(self, record):
        row = self._row_serializers[1]
        return [row.to_representation(state) for state in signature_states(self._current(record))]

    @cached_property
    def _row_serializers(self):
        return MeasurementSerializer(context=self.context), SignatureStateSerializer(
            context=self.context
        )

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_due(self, record):
        """The schedule's next due after this record (none for ad hoc work); a list reads it
        with the row (`schedule_next_due`)."""
        if record.schedule_id is None:
            return None
        if "schedule_next_due" in record.__dict__:
            return _moment(record.schedule_next_due)
        return _moment(record.schedule.next_due)


class ValueSerializer(serializers.Serializer):
    check = serializers.IntegerField(min_value=1)
    value = serializers.JSONField(help_text="The value as typed: text, a number or true/false.")


class SignatureSerializer(serializers.Serializer):
    username = serializers.CharField(required=False, allow_blank=True)
    password = serializers.CharField(write_only=True, trim_whitespace=False)
    meaning = serializers.ChoiceField(choices=[Meaning.PERFORMED], default=Meaning.PERFORMED)
    acknowledge_policy = serializers.BooleanField(required=False, default=False)


class ExternalSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True)
    organisation = serializers.CharField(allow_blank=True)
    credentials = serializers.CharField(required=False, allow_blank=True, default="")


class RecordCreateSerializer(serializers.Serializer):
    schedule = ScopedRelatedField(
        queryset=Schedule.objects.select_related("equipment__site", "procedure"), required=False
    )
    equipment = ScopedRelatedField(
        queryset=Equipment.objects.select_related("site"), required=False
    )
    procedure = ScopedRelatedField(queryset=Procedure.objects.all(), required=False)
    performed_at = serializers.DateTimeField()
    measurements = ValueSerializer(many=True)
    instruments = ScopedRelatedField(
        queryset=Equipment.objects.select_related("site"), many=True, required=False
    )
    comments = serializers.CharField(required=False, allow_blank=True, default="")
    confirm_action = serializers.BooleanField(required=False, default=False)
    external = ExternalSerializer(required=False)
    report_received_on = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateTimeField(required=False, allow_null=True)
    signature = SignatureSerializer(required=False)

    def validate_performed_at(self, value):
        # DRF makes a naive time aware in the server's zone; the record needs the sender's own.
        raw = self.initial_data.get("performed_at")
        if isinstance(raw, str) and not _has_offset(raw):
            raise serializers.ValidationError("Give the moment with its offset, e.g. +01:00 or Z.")
        return value


def _has_offset(text: str) -> bool:
    text = text.strip()
    return text.endswith(("Z", "z")) or (len(text) > 6 and text[-6] in "+-" and text[-3] == ":")


class RecordVoidSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the record is voided; it is kept, marked void.")


class RecordAmendSerializer(serializers.Serializer):
    """A new version: the reason, and what the record says, as a new record gives it."""

    reason = serializers.CharField(allow_blank=True, help_text="Why the record is amended.")
    performed_at = serializers.DateTimeField(
        required=False, help_text="With its offset; the amended version's when not given."
    )
    measurements = ValueSerializer(many=True)
    instruments = ScopedRelatedField(
        queryset=Equipment.objects.select_related("site"), many=True, required=False
    )
    comments = serializers.CharField(required=False, allow_blank=True, default="")
    confirm_action = serializers.BooleanField(required=False, default=False)
    external = ExternalSerializer(required=False)
    report_received_on = serializers.DateField(required=False, allow_null=True)
    signature = SignatureSerializer(required=False)

    validate_performed_at = RecordCreateSerializer.validate_performed_at


class ServiceRecordViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Service records at your sites, newest first, with measurements and signatures."""

    queryset = service_records()
    serializer_class = ServiceRecordSerializer
    pagination_class = CursorPagination
    filterset_class = ServiceRecordFilter

    def paginate_queryset(self, queryset):
        # A page's versions, measurements and signatures come in one query per relation
        # (with_contents), not through prefetch_related's per-record filtering.
        # The page's rows are read bare: the list shows ids of the machine, schedule and
        # procedure, and of the schedule only its next due.
        bare = (
            queryset.prefetch_related(None)
            .select_related(None)
            .annotate(schedule_next_due=F("schedule__next_due"))
        )
        page = super().paginate_queryset(bare)
        return None if page is None else with_contents(page)

    def _read(self, record, code=status.HTTP_200_OK) -> Response:
        return Response(
            self.get_serializer(self.get_queryset().get(pk=record.pk)).data, status=code
        )

    @extend_schema(request=RecordCreateSerializer, responses={201: ServiceRecordSerializer})
    def create(self, request):
        payload = RecordCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        signature = data.pop("signature", None)
        if signature is not None:
            signature["via_api"] = True
        record = services.create_service_record(
            actor=request.user,
            now=timezone.now(),
            schedule=data.pop("schedule", None),
            equipment=data.pop("equipment", None),
            procedure=data.pop("procedure", None),
            performed_at=data.pop("performed_at"),
            values={m["check"]: m["value"] for m in data.pop("measurements")},
            signature=signature,
            **data,
        )
        return self._read(record, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={409: None})
    def partial_update(self, request, pk=None):
        """A record is never edited in place: a signed version answers 409 with the way on."""
        record = self.get_object()
        raise Conflict(signed_version_message(record.current()))

    @extend_schema(request=SignRequestSerializer, responses={201: ServiceRecordSerializer})
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """Sign or countersign the current version (username and password every time)."""
        record = self.get_object()
        payload = SignRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        services.sign_service_record(
            record=record,
            signer=request.user,
            meaning=data["meaning"],
            password=data["password"],
            username=data.get("username", ""),
            via_api=True,
            acknowledge_policy=data["acknowledge_policy"],
            version_number=data.get("version"),
            now=timezone.now(),
        )
        return self._read(record, status.HTTP_201_CREATED)

    @extend_schema(request=ReviewRequestSerializer, responses={201: ServiceRecordSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Review the current version: a signature meaning Reviewed (never your own record)."""
        record = self.get_object()
        payload = ReviewRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        review_record(
            record=record,
            reviewer=request.user,
            version_number=data.get("version"),
            now=timezone.now(),
            **signature_arguments(data),
        )
        return self._read(record, status.HTTP_201_CREATED)

    @extend_schema(request=RecordVoidSerializer, responses={200: ServiceRecordSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """Void with a reason; the schedule is recomputed from the records that still count."""
        record = self.get_object()
        payload = RecordVoidSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.void_service_record(
            actor=request.user,
            record=record,
            reason=payload.validated_data["reason"],
            now=timezone.now(),
        )
        return self._read(record)

    @extend_schema(request=RecordAmendSerializer, responses={201: ServiceRecordSerializer})
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        """A new version with a reason, judged afresh, signed as performed when `signature` is
        given (username and password every time); answers 201 with the record at its new
        version and the schedule's `next_due`."""
        record = self.get_object()
        payload = RecordAmendSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        signature = data.pop("signature", None)
        if signature is not None:
            signature["via_api"] = True
        current = record.current()
        services.amend_service_record(
            actor=request.user,
            record=record,
            reason=data.pop("reason"),
            now=timezone.now(),
            performed_at=data.pop("performed_at", current.performed_at),
            values={m["check"]: m["value"] for m in data.pop("measurements")},
            signature=signature,
            **data,
        )
        return self._read(record, status.HTTP_201_CREATED)
