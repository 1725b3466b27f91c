"""/api/v1/training-records/ (cursor pages, filters `person`, `course`, `site`, `status`,
`voided`; POST import/ takes a CSV of past training, signed by the requester as reviewed),
/api/v1/training-sessions/ (POST records a session with its attendance, signed by
the requester as instructor: username and password every time), /api/v1/courses/,
/api/v1/training-requirements/ and /api/v1/training-matrix/?site=<id>. The rules are
training.services' and training.selectors'."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from imaging_ops.access.permissions import Action, require
from imaging_ops.access.scoping import ScopedRelatedField, scope
from imaging_ops.api.base import ScopedReadOnlyViewSet, ScopedViewSetMixin
from imaging_ops.api.pagination import CursorPagination, PageNumberPagination
from imaging_ops.api.signatures import SignatureStateSerializer
from imaging_ops.csv_import import FileError
from imaging_ops.models import Site, SiteMembership, User
from imaging_ops.records.signatures import signature_states
from imaging_ops.vocabulary import AreaClass, Modality, Role
from training.documents import records_import as importer
from training.filters import TrainingRecordFilter
from training.forms.imports import TrainingImportForm
from training.models import (
    Course,
    CourseCategory,
    Requirement,
    RequirementBasis,
    TrainingRecord,
    TrainingSession,
)
from training.selectors.matrix import competency_matrix
from training.selectors.records import courses_for, training_records
from training.services.courses import create_course, create_requirement
from training.services.sessions import Attendance, record_session


class CourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = [
            "id",
            "site",
            "code",
            "title",
            "category",
            "validity_months",
            "citation",
            "description",
            "modalities",
            "area_classes",
            "roles",
            "catalog_code",
            "catalog_version",
        ]
        read_only_fields = fields


class RequirementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Requirement
        fields = ["id", "site", "course", "basis", "modality", "area_class", "role", "retired_at"]
        read_only_fields = fields


class TrainingRecordSerializer(serializers.ModelSerializer):
    version = serializers.SerializerMethodField()
    instructor = serializers.SerializerMethodField()
    instructor_name = serializers.SerializerMethodField()
    passed = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField()
    signatures = serializers.SerializerMethodField()
    voided = serializers.SerializerMethodField()

    class Meta:
        model = TrainingRecord
        fields = [
            "id",
            "site",
            "person",
            "course",
            "session",
            "completed_on",
            "expires_on",
            "counts",
            "version",
            "instructor",
            "instructor_name",
            "imported",
            "passed",
            "score",
            "voided",
            "signatures",
        ]
        read_only_fields = fields

    def get_version(self, record) -> int:
        return record.current().number

    def get_instructor(self, record) -> int | None:
        """The instructor's account; None for an outside instructor (named in
        `instructor_name`)."""
        return record.current().instructor_id

    def get_instructor_name(self, record) -> str:
        """The instructor as shown: the account's display name or the outside instructor's."""
        return record.current().instructor_label

    def get_passed(self, record) -> bool:
        return record.current().passed

    def get_score(self, record) -> str | None:
        score = record.current().score
        return None if score is None else str(score)

    def get_voided(self, record) -> bool:
        return record.is_voided

    def get_signatures(self, record) -> list:
        return SignatureStateSerializer(signature_states(record.current()), many=True).data


IMPORT_REQUEST = inline_serializer(
    "TrainingImportRequest",
    {
        "file": serializers.FileField(),
        "dry_run": serializers.BooleanField(default=False),
        "skip_invalid": serializers.BooleanField(default=False),
        "username": serializers.CharField(help_text="Your username: every API signature."),
        "password": serializers.CharField(help_text="Your password (not needed for a dry run)."),
        "acknowledge_policy": serializers.BooleanField(default=False),
    },
)
IMPORT_REPORT = inline_serializer(
    "TrainingImportReport",
    {
        "dry_run": serializers.BooleanField(),
        "skip_invalid": serializers.BooleanField(),
        "saved": serializers.BooleanField(),
        "summary": serializers.CharField(),
        "rows": serializers.IntegerField(),
        "created": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "invalid": serializers.IntegerField(),
        "errors": inline_serializer(
            "TrainingImportRowError",
            {
                "line": serializers.IntegerField(),
                "person": serializers.CharField(),
                "column": serializers.CharField(allow_null=True),
                "reason": serializers.CharField(),
            },
            many=True,
        ),
    },
)


class TrainingRecordViewSet(ScopedReadOnlyViewSet):
    """Training records at your sites, newest first, with the instructor's signature."""

    queryset = training_records().order_by("-pk")
    serializer_class = TrainingRecordSerializer
    pagination_class = CursorPagination
    filterset_class = TrainingRecordFilter

    @extend_schema(request={"multipart/form-data": IMPORT_REQUEST}, responses={200: IMPORT_REPORT})
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_csv(self, request):
        """Import past training from CSV (the page's columns); answers the report of every
        row, or 400 with field errors for an unreadable file or a refused signature."""
        if not importer.may_import(request.user):
            raise PermissionDenied("You are not allowed to record training at any of your sites.")
        form = TrainingImportForm(request.data, request.FILES)
        if not form.is_valid():
            errors = {
                ("non_field_errors" if name == "__all__" else name): list(messages)
                for name, messages in form.errors.items()
            }
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            report = importer.import_training_records(
                actor=request.user, now=timezone.now(), **form.options(via_api=True)
            )
        except FileError as exc:
            return Response({"file": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(report.as_dict())


class CourseCreateSerializer(serializers.Serializer):
    site = ScopedRelatedField(queryset=Site.objects.all())
    code = serializers.SlugField(max_length=40)
    title = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=CourseCategory.choices)
    validity_months = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=120
    )
    citation = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    modalities = serializers.ListField(
        child=serializers.ChoiceField(choices=Modality.choices), required=False
    )
    area_classes = serializers.ListField(
        child=serializers.ChoiceField(choices=AreaClass.choices), required=False
    )
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), required=False
    )


class CourseViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The organisation catalog and the courses of your sites; POST creates a site's course
    (managers; the RSO for radiation-safety courses)."""

    serializer_class = CourseSerializer
    pagination_class = PageNumberPagination

    def get_queryset(self):
        return courses_for(self.request.user).order_by("code", "pk")

    @extend_schema(request=CourseCreateSerializer, responses={201: CourseSerializer})
    def create(self, request):
        payload = CourseCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        course = create_course(
            actor=request.user, site=data.pop("site"), now=timezone.now(), **data
        )
        return Response(CourseSerializer(course).data, status=status.HTTP_201_CREATED)


class RequirementCreateSerializer(serializers.Serializer):
    site = ScopedRelatedField(queryset=Site.objects.all())
    course = serializers.PrimaryKeyRelatedField(queryset=Course.objects.none())
    basis = serializers.ChoiceField(choices=RequirementBasis.choices)
    subject = serializers.CharField(
        help_text="The modality (DICOM code), area class or role the course is required for."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["course"].queryset = courses_for(request.user)


class RequirementViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Requirements in force at your sites; POST adds one (`basis` and `subject`)."""

    queryset = Requirement.objects.filter(retired_at__isnull=True).order_by("pk")
    serializer_class = RequirementSerializer
    pagination_class = PageNumberPagination

    @extend_schema(request=RequirementCreateSerializer, responses={201: RequirementSerializer})
    def create(self, request):
        payload = RequirementCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        requirement = create_requirement(
            actor=request.user, now=timezone.now(), **payload.validated_data
        )
        return Response(RequirementSerializer(requirement).data, status=status.HTTP_201_CREATED)


@extend_schema_field(OpenApiTypes.INT)
class PersonAtYourSitesField(serializers.PrimaryKeyRelatedField):
    """A person who holds a role at one of the requester's sites; anyone else reads as a
    missing id. Whether they hold one at the session's site is the service's rule."""

    def get_queryset(self):
        memberships = scope(SiteMembership.objects.all(), self.context["request"].user)
        return User.objects.filter(pk__in=memberships.values("user_id"))


class AttendeeSerializer(serializers.Serializer):
    person = PersonAtYourSitesField()
    passed = serializers.BooleanField(default=True)
    score = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
    )


class SessionCreateSerializer(serializers.Serializer):
    site = ScopedRelatedField(queryset=Site.objects.all())
    course = serializers.PrimaryKeyRelatedField(queryset=Course.objects.none())
    held_on = serializers.DateField()
    location = serializers.CharField(required=False, allow_blank=True, max_length=200)
    notes = serializers.CharField(required=False, allow_blank=True)
    attendees = AttendeeSerializer(many=True)
    username = serializers.CharField(required=False, allow_blank=True)
    password = serializers.CharField(write_only=True, trim_whitespace=False)
    acknowledge_policy = serializers.BooleanField(required=False, default=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["course"].queryset = courses_for(request.user)


class SessionSerializer(serializers.ModelSerializer):
    records = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = TrainingSession
        fields = ["id", "site", "course", "held_on", "instructor", "location", "notes", "records"]
        read_only_fields = fields


class TrainingSessionViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = TrainingSession.objects.prefetch_related("records").order_by("-pk")
    serializer_class = SessionSerializer
    pagination_class = CursorPagination

    @extend_schema(request=SessionCreateSerializer, responses={201: SessionSerializer})
    def create(self, request):
        payload = SessionCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        session = record_session(
            actor=request.user,
            site=data["site"],
            course=data["course"],
            held_on=data["held_on"],
            location=data.get("location", ""),
            notes=data.get("notes", ""),
            attendees=[Attendance(**attendee) for attendee in data["attendees"]],
            signature={
                "password": data["password"],
                "username": data.get("username", ""),
                "acknowledge_policy": data["acknowledge_policy"],
                "via_api": True,
            },
            now=timezone.now(),
        )
        return Response(
            SessionSerializer(self.get_queryset().get(pk=session.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class MatrixViewSet(viewsets.ViewSet):
    """The competency matrix of one site (`site` required): its required courses, and each
    person's cells (current, expiring, expired, missing, not_required)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("site", int, required=True),
            OpenApiParameter("role", str),
            OpenApiParameter("status", str),
            OpenApiParameter("q", str),
        ],
        responses={200: None},
    )
    def list(self, request):
        raw = request.query_params.get("site", "")
        if not raw.isdigit():
            raise ValidationError({"site": "Give the id of one of your sites."})
        site = get_object_or_404(scope(Site.objects.all(), request.user), pk=int(raw))
        require(request.user, Action.VIEW_RECORDS, site)
        matrix = competency_matrix(
            site,
            on=site.today(timezone.now()),
            role=request.query_params.get("role", ""),
            status=request.query_params.get("status", ""),
            q=request.query_params.get("q", ""),
        )
        return Response(
            {
                "site": site.pk,
                "on": matrix.on.isoformat(),
                "courses": [{"id": c.pk, "code": c.code, "title": c.title} for c in matrix.courses],
                "people": [
                    {
                        "person": row.person.pk,
                        "name": str(row.person),
                        "roles": row.roles,
                        "cells": [
                            {
                                "course": cell.course.pk,
                                "status": cell.status,
                                "expires_on": cell.expires_on.isoformat()
                                if cell.expires_on
                                else None,
                            }
                            for cell in row.cells
                        ],
                    }
                    for row in matrix.rows
                ],
            }
        )
