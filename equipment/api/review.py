"""/api/v1/review-queue/: the signed records waiting for your review (cursor pagination,
newest first), and `review` on it, several records with one signature; `POST
/api/v1/records/<id>/review/` reviews one (ServiceRecordViewSet.review). Username and password
go with every signature. 400 names each field (or each refused record), 403 a missing right or
one's own record, 409 a superseded or voided record or a second review by the same person."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from equipment.models import ReviewReason, ServiceRecord
from equipment.selectors.review import queue_rows, review_queue
from equipment.services import review as services
from imaging_ops.api.pagination import CursorPagination
from imaging_ops.api.signatures import SignRequestSerializer


class ReviewRequestSerializer(SignRequestSerializer):
    """A review: the meaning is always Reviewed, so it is not asked."""

    meaning = None


class BulkReviewRequestSerializer(ReviewRequestSerializer):
    records = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=False,
        max_length=services.BULK_LIMIT,
        help_text="The ids of the records to review, from the queue.",
    )
    version = None


class ReviewRowSerializer(serializers.ModelSerializer):
    """A record waiting for review, and why."""

    site = serializers.CharField(source="equipment.site.code")
    asset_tag = serializers.CharField(source="equipment.asset_tag")
    procedure_code = serializers.CharField(source="procedure.code")
    procedure_name = serializers.CharField(source="current_version.procedure_version.name")
    version = serializers.IntegerField(source="current_version.number")
    reasons = serializers.ListField(
        source="review_reasons",
        child=serializers.ChoiceField(choices=ReviewReason.choices),
        help_text="Why it waits: tolerance, trainee, external, instrument.",
    )
    performer = serializers.SerializerMethodField()
    external = serializers.BooleanField(source="current_version.is_external")
    suspect_since = serializers.IntegerField(
        source="suspect_since_id",
        allow_null=True,
        help_text="The instrument calibration, found out of tolerance, that put it here.",
    )

    class Meta:
        model = ServiceRecord
        fields = [
            "id",
            "site",
            "equipment",
            "asset_tag",
            "procedure",
            "procedure_code",
            "procedure_name",
            "version",
            "performed_at",
            "outcome",
            "reasons",
            "performer",
            "external",
            "suspect_since",
        ]

    def get_performer(self, record) -> str:
        version = record.current_version
        return version.external_name if version.is_external else version.created_by.display_name


class QueuePagination(CursorPagination):
    ordering = ("-performed_at", "-pk")


def signature_arguments(data: dict) -> dict:
    return {
        "password": data["password"],
        "username": data.get("username", ""),
        "acknowledge_policy": data["acknowledge_policy"],
        "via_api": True,
    }


class ReviewQueueViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The records waiting for your review at your sites (never your own), newest first."""

    serializer_class = ReviewRowSerializer
    pagination_class = QueuePagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ServiceRecord.objects.none()
        return review_queue(self.request.user)

    @extend_schema(
        request=BulkReviewRequestSerializer, responses={201: ReviewRowSerializer(many=True)}
    )
    @action(detail=False, methods=["post"])
    def review(self, request):
        """Review several records of the queue with one signature: all or none."""
        payload = BulkReviewRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        ids = list(dict.fromkeys(data["records"]))
        found = {r.pk: r for r in self.get_queryset().filter(pk__in=ids)}
        missing = [pk for pk in ids if pk not in found]
        if missing:
            return Response(
                {"records": [f"Record {pk} is not waiting for your review." for pk in missing]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        records = [found[pk] for pk in ids]
        services.review_records(
            records=records, reviewer=request.user, now=timezone.now(), **signature_arguments(data)
        )
        reviewed = queue_rows(ServiceRecord.objects.filter(pk__in=ids))
        return Response(self.get_serializer(reviewed, many=True).data, status=201)
