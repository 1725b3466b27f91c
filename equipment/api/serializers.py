"""Locations, equipment and status changes as the API reads and writes them."""

from collections.abc import Mapping

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from equipment.decay import significant, source_activity
from equipment.models import Equipment, EquipmentStatus, EquipmentStatusChange, Location
from equipment.services import registry as services
from equipment.services.status import STATUS_NOT_EDITED_IN_API
from imaging_ops.access.scoping import ScopedRelatedField
from imaging_ops.models import Site
from imaging_ops.vocabulary import Modality


class LocationSerializer(serializers.ModelSerializer):
    site = ScopedRelatedField(queryset=Site.objects.all())

    class Meta:
        model = Location
        fields = ["id", "site", "building", "room", "area_class", "secured_storage"]

    def validate_site(self, site):
        if self.instance is not None:
            services.refuse_site_move(self.instance, site)
        return site


class EquipmentSerializer(serializers.ModelSerializer):
    site = ScopedRelatedField(queryset=Site.objects.all())
    location = ScopedRelatedField(queryset=Location.objects.all(), allow_null=True, required=False)
    modalities = serializers.ListField(
        child=serializers.ChoiceField(choices=Modality.choices),
        required=False,
        help_text="Ordered DICOM codes; the first is the primary modality.",
    )
    modality = serializers.CharField(read_only=True, help_text="The primary modality.")
    status = serializers.CharField(
        read_only=True,
        help_text="Read-only here: change it with POST /api/v1/equipment/{id}/status/.",
    )
    adopt_in_service = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="On create, managers only: the equipment is already in clinical use.",
    )
    adoption_reason = serializers.CharField(write_only=True, required=False, allow_blank=True)
    record_relocation = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="On update, with a new location: the move is a relocation (recorded as an "
        "event; the procedures required after a relocation are due before service). A new "
        "location alone is a location edit.",
    )
    current_activity_bq = serializers.SerializerMethodField(
        help_text="Sealed sources: today's activity at the site in becquerel, by decay from the "
        "reference activity (6 significant figures); null for other equipment."
    )
    current_activity_display = serializers.SerializerMethodField(
        help_text="The same in both unit systems, e.g. “7.21 MBq (194.9 µCi)”."
    )

    class Meta:
        model = Equipment
        fields = [
            "id",
            "site",
            "location",
            "asset_tag",
            "name",
            "category",
            "modality",
            "modalities",
            *services.DETAIL_FIELDS,
            "current_activity_bq",
            "current_activity_display",
            "status",
            "created_at",
            "updated_at",
            "adopt_in_service",
            "adoption_reason",
            "record_relocation",
        ]
        # Uniqueness and the location's site are checked by the service, with field errors.
        validators = []

    def to_internal_value(self, data):
        # Only a JSON object can name fields; anything else gets DRF's "expected a dictionary".
        if isinstance(data, Mapping) and "status" in data:
            raise serializers.ValidationError({"status": [STATUS_NOT_EDITED_IN_API]})
        return super().to_internal_value(data)

    def _activity(self, equipment):
        # "Now" is read once per response; each source decays to its own site's today.
        if not hasattr(equipment, "_current_activity"):
            now = self.context.setdefault("now", timezone.now())
            equipment._current_activity = source_activity(equipment, now=now)
        return equipment._current_activity

    @extend_schema_field(serializers.DecimalField(max_digits=40, decimal_places=6, allow_null=True))
    def get_current_activity_bq(self, equipment) -> str | None:
        activity = self._activity(equipment)
        return None if activity is None else str(significant(activity.becquerel))

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_current_activity_display(self, equipment) -> str | None:
        activity = self._activity(equipment)
        return None if activity is None else activity.current

    def validate_site(self, site):
        if self.instance is not None:
            services.refuse_site_move(self.instance, site)
        return site

    def validate(self, attrs):
        if self.instance is not None and (
            attrs.get("adopt_in_service") or attrs.get("adoption_reason")
        ):
            raise serializers.ValidationError(
                {"adopt_in_service": "Adoption in service happens only when equipment is created."}
            )
        return attrs


class StatusChangeRequestSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=EquipmentStatus.choices)
    reason = serializers.CharField()
    confirm_high_risk = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Required (true) to take high-risk equipment out of service: the caller "
        "understands it will be unavailable for patients.",
    )


class GateRefusalSerializer(serializers.Serializer):
    """A return to service the gate refuses: 409."""

    detail = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Every reason.")


class SatisfiedBySerializer(serializers.Serializer):
    record = serializers.IntegerField()
    procedure = serializers.CharField()
    performed_at = serializers.DateTimeField()
    because = serializers.CharField()


class StatusChangeSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.display_name", read_only=True)
    satisfied_by = SatisfiedBySerializer(
        many=True,
        read_only=True,
        help_text="A return to service: the records that satisfied the gate, as they were then.",
    )

    class Meta:
        model = EquipmentStatusChange
        fields = [
            "id",
            "kind",
            "from_status",
            "to_status",
            "reason",
            "actor",
            "changed_at",
            "satisfied_by",
        ]
