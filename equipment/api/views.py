from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from imaging_ops.api.base import ScopedViewSet
from imaging_ops.scoping import scope

from .. import services
from ..filters import EquipmentFilter, LocationFilter
from ..models import Equipment, Location
from .serializers import (
    EquipmentSerializer,
    LocationSerializer,
    StatusChangeRequestSerializer,
    StatusChangeSerializer,
)


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
        serializer.instance = services.create_equipment(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        # Create-only fields: a PUT fills adopt_in_service with its default.
        for field in ("site", "adopt_in_service", "adoption_reason"):
            data.pop(field, None)
        serializer.instance = services.update_equipment(
            actor=self.request.user, equipment=serializer.instance, **data
        )

    @extend_schema(request=StatusChangeRequestSerializer, responses={201: StatusChangeSerializer})
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, pk=None):
        """Change the equipment's status along the transition table, with a reason."""
        equipment = get_object_or_404(scope(Equipment.objects.all(), request.user), pk=pk)
        payload = StatusChangeRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        change = services.change_equipment_status(
            equipment=equipment,
            to=payload.validated_data["status"],
            reason=payload.validated_data["reason"],
            actor=request.user,
        )
        return Response(StatusChangeSerializer(change).data, status=status.HTTP_201_CREATED)
