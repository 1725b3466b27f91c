"""The read-only audit trail API: cursor-paginated, newest first, filtered like the page."""

from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied

from imaging_ops.access.permissions import Action, sites_where
from imaging_ops.api.pagination import CursorPagination
from imaging_ops.audit.selectors import audit_events_for
from imaging_ops.filters import AuditEventFilter
from imaging_ops.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = AuditEvent
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
        ]
        read_only_fields = fields


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
