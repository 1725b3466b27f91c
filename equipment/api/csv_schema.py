"""What the CSV export and import look like to API clients and the OpenAPI schema."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer


class CSVRenderer(BaseRenderer):
    """Lets a client ask for text/csv; the export streams its own body, errors come as text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return "" if data is None else str(data)


IMPORT_REQUEST = inline_serializer(
    "EquipmentImportRequest",
    {
        "file": serializers.FileField(),
        "dry_run": serializers.BooleanField(default=False),
        "skip_invalid": serializers.BooleanField(default=False),
        "adopt_in_service": serializers.BooleanField(default=False),
        "adoption_reason": serializers.CharField(required=False),
    },
)
IMPORT_REPORT = inline_serializer(
    "EquipmentImportReport",
    {
        "dry_run": serializers.BooleanField(),
        "skip_invalid": serializers.BooleanField(),
        "adopt_in_service": serializers.BooleanField(),
        "saved": serializers.BooleanField(),
        "summary": serializers.CharField(),
        "rows": serializers.IntegerField(),
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "invalid": serializers.IntegerField(),
        "errors": inline_serializer(
            "EquipmentImportRowError",
            {
                "line": serializers.IntegerField(),
                "asset_tag": serializers.CharField(),
                "column": serializers.CharField(allow_null=True),
                "reason": serializers.CharField(),
            },
            many=True,
        ),
    },
)
