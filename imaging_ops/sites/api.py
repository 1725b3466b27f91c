"""/api/v1/sites/: the sites the requester holds a role at, read-only."""

from rest_framework import serializers

from imaging_ops.api.base import ScopedReadOnlyViewSet
from imaging_ops.models import Site


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = [
            "id",
            "code",
            "name",
            "time_zone",
            "clinical_days",
            "opens_at",
            "closes_at",
            "address",
        ]


class SiteViewSet(ScopedReadOnlyViewSet):
    """The sites you hold a role at."""

    queryset = Site.objects.order_by("code")
    serializer_class = SiteSerializer
