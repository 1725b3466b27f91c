"""/api/v1/procedures/: read the procedures of your sites and the organisation library, each
with its current version's content and ordered checks; create one (POST), make a new version
(`versions`), and copy a library procedure to a site (`copy`).

Every write goes through equipment/services/procedures.py, as the pages' do. The serializers
parse the procedure's own fields; the checks are passed to the service as sent, which judges
their types and rules at once, so a bad check answers 400 with errors keyed by field path
(`checks.2.tolerance_low`). Who may write is asked before any rule about the content.
"""

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from equipment.models import Category, Check, Procedure, ProcedureKind, RequiringEvent
from equipment.models.procedures import LIMIT_FIELDS
from equipment.scheduling import Anchor, Preset
from equipment.services import procedures as services
from equipment.services.grants import require_procedure_edit, require_some_procedure_edit
from imaging_ops.access.permissions import Action, sites_where
from imaging_ops.access.scoping import ScopedRelatedField, scope
from imaging_ops.models import Site
from imaging_ops.vocabulary import Modality, Role

SMALL = {"min_value": 0, "max_value": services.SMALL_MAX}
REFUSALS = {
    400: OpenApiResponse(
        description="Field errors, every one at once, keyed by the field's path, e.g. "
        "`checks.2.tolerance_low` or `modalities.0`; nothing is saved."
    ),
    403: OpenApiResponse(description="Not allowed, with the reason in `detail`."),
}
NOT_FOUND = {404: OpenApiResponse(description="No such procedure at your sites or the library.")}


# --- reading -------------------------------------------------------------------------------


class CheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = Check
        fields = [
            "id",
            "position",
            "key",
            "name",
            "kind",
            "unit",
            *LIMIT_FIELDS,
            *(f"{limit}_inclusive" for limit in LIMIT_FIELDS),
            "band_mode",
            "choices",
            "passing_choices",
            "stop_use",
            "correct_within_days",
            "citation",
            "verify_locally",
        ]


class ProcedureSerializer(serializers.ModelSerializer):
    """A procedure with its current version's content and ordered checks."""

    version = serializers.IntegerField(source="current_version.number")
    name = serializers.CharField(source="current_version.name")
    modalities = serializers.JSONField(source="current_version.modalities")
    categories = serializers.JSONField(source="current_version.categories")
    citation = serializers.CharField(source="current_version.citation")
    instructions = serializers.CharField(source="current_version.instructions")
    performer_roles = serializers.JSONField(source="current_version.performer_roles")
    external_allowed = serializers.BooleanField(source="current_version.external_allowed")
    required_after = serializers.JSONField(source="current_version.required_after")
    catalog_code = serializers.CharField(source="current_version.catalog_code")
    catalog_version = serializers.CharField(source="current_version.catalog_version")
    verify_locally = serializers.BooleanField(
        source="current_version.verify_locally",
        help_text="The source marks some of its values unconfirmed: check them locally.",
    )
    verify_locally_note = serializers.CharField(source="current_version.verify_locally_note")
    default_due_time = serializers.CharField(source="current_version.default_due_time")
    checks = CheckSerializer(source="current_version.checks", many=True)

    class Meta:
        model = Procedure
        fields = [
            "id",
            "site",
            "code",
            "kind",
            "copied_from",
            "version",
            "name",
            "modalities",
            "categories",
            "citation",
            "instructions",
            "performer_roles",
            "external_allowed",
            "required_after",
            "catalog_code",
            "catalog_version",
            "verify_locally",
            "verify_locally_note",
            "default_due_time",
            "checks",
        ]


# --- writing -------------------------------------------------------------------------------


class CheckInputSerializer(serializers.ModelSerializer):
    """A check as it is written: its place is its place in the list. Limits are decimal text
    (the digits as entered); a numeric check's band is judged as the procedure form's is."""

    choices = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Choice checks: the choices."
    )
    passing_choices = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="The choices that pass."
    )
    correct_within_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Days allowed to correct a failure (0: at once); null for none.",
        **SMALL,
    )

    class Meta:
        model = Check
        fields = list(services.CHECK_FIELDS)


@extend_schema_field(CheckInputSerializer(many=True))
class ChecksField(serializers.Field):
    """The checks, in order, handed to the service as sent: it judges every check's types and
    rules at once and names each problem by its path (`checks.<i>.<field>`)."""

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


def _codes(choices, help_text: str = "") -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=choices), required=False, help_text=help_text
    )


class ProcedureContentSerializer(serializers.Serializer):
    """What a version says. On a new version, a field left out is carried over."""

    name = serializers.CharField(max_length=200)
    modalities = _codes(Modality.choices, "DICOM modality codes.")
    categories = _codes(Category.choices, "Equipment categories it applies to.")
    citation = serializers.CharField(max_length=300, required=False, allow_blank=True)
    instructions = serializers.CharField(required=False, allow_blank=True)
    performer_roles = _codes(Role.choices, "The roles that may perform it.")
    external_allowed = serializers.BooleanField(
        required=False, help_text="An outside vendor or physicist may perform it."
    )
    required_after = _codes(RequiringEvent.choices, "Events after which it is required.")
    default_anchor = serializers.ChoiceField(
        choices=Anchor.choices, required=False, allow_blank=True
    )
    default_interval_months = serializers.IntegerField(required=False, **SMALL)
    default_interval_weeks = serializers.IntegerField(required=False, **SMALL)
    default_interval_days = serializers.IntegerField(required=False, **SMALL)
    default_preset = serializers.ChoiceField(
        choices=Preset.choices, required=False, allow_blank=True
    )
    default_weekday = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=6, help_text="0 is Monday."
    )
    default_early_days = serializers.IntegerField(required=False, **SMALL)
    default_grace_days = serializers.IntegerField(required=False, **SMALL)
    default_hard_limit_months = serializers.IntegerField(required=False, allow_null=True, **SMALL)
    checks = ChecksField(required=False, help_text="The ordered checks.")


class ProcedureCreateSerializer(ProcedureContentSerializer):
    site = ScopedRelatedField(
        queryset=Site.objects.all(),
        required=False,
        allow_null=True,
        help_text="One of your sites; null or left out for the organisation library "
        "(system administrators only).",
    )
    code = serializers.CharField(max_length=50, help_text="Unique at the site; never changes.")
    kind = serializers.ChoiceField(choices=ProcedureKind.choices)


class ProcedureVersionSerializer(ProcedureContentSerializer):
    reason = serializers.CharField(help_text="Why the new version; kept with it.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False


class ProcedureCopySerializer(serializers.Serializer):
    site = ScopedRelatedField(queryset=Site.objects.all(), help_text="One of your sites.")


class SiteSerializer(serializers.Serializer):
    site = ScopedRelatedField(queryset=Site.objects.all(), required=False, allow_null=True)


def field_paths(errors, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as messages keyed by field path: `{"modalities": {0: [...]}}` is
    `{"modalities.0": [...]}`, so every field error reads as the service's do."""
    if isinstance(errors, Mapping):
        flat = {}
        for key, value in errors.items():
            name = "non_field_errors" if key == "__all__" else str(key)
            flat.update(field_paths(value, f"{prefix}.{name}" if prefix else name))
        return flat
    if isinstance(errors, list) and errors and not all(isinstance(e, str) for e in errors):
        flat = {}
        for index, value in enumerate(errors):
            flat.update(field_paths(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or "non_field_errors": [str(e) for e in errors] if errors else []}


def _check_errors(data) -> dict[str, list[str]]:
    """The service's errors for the checks sent, so a refused request names them too."""
    if not isinstance(data, Mapping) or data.get("checks") is None:
        return {}
    try:
        services.build_checks(data["checks"])
    except DjangoValidationError as invalid:
        return invalid.message_dict
    return {}


def parse(serializer_class, request) -> dict:
    """The request's fields as the serializer reads them, or a 400 naming every field at fault
    (the checks' too, as the service names them)."""
    payload = serializer_class(data=request.data, context={"request": request})
    if payload.is_valid():
        return dict(payload.validated_data)
    errors = field_paths(payload.errors)
    errors.update(_check_errors(request.data))
    raise ValidationError(errors)


class ProcedureViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The procedures of your sites and of the organisation library (site null)."""

    serializer_class = ProcedureSerializer
    filterset_fields = ["site", "kind"]

    def get_queryset(self):
        user = self.request.user
        mine = scope(Procedure.objects.all(), user).values("pk")
        return (
            Procedure.objects.filter(Q(pk__in=mine) | Q(site__isnull=True))
            .select_related("current_version")
            .prefetch_related(
                Prefetch("current_version__checks", queryset=Check.objects.order_by("position"))
            )
            .order_by("site_id", "code")
        )

    def _read(self, procedure: Procedure, code=status.HTTP_201_CREATED) -> Response:
        """The procedure as the list shows it, read afresh."""
        return Response(self.get_serializer(self.get_queryset().get(pk=procedure.pk)).data, code)

    @extend_schema(
        request=ProcedureCreateSerializer, responses={201: ProcedureSerializer, **REFUSALS}
    )
    def create(self, request):
        """A site procedure (`site` one of yours) or a library procedure (no `site`; system
        administrators), with its first version and ordered checks."""
        user = request.user
        if not sites_where(user, Action.EDIT_PROCEDURES):
            raise PermissionDenied("You are not allowed to edit procedures at any of your sites.")
        site = parse(SiteSerializer, request).get("site")
        require_some_procedure_edit(user, site)
        data = parse(ProcedureCreateSerializer, request)
        data.pop("site", None)
        procedure = services.create_procedure(
            actor=user,
            site=site,
            code=data.pop("code"),
            kind=data.pop("kind"),
            now=timezone.now(),
            checks=data.pop("checks", ()),
            **data,
        )
        return self._read(procedure)

    @extend_schema(
        request=ProcedureVersionSerializer,
        responses={201: ProcedureSerializer, **REFUSALS, **NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def versions(self, request, pk=None):
        """A new version with a reason; content and checks left out are carried over. It
        applies from the next record: schedules follow the procedure, records keep theirs."""
        procedure = self.get_object()
        require_procedure_edit(
            request.user,
            procedure.site_id,
            kind=procedure.kind,
            categories=procedure.current_version.categories,
        )
        data = parse(ProcedureVersionSerializer, request)
        services.new_procedure_version(
            actor=request.user,
            procedure=procedure,
            reason=data.pop("reason"),
            now=timezone.now(),
            checks=data.pop("checks", None),
            **data,
        )
        return self._read(procedure)

    @extend_schema(
        request=ProcedureCopySerializer,
        responses={201: ProcedureSerializer, **REFUSALS, **NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        """The site's own copy of a library procedure (its current version and checks), which
        keeps its link to the original (`copied_from`)."""
        procedure = self.get_object()
        if not sites_where(request.user, Action.EDIT_PROCEDURES):
            raise PermissionDenied("You are not allowed to edit procedures at any of your sites.")
        site = parse(ProcedureCopySerializer, request)["site"]
        copy = services.copy_library_procedure(
            actor=request.user, procedure=procedure, site=site, now=timezone.now()
        )
        return self._read(copy)
