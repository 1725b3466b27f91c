"""/api/v1/schedules/ and /api/v1/procedures/: read the procedures (with their checks and
limits) and the schedules at your sites, with where each stands now; a schedule's references
with their history. Status and its filter come from the stored timeline in SQL, so the list runs
the same queries however many schedules there are."""

from django.db.models import Prefetch, Q
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from equipment.filters import ScheduleFilter
from equipment.models import Check, Procedure, Reference, ReferenceChange, Schedule
from equipment.models.procedures import LIMIT_FIELDS
from equipment.scheduling import ScheduleStatus
from equipment.selectors.schedules import scheduled
from imaging_ops.access.scoping import scope


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
            "checks",
        ]


class ProcedureViewSet(viewsets.ReadOnlyModelViewSet):
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
