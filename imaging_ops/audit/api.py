"""The read-only audit trail API: cursor-paginated, newest first, filtered like the page."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied

from imaging_ops.access.permissions import Action, sites_where
from imaging_ops.api.pagination import CursorPagination
from imaging_ops.audit.readable import ReadableEvent, readable_events
from imaging_ops.audit.selectors import audit_events_for
from imaging_ops.filters import AuditEventFilter
from imaging_ops.models import AuditEvent


class ReadableChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The key as stored in `changes`.")
    label = serializers.CharField(help_text="The field as the forms label it.")
    old = serializers.CharField(
        allow_null=True, help_text="The value before, as the forms show it; null for a create."
    )
    new = serializers.CharField(help_text="The value after (or the value recorded).")


class AuditEventListSerializer(serializers.ListSerializer):
    """Resolves a page's objects, people and sites together: one query per model, not per row."""

    def to_representation(self, data):
        events = list(data.all() if hasattr(data, "all") else data)
        request = self.context.get("request")
        entries = readable_events(events, viewer=request.user if request else None)
        self.child.readable = {entry.event.seq: entry for entry in entries}
        return super().to_representation(events)


class AuditEventSerializer(serializers.ModelSerializer):
    """An event as stored, with readable fields beside it (the stored ones never change)."""

    site = serializers.SlugRelatedField(slug_field="code", read_only=True)
    at_local = serializers.SerializerMethodField(
        help_text="The time in the event's site time zone, with abbreviation and offset."
    )
    time_zone = serializers.SerializerMethodField(help_text="The zone `at_local` is in.")
    actor_display = serializers.SerializerMethodField(help_text="The person by name.")
    action_label = serializers.SerializerMethodField()
    object_label = serializers.SerializerMethodField(help_text="The record type, for people.")
    object_name = serializers.SerializerMethodField(help_text="The record by name.")
    object_url = serializers.SerializerMethodField(
        help_text="The path of the record's page, where there is one the caller may open."
    )
    readable_changes = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        list_serializer_class = AuditEventListSerializer
        fields = [
            "seq",
            "at",
            "site",
            "actor",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "changes",
            "reason",
            "address",
            "request_id",
            "hash",
            "at_local",
            "time_zone",
            "actor_display",
            "action_label",
            "object_label",
            "object_name",
            "object_url",
            "readable_changes",
        ]
        read_only_fields = fields

    def _entry(self, event) -> ReadableEvent:
        entry = getattr(self, "readable", {}).get(event.seq)
        if entry is None:  # one event (retrieve): resolve it alone
            request = self.context.get("request")
            [entry] = readable_events([event], viewer=request.user if request else None)
        return entry

    def get_at_local(self, event) -> str:
        return self._entry(event).when

    def get_time_zone(self, event) -> str:
        return self._entry(event).time_zone

    def get_actor_display(self, event) -> str:
        return self._entry(event).actor

    def get_action_label(self, event) -> str:
        return self._entry(event).action

    def get_object_label(self, event) -> str:
        return self._entry(event).record_type

    def get_object_name(self, event) -> str:
        return self._entry(event).record

    def get_object_url(self, event) -> str | None:
        return self._entry(event).record_url

    @extend_schema_field(ReadableChangeSerializer(many=True))
    def get_readable_changes(self, event) -> list[dict]:
        return [
            {"field": c.field, "label": c.label, "old": c.old, "new": c.new}
            for c in self._entry(event).changes
        ]


class AuditCursorPagination(CursorPagination):
    ordering = "-seq"


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Audit events at your sites. Nothing here, or anywhere, can change or delete one."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    pagination_class = AuditCursorPagination
    lookup_field = "seq"
    lookup_value_regex = r"\d+"
    queryset = AuditEvent.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditEvent.objects.none()
        user = self.request.user
        if not sites_where(user, Action.SEARCH_AUDIT):
            raise PermissionDenied("You are not allowed to search the audit trail.")
        return audit_events_for(user)
