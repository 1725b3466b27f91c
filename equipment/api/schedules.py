"""/api/v1/schedules/: read the schedules at your sites, with where each stands now; a
schedule's references with their history. Status and its filter come from the stored timeline
in SQL, so the list runs the same queries however many schedules there are. The procedures'
endpoints are in equipment/api/procedures.py."""

from django.db.models import Prefetch
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from equipment.filters import ScheduleFilter
from equipment.models import Reference, ReferenceChange, Schedule
from equipment.scheduling import ScheduleStatus
from equipment.selectors.schedules import scheduled


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
    """Schedules at your sites, soonest due first, each with its status now."""

    serializer_class = ScheduleSerializer
    filterset_class = ScheduleFilter
    filter_backends = [NowFilterBackend]

    def get_queryset(self):
        self.now = timezone.now()
        return scheduled(self.request.user, now=self.now)

    @extend_schema(responses=ReferenceSerializer(many=True))
    @action(detail=True, methods=["get"])
    def references(self, request, pk=None):
        """The schedule's references (baselines), each with every change and its reason."""
        schedule = self.get_object()
        references = schedule.references.prefetch_related(
            Prefetch("history", queryset=ReferenceChange.objects.order_by("changed_at", "pk"))
        )
        return Response(ReferenceSerializer(references, many=True).data)
