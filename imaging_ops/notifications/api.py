"""The requester's own notifications, read-only, newest first, with cursor pagination."""

from rest_framework import mixins, serializers, viewsets

from imaging_ops.api.pagination import CursorPagination
from imaging_ops.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "site", "created_at", "read_at", "is_read"]
        read_only_fields = fields

    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your notifications, newest first; nobody sees anyone else's."""

    serializer_class = NotificationSerializer
    pagination_class = CursorPagination
    queryset = Notification.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema has no requester
            return Notification.objects.none()
        return Notification.objects.filter(user=self.request.user).select_related("site")
