"""/api/v1/work-orders/: the work orders at your sites (page numbers with a count), each with
its downtime in seconds, computed from the equipment's status changes for the whole page in
one query; filters `state`, `open`, `site`, `equipment`, `priority`, `assignee`, `age`. POST
opens one (a fault report); `POST /api/v1/work-orders/<id>/transition/` with `to` (and
`reason`, `assignee`, `completion`, the signature's `username` and `password` where the move
needs them) moves it, and answers 400 naming the reason when the move is refused; `countersign`
countersigns a field engineer's completion. The rules are equipment.services.work_orders'."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from equipment.filters import WorkOrderFilter
from equipment.models import Equipment, WorkOrder, WorkOrderPriority
from equipment.selectors.work_orders import downtimes, total_cost, work_order_list
from equipment.services import work_orders as services
from imaging_ops.access.permissions import Action, sites_where
from imaging_ops.access.scoping import ScopedRelatedField, scope
from imaging_ops.errors import Conflict
from imaging_ops.models import SiteMembership, User


@extend_schema_field(OpenApiTypes.INT)
class PersonAtYourSitesField(serializers.PrimaryKeyRelatedField):
    """A person who holds a role at one of the requester's sites; anyone else reads as a
    missing id, so ids of other sites' people leak nothing. Whether they may do the work at
    the work order's site is the service's rule."""

    def get_queryset(self):
        memberships = scope(SiteMembership.objects.all(), self.context["request"].user)
        return User.objects.filter(pk__in=memberships.values("user_id"))


class WorkOrderSerializer(serializers.ModelSerializer):
    site = serializers.IntegerField(source="equipment.site_id", read_only=True)
    cost = serializers.SerializerMethodField()
    downtime = serializers.SerializerMethodField(
        help_text="Seconds out of service between opening and close (or now)."
    )

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "equipment",
            "site",
            "state",
            "priority",
            "problem",
            "reporter",
            "assignee",
            "due_on",
            "vendor",
            "vendor_reference",
            "stop_use",
            "major_repair",
            "opened_enclosure",
            "source_record",
            "opened_at",
            "closed_at",
            "resolution",
            "root_cause",
            "cancel_reason",
            "cost",
            "downtime",
        ]
        read_only_fields = fields

    def get_cost(self, work_order) -> str:
        return f"{total_cost(work_order):.2f}"

    def get_downtime(self, work_order) -> int:
        spans = self.context.get("downtimes")
        if spans is None or work_order.pk not in spans:
            spans = downtimes([work_order], now=timezone.now())
        return int(spans[work_order.pk].total_seconds())


class WorkOrderCreateSerializer(serializers.Serializer):
    equipment = ScopedRelatedField(queryset=Equipment.objects.all())
    problem = serializers.CharField(max_length=5000)
    priority = serializers.ChoiceField(
        choices=WorkOrderPriority.choices, default=WorkOrderPriority.NORMAL
    )
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    assignee = PersonAtYourSitesField(required=False, allow_null=True, default=None)
    vendor = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    vendor_reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    take_out_of_service = serializers.BooleanField(required=False, default=False)


class WorkOrderUpdateSerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=WorkOrderPriority.choices, required=False)
    due_on = serializers.DateField(required=False, allow_null=True)
    vendor = serializers.CharField(max_length=200, required=False, allow_blank=True)
    vendor_reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    major_repair = serializers.BooleanField(required=False)
    opened_enclosure = serializers.BooleanField(required=False)


class CompletionSerializer(serializers.Serializer):
    resolution = serializers.CharField(required=False, allow_blank=True, default="")
    root_cause = serializers.CharField(required=False, allow_blank=True, default="")
    major_repair = serializers.BooleanField(required=False, default=False)
    opened_enclosure = serializers.BooleanField(required=False, default=False)
    external_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    external_organisation = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class TransitionSerializer(serializers.Serializer):
    to = serializers.CharField(max_length=30)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    assignee = PersonAtYourSitesField(required=False, allow_null=True, default=None)
    completion = CompletionSerializer(required=False, default=None)
    username = serializers.CharField(required=False, allow_blank=True, default="")
    password = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False, write_only=True
    )
    acknowledge_policy = serializers.BooleanField(required=False, default=False)


class CountersignSerializer(serializers.Serializer):
    username = serializers.CharField(required=False, allow_blank=True, default="")
    password = serializers.CharField(trim_whitespace=False, write_only=True)
    acknowledge_policy = serializers.BooleanField(required=False, default=False)


class WorkOrderViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Work orders at your sites, newest first. Anyone who may report a fault at a site opens
    one there; moves follow the one transition table."""

    serializer_class = WorkOrderSerializer
    filterset_class = WorkOrderFilter

    def get_queryset(self):
        return scope(work_order_list(), self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {
            **self.get_serializer_context(),
            "downtimes": downtimes(page, now=timezone.now()),
        }
        return self.get_paginated_response(
            WorkOrderSerializer(page, many=True, context=context).data
        )

    def _read(self, work_order, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=work_order.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=WorkOrderCreateSerializer, responses={201: WorkOrderSerializer})
    def create(self, request):
        """Open a work order (report a fault); `take_out_of_service` takes the equipment out
        of service in the same transaction."""
        if not sites_where(request.user, Action.TAKE_OUT_OF_SERVICE):
            raise PermissionDenied("You are not allowed to report a fault at any of your sites.")
        payload = WorkOrderCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        work_order = services.open_work_order(
            actor=request.user, now=timezone.now(), **payload.validated_data
        )
        return self._read(work_order, status.HTTP_201_CREATED)

    @extend_schema(request=WorkOrderUpdateSerializer, responses={200: WorkOrderSerializer})
    def partial_update(self, request, pk=None):
        """Change the priority, due date, vendor and its reference, or the repair's flags, of
        an open work order not yet completed (its assignee, or a physicist or manager)."""
        work_order = self.get_object()
        payload = WorkOrderUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.update_work_order(
            actor=request.user, work_order=work_order, now=timezone.now(), **payload.validated_data
        )
        return self._read(work_order)

    @extend_schema(request=TransitionSerializer, responses={200: WorkOrderSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the work order to `to`. A move the table or the person's role refuses answers
        400 with the reason on `to`; a move lacking what it needs, 400 with field errors."""
        work_order = self.get_object()
        payload = TransitionSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        signature = None
        if data["password"]:
            signature = {
                "password": data["password"],
                "username": data["username"],
                "via_api": True,
                "acknowledge_policy": data["acknowledge_policy"],
            }
        try:
            moved = services.transition_work_order(
                work_order=work_order,
                to=data["to"],
                actor=request.user,
                now=timezone.now(),
                reason=data["reason"],
                assignee=data["assignee"],
                completion=data["completion"],
                signature=signature,
            )
        except (PermissionDenied, Conflict) as refused:
            return Response({"to": [str(refused)]}, status=status.HTTP_400_BAD_REQUEST)
        return self._read(moved)

    @extend_schema(request=CountersignSerializer, responses={200: WorkOrderSerializer})
    @action(detail=True, methods=["post"])
    def countersign(self, request, pk=None):
        """Countersign a field engineer's completion as reviewed (physicist or manager)."""
        work_order = self.get_object()
        payload = CountersignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.countersign_work_order(
            work_order=work_order,
            signer=request.user,
            now=timezone.now(),
            via_api=True,
            **payload.validated_data,
        )
        return self._read(work_order)
