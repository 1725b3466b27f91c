"""/api/v1/schedules/: read the schedules at your sites, with where each stands now; a
schedule's references with their history. Status and its filter come from the stored timeline
in SQL, so the list runs the same queries however many schedules there are. The procedures'
endpoints are in equipment/api/procedures.py.

Schedules are written here too: create one, change it with a reason (PATCH), pause or resume it
with a reason, and set or re-baseline a check's reference with a reason. The payloads are
equipment.api.schedule_serializers'; the rules are equipment.services.schedules'."""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from equipment.api.schedule_serializers import (
    ReferenceSetSerializer,
    ScheduleCreateSerializer,
    ScheduleReasonSerializer,
    ScheduleUpdateSerializer,
)
from equipment.filters import ScheduleFilter
from equipment.models import Reference, ReferenceChange, Schedule
from equipment.scheduling import ScheduleStatus
from equipment.selectors.schedules import scheduled
from equipment.services import schedules as services
from imaging_ops.access.permissions import Action, sites_where


class ScheduleSerializer(serializers.ModelSerializer):
    site = serializers.IntegerField(source="equipment.site_id")
    status = serializers.ChoiceField(source="state", choices=ScheduleStatus.choices)

    class Meta:
        model = Schedule
        fields = [
            "id",
            "equipment",
            "site",
            "procedure",
            "status",
            "window_opens",
            "next_due",
            "overdue_at",
            "hard_limit_at",
            "last_done",
            "paused",
            "assignee",
            "assignee_role",
            "starts_on",
            "due_time",
            "due_clock",
            "anchor",
            "interval_months",
            "interval_weeks",
            "interval_days",
            "preset",
            "weekday",
            "early_days",
            "grace_days",
            "hard_limit_months",
            "hard_limit_days",
        ]


class ReferenceChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReferenceChange
        fields = ["previous_value", "value", "reason", "changed_at", "changed_by"]


class ReferenceSerializer(serializers.ModelSerializer):
    history = ReferenceChangeSerializer(many=True)

    class Meta:
        model = Reference
        fields = ["check_key", "value", "reason", "set_at", "set_by", "history"]


class NowFilterBackend(DjangoFilterBackend):
    """The FilterSet reads statuses at the same moment the list annotates them."""

    def get_filterset_kwargs(self, request, queryset, view):
        return {**super().get_filterset_kwargs(request, queryset, view), "now": view.now}


class ScheduleViewSet(viewsets.ReadOnlyModelViewSet):
    """Schedules at your sites, soonest due first, each with its status now. Those who edit
    procedures, references and schedules at the site (the RSO for radiation procedures) create
    them, change them with a reason, pause and resume them, and set their references."""

    serializer_class = ScheduleSerializer
    filterset_class = ScheduleFilter
    filter_backends = [NowFilterBackend]

    def get_queryset(self):
        self.now = timezone.now()
        return scheduled(self.request.user, now=self.now)

    def _read(self, schedule, code=status.HTTP_200_OK) -> Response:
        """The schedule as the list shows it, read again after the change."""
        fresh = scheduled(self.request.user, now=timezone.now()).get(pk=schedule.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _editable(self):
        """The schedule of the URL (404 outside your sites), once you may change it (403)."""
        schedule = self.get_object()
        services.require_schedule_edit(self.request.user, schedule)
        return schedule

    @extend_schema(request=ScheduleCreateSerializer, responses={201: ScheduleSerializer})
    def create(self, request):
        """A schedule of a procedure on one piece of equipment. Recurrence fields left out take
        the procedure's defaults; `last_done` (with its offset) starts the clock from the truth."""
        if not sites_where(request.user, Action.EDIT_PROCEDURES):
            raise PermissionDenied("You are not allowed to set up schedules at any of your sites.")
        payload = ScheduleCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        schedule = services.create_schedule(
            actor=request.user,
            equipment=data.pop("equipment"),
            procedure=data.pop("procedure"),
            now=timezone.now(),
            **data,
        )
        return self._read(schedule, status.HTTP_201_CREATED)

    @extend_schema(request=ScheduleUpdateSerializer, responses={200: ScheduleSerializer})
    def partial_update(self, request, pk=None):
        """Change the assignee, recurrence, window, grace, hard limit or due time, with a reason;
        the clock moves with the change."""
        schedule = self._editable()
        payload = ScheduleUpdateSerializer(
            data=request.data, partial=True, context={"request": request}
        )
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        reason = data.pop("reason", "")
        schedule = services.update_schedule(
            actor=request.user, schedule=schedule, changes=data, reason=reason, now=timezone.now()
        )
        return self._read(schedule)

    def _pause(self, request, service):
        schedule = self._editable()
        payload = ScheduleReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        service(
            actor=request.user,
            schedule=schedule,
            reason=payload.validated_data["reason"],
            now=timezone.now(),
        )
        return self._read(schedule)

    @extend_schema(request=ScheduleReasonSerializer, responses={200: ScheduleSerializer})
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        """Pause reminders with a reason; the clock (next due, hard limit) keeps running."""
        return self._pause(request, services.pause_schedule)

    @extend_schema(request=ScheduleReasonSerializer, responses={200: ScheduleSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Resume reminders with a reason."""
        return self._pause(request, services.resume_schedule)

    @extend_schema(methods=["GET"], responses=ReferenceSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=ReferenceSetSerializer,
        responses={201: ReferenceSerializer, 200: ReferenceSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def references(self, request, pk=None):
        """GET: the schedule's references (baselines), each with every change and its reason.
        POST: set a numeric check's reference (201) or re-baseline it (200), with a reason."""
        if request.method == "POST":
            return self._set_reference(request)
        schedule = self.get_object()
        return Response(ReferenceSerializer(_references(schedule), many=True).data)

    def _set_reference(self, request):
        schedule = self._editable()
        payload = ReferenceSetSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        existed = schedule.references.filter(check_key=data["check_key"]).exists()
        reference = services.set_reference(
            actor=request.user,
            schedule=schedule,
            check_key=data["check_key"],
            value=data["value"],
            reason=data["reason"],
            now=timezone.now(),
        )
        [fresh] = [r for r in _references(schedule) if r.pk == reference.pk]
        code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return Response(ReferenceSerializer(fresh).data, status=code)


def _references(schedule):
    return schedule.references.prefetch_related(
        Prefetch("history", queryset=ReferenceChange.objects.order_by("changed_at", "pk"))
    )
