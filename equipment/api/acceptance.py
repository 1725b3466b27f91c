"""/api/v1/acceptance-notes/: list, read, create; PATCH/PUT change the unsigned draft (a signed
version answers 409 with the way forward); sign, amend and void are actions. Nothing is
deleted."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from equipment.filters import AcceptanceNoteFilter
from equipment.models import AcceptanceNote, AcceptanceOutcome, Equipment
from equipment.selectors.acceptance import acceptance_notes
from equipment.services import acceptance as services
from imaging_ops.access.scoping import ScopedRelatedField
from imaging_ops.api.base import ScopedViewSetMixin
from imaging_ops.api.pagination import CursorPagination
from imaging_ops.api.signatures import SignatureStateSerializer, SignRequestSerializer
from imaging_ops.records.signatures import signature_states


class AcceptanceVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    accepted_on = serializers.DateField()
    summary = serializers.CharField()
    tests_performed = serializers.CharField()
    outcome = serializers.ChoiceField(choices=AcceptanceOutcome.choices)
    conditions = serializers.CharField()
    created_at = serializers.DateTimeField()
    created_by = serializers.IntegerField(source="created_by_id")
    created_by_name = serializers.CharField(source="created_by.display_name")
    amendment_reason = serializers.CharField()
    signatures = serializers.SerializerMethodField()

    @extend_schema_field(SignatureStateSerializer(many=True))
    def get_signatures(self, version) -> list[dict]:
        return SignatureStateSerializer(signature_states(version), many=True).data


class AcceptanceNoteSerializer(serializers.ModelSerializer):
    """A note as read: its current version and, newest first, every version."""

    current_version = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()
    voided = serializers.BooleanField(source="is_voided")

    class Meta:
        model = AcceptanceNote
        fields = [
            "id",
            "equipment",
            "voided",
            "voided_at",
            "voided_by",
            "void_reason",
            "current_version",
            "versions",
        ]

    @extend_schema_field(AcceptanceVersionSerializer)
    def get_current_version(self, note):
        return AcceptanceVersionSerializer(note.current()).data

    @extend_schema_field(AcceptanceVersionSerializer(many=True))
    def get_versions(self, note):
        return AcceptanceVersionSerializer(reversed(note.version_history()), many=True).data


class AcceptanceContentSerializer(serializers.Serializer):
    """The content of a version, as written on create, draft edit and amendment."""

    accepted_on = serializers.DateField()
    summary = serializers.CharField()
    tests_performed = serializers.CharField()
    outcome = serializers.ChoiceField(choices=AcceptanceOutcome.choices)
    conditions = serializers.CharField(required=False, allow_blank=True, default="")


class AcceptanceCreateSerializer(AcceptanceContentSerializer):
    equipment = ScopedRelatedField(queryset=Equipment.objects.select_related("site"))


class AmendSerializer(AcceptanceContentSerializer):
    reason = serializers.CharField(help_text="Why the record is amended; kept with the version.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Content left out is carried over from the current version.
        for name in ("accepted_on", "summary", "tests_performed", "outcome", "conditions"):
            self.fields[name].required = False
            self.fields[name].default = serializers.empty


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the record is voided; it is kept, marked void.")


class AcceptanceNoteViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Acceptance notes at your sites, with versions and signatures (manifestation, validity)."""

    queryset = acceptance_notes()
    serializer_class = AcceptanceNoteSerializer
    pagination_class = CursorPagination
    filterset_class = AcceptanceNoteFilter

    def _fresh(self, note: AcceptanceNote) -> AcceptanceNote:
        """The note read again after a change, its versions and signatures prefetched anew."""
        return self.get_queryset().get(pk=note.pk)

    def _read(self, note: AcceptanceNote, code=status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self._fresh(note)).data, status=code)

    @extend_schema(request=AcceptanceCreateSerializer, responses={201: AcceptanceNoteSerializer})
    def create(self, request):
        payload = AcceptanceCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        note = services.create_acceptance_note(
            actor=request.user, equipment=data.pop("equipment"), now=timezone.now(), **data
        )
        return self._read(note, status.HTTP_201_CREATED)

    @extend_schema(request=AcceptanceContentSerializer, responses={200: AcceptanceNoteSerializer})
    def update(self, request, pk=None, partial=False):
        """Change the unsigned current version. A signed version answers 409: amend it."""
        note = self.get_object()
        payload = AcceptanceContentSerializer(data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        services.update_acceptance_draft(
            actor=request.user, note=note, now=timezone.now(), **payload.validated_data
        )
        return self._read(note)

    @extend_schema(request=AcceptanceContentSerializer, responses={200: AcceptanceNoteSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    @extend_schema(request=SignRequestSerializer, responses={201: SignatureStateSerializer})
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """Sign the current version: username and password with every signature (your own)."""
        note = self.get_object()
        payload = SignRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        signature = services.sign_acceptance_note(
            note=note,
            signer=request.user,
            meaning=data["meaning"],
            password=data["password"],
            username=data.get("username", ""),
            via_api=True,
            acknowledge_policy=data["acknowledge_policy"],
            version_number=data.get("version"),
            now=timezone.now(),
        )
        note = self._fresh(note)
        state = next(s for s in signature_states(note.current()) if s.signature.pk == signature.pk)
        return Response(SignatureStateSerializer(state).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AmendSerializer, responses={201: AcceptanceNoteSerializer})
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        """A new version with a reason; the earlier versions and their signatures are kept."""
        note = self.get_object()
        payload = AmendSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        services.amend_acceptance_note(
            actor=request.user,
            note=note,
            reason=data.pop("reason"),
            now=timezone.now(),
            **data,
        )
        return self._read(note, status.HTTP_201_CREATED)

    @extend_schema(request=VoidSerializer, responses={200: AcceptanceNoteSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """Void with a reason: the note stays, marked void, with its versions and signatures."""
        note = self.get_object()
        payload = VoidSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.void_acceptance_note(
            actor=request.user,
            note=note,
            reason=payload.validated_data["reason"],
            now=timezone.now(),
        )
        return self._read(note)
