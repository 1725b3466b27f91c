"""/api/v1/locations/ and /api/v1/equipment/: list, read, create and update at your sites;
equipment's status changes only through its status action, and the list exports and imports as
CSV. Nothing is deleted."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from equipment.api.csv_schema import IMPORT_REPORT, IMPORT_REQUEST, CSVRenderer
from equipment.api.serializers import (
    EquipmentSerializer,
    GateRefusalSerializer,
    LocationSerializer,
    StatusChangeRequestSerializer,
    StatusChangeSerializer,
)
from equipment.documents import csv_import, csv_io
from equipment.filters import EquipmentFilter, LocationFilter
from equipment.models import Equipment, Location
from equipment.services import registry as services
from equipment.services.status import change_equipment_status
from imaging_ops.api.base import ScopedViewSet


class LocationViewSet(ScopedViewSet):
    queryset = Location.objects.order_by("site__code", "building", "room")
    serializer_class = LocationSerializer
    filterset_class = LocationFilter

    def perform_create(self, serializer):
        serializer.instance = services.create_location(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("site", None)
        serializer.instance = services.update_location(
            actor=self.request.user, location=serializer.instance, **data
        )


class EquipmentViewSet(ScopedViewSet):
    """Equipment at your sites. Status is read-only here; use the status action to change it."""

    queryset = Equipment.objects.select_related("site", "location").order_by(
        "site__code", "asset_tag"
    )
    serializer_class = EquipmentSerializer
    filterset_class = EquipmentFilter

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("record_relocation", None)  # a new machine has not moved
        serializer.instance = services.create_equipment(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        # Create-only fields: a PUT fills adopt_in_service with its default.
        for field in ("site", "adopt_in_service", "adoption_reason"):
            data.pop(field, None)
        serializer.instance = services.update_equipment(
            actor=self.request.user, equipment=serializer.instance, **data
        )

    @extend_schema(
        request=StatusChangeRequestSerializer,
        responses={201: StatusChangeSerializer, 409: GateRefusalSerializer},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, pk=None):
        """Change the equipment's status along the transition table, with a reason; high-risk
        equipment goes out of service only with `confirm_high_risk: true`. A return to service
        the gate refuses answers 409 with every reason in `reasons`."""
        equipment = self.get_object()
        payload = StatusChangeRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        change = change_equipment_status(
            equipment=equipment,
            to=payload.validated_data["status"],
            reason=payload.validated_data["reason"],
            actor=request.user,
            confirm_high_risk=payload.validated_data["confirm_high_risk"],
        )
        return Response(StatusChangeSerializer(change).data, status=status.HTTP_201_CREATED)

    @extend_schema(filters=True, responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=False, methods=["get"], renderer_classes=[JSONRenderer, CSVRenderer])
    def export(self, request):
        """The filtered list as CSV, streamed: the columns the import takes, plus status."""
        queryset = self.filter_queryset(self.get_queryset())
        return csv_io.export_response(queryset, filters=request.query_params)

    @extend_schema(request={"multipart/form-data": IMPORT_REQUEST}, responses={200: IMPORT_REPORT})
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_csv(self, request):
        """Import a CSV like the export's; answers a report of every row (400 if unreadable)."""
        if not csv_io.may_import(request.user):
            raise PermissionDenied("You are not allowed to create and edit equipment anywhere.")
        form = csv_io.ImportForm(request.data, request.FILES)
        if not form.is_valid():
            errors = {
                ("non_field_errors" if name == "__all__" else name): list(messages)
                for name, messages in form.errors.items()
            }
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            report = csv_import.import_equipment(actor=request.user, **form.options())
        except csv_io.FileError as exc:
            return Response({"file": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(report.as_dict())
