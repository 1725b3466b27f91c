"""One FilterSet per model, shared by the list pages and the API."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from equipment.limits import Outcome
from equipment.models import (
    OPEN_STATES,
    AcceptanceNote,
    Category,
    Equipment,
    EquipmentStatus,
    Location,
    MissedOccurrence,
    Procedure,
    ProcedureKind,
    Schedule,
    ServiceRecord,
    WorkOrder,
    WorkOrderPriority,
    WorkOrderState,
)
from equipment.scheduling import ScheduleStatus, Timeliness
from equipment.selectors.schedules import due_within, status_filter
from equipment.selectors.work import work_for
from imaging_ops.access.scoping import ScopedModelChoiceFilter
from imaging_ops.models import Site
from imaging_ops.vocabulary import AreaClass, Modality, Role


class EquipmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    site = ScopedModelChoiceFilter(queryset=Site.objects.all())
    modality = django_filters.ChoiceFilter(
        choices=Modality.choices, method="with_modality", label="Modality"
    )
    status = django_filters.ChoiceFilter(choices=EquipmentStatus.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    location = ScopedModelChoiceFilter(queryset=Location.objects.select_related("site"))

    class Meta:
        model = Equipment
        fields = ["q", "site", "modality", "status", "category", "location"]

    def search(self, queryset, name, value):
        """Asset tag, serial number, name or model containing the words typed."""
        for word in value.split():
            queryset = queryset.filter(
                Q(asset_tag__icontains=word)
                | Q(serial_number__icontains=word)
                | Q(name__icontains=word)
                | Q(model__icontains=word)
            )
        return queryset

    def with_modality(self, queryset, name, value):
        return with_modality(queryset, value)


def with_modality(queryset, value, *, prefix=""):
    """Rows whose `modalities` list (at `prefix`) holds this modality anywhere: a PET/CT is
    found under CT too."""
    if connection.vendor == "postgresql":
        return queryset.filter(**{f"{prefix}modalities__contains": [value]})  # jsonb @>, GIN
    return queryset.filter(**{f"{prefix}modalities__icontains": f'"{value}"'})


def filter_params(query, filterset) -> list[tuple[str, str]]:
    """The query's filled-in parameters that are this FilterSet's filters, in order: what a
    page carries on to another (labels, back to the list), leaving page numbers behind."""
    names = set(filterset.filters)
    return [
        (name, value)
        for name, values in query.lists()
        if name in names
        for value in values
        if value
    ]


class LocationFilter(django_filters.FilterSet):
    site = ScopedModelChoiceFilter(queryset=Site.objects.all())
    area_class = django_filters.ChoiceFilter(choices=AreaClass.choices)
    secured_storage = django_filters.BooleanFilter()

    class Meta:
        model = Location
        fields = ["site", "area_class", "secured_storage"]


class AcceptanceNoteFilter(django_filters.FilterSet):
    """Acceptance notes of a piece of equipment, voided or not."""

    equipment = ScopedModelChoiceFilter(queryset=Equipment.objects.all())
    voided = django_filters.BooleanFilter(
        field_name="voided_at", lookup_expr="isnull", exclude=True, label="Voided"
    )

    class Meta:
        model = AcceptanceNote
        fields = ["equipment", "voided"]


class ScheduleFilter(django_filters.FilterSet):
    """Schedules by where, what, who and where they stand now; `status` and `due_within_days`
    are conditions on the stored timeline (equipment.selectors.schedules), so they run in the
    database and keep the list's query count flat."""

    site = ScopedModelChoiceFilter(queryset=Site.objects.all(), field_name="site")
    equipment = ScopedModelChoiceFilter(queryset=Equipment.objects.all())
    procedure = ScopedModelChoiceFilter(queryset=Procedure.objects.all())
    status = django_filters.MultipleChoiceFilter(
        choices=ScheduleStatus.choices, method="in_status", label="Status"
    )
    modality = django_filters.ChoiceFilter(
        choices=Modality.choices, method="with_modality", label="Modality"
    )
    kind = django_filters.ChoiceFilter(
        choices=ProcedureKind.choices, field_name="procedure__kind", label="Kind"
    )
    assignee = django_filters.NumberFilter(field_name="assignee_id", label="Assigned person")
    assignee_role = django_filters.ChoiceFilter(choices=Role.choices, label="Assigned role")
    due_within_days = django_filters.NumberFilter(
        method="falling_due", min_value=0, max_value=3660, label="Due within (days)"
    )
    mine = django_filters.BooleanFilter(method="for_me", label="For me or my roles")

    class Meta:
        model = Schedule
        fields = [
            "site",
            "equipment",
            "procedure",
            "status",
            "modality",
            "kind",
            "assignee",
            "assignee_role",
            "due_within_days",
            "mine",
        ]

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The moment the page's statuses are read at, so the filter and the rows agree.
        self.now = now or timezone.now()

    def in_status(self, queryset, name, value):
        return queryset.filter(status_filter(value, now=self.now)) if value else queryset

    def with_modality(self, queryset, name, value):
        return with_modality(queryset, value, prefix="equipment__")

    def falling_due(self, queryset, name, value):
        return queryset.filter(due_within(int(value), now=self.now))

    def for_me(self, queryset, name, value):
        """The requester's own work, as "My work" counts it (equipment.selectors.work)."""
        if not value or self.request is None:
            return queryset
        return queryset.filter(work_for(self.request.user))


class MissedPeriodForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("day_from"), cleaned.get("day_to")
        if start and end and start > end:
            self.add_error(
                "day_to",
                f"The period is reversed: {end:%Y-%m-%d} is before “From” ({start:%Y-%m-%d}).",
            )
        return cleaned


class MissedOccurrenceFilter(django_filters.FilterSet):
    """Missed days by where, what, whether someone has said why, and the period (the days are
    the sites' own local days, as the roll-over wrote them)."""

    NOT_ANNOTATED, ANNOTATED = "no", "yes"

    site = ScopedModelChoiceFilter(queryset=Site.objects.all(), field_name="schedule__site")
    equipment = ScopedModelChoiceFilter(
        queryset=Equipment.objects.all(), field_name="schedule__equipment"
    )
    procedure = ScopedModelChoiceFilter(
        queryset=Procedure.objects.select_related("current_version"),
        field_name="schedule__procedure",
    )
    annotated = django_filters.ChoiceFilter(
        choices=[(NOT_ANNOTATED, "Not yet annotated"), (ANNOTATED, "Annotated")],
        method="by_annotation",
        label="Annotated",
    )
    day_from = django_filters.DateFilter(
        field_name="day", lookup_expr="gte", label="From", widget=forms.DateInput({"type": "date"})
    )
    day_to = django_filters.DateFilter(
        field_name="day", lookup_expr="lte", label="To", widget=forms.DateInput({"type": "date"})
    )
    mine = django_filters.BooleanFilter(method="for_me", label="For me or my roles")

    class Meta:
        model = MissedOccurrence
        form = MissedPeriodForm
        fields = ["site", "equipment", "procedure", "annotated", "day_from", "day_to", "mine"]

    def by_annotation(self, queryset, name, value):
        if value == self.NOT_ANNOTATED:
            return queryset.filter(annotation="")
        return queryset.exclude(annotation="")

    def for_me(self, queryset, name, value):
        if not value or self.request is None:
            return queryset
        return queryset.filter(work_for(self.request.user, prefix="schedule__"))


class ServiceRecordFilter(django_filters.FilterSet):
    """Service records by machine, schedule, site, procedure and its kind, outcome, timeliness,
    performer (a person, or `external` for outside performers) and the period performed: as
    moments (`performed_after`, `performed_before`) or as days at each record's own site
    (`performed_from`, `performed_to`, both included)."""

    EXTERNAL = "external"

    equipment = ScopedModelChoiceFilter(queryset=Equipment.objects.all())
    schedule = ScopedModelChoiceFilter(queryset=Schedule.objects.all())
    site = ScopedModelChoiceFilter(queryset=Site.objects.all(), field_name="equipment__site")
    procedure = ScopedModelChoiceFilter(queryset=Procedure.objects.all())
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices)
    performed_after = django_filters.IsoDateTimeFilter(field_name="performed_at", lookup_expr="gte")
    performed_before = django_filters.IsoDateTimeFilter(field_name="performed_at", lookup_expr="lt")
    voided = django_filters.BooleanFilter(
        field_name="voided_at", lookup_expr="isnull", exclude=True, label="Voided"
    )
    kind = django_filters.ChoiceFilter(
        choices=ProcedureKind.choices, field_name="procedure__kind", label="Kind"
    )
    timeliness = django_filters.ChoiceFilter(
        choices=Timeliness.choices, field_name="current_version__timeliness", label="Timeliness"
    )
    performer = django_filters.CharFilter(
        method="performed_by",
        label="Performer",
        help_text="A person's id, or “external”.",
        validators=[RegexValidator(r"^(external|[0-9]{1,12})$", "Choose a person, or “external”.")],
    )
    performed_from = django_filters.DateFilter(
        method="performed_on_or_after", label="Performed from (site's day)"
    )
    performed_to = django_filters.DateFilter(
        method="performed_on_or_before", label="Performed to (site's day)"
    )

    class Meta:
        model = ServiceRecord
        fields = [
            "equipment",
            "schedule",
            "site",
            "procedure",
            "outcome",
            "performed_after",
            "performed_before",
            "voided",
            "kind",
            "timeliness",
            "performer",
            "performed_from",
            "performed_to",
        ]

    def performed_by(self, queryset, name, value):
        if value == self.EXTERNAL:
            return queryset.exclude(current_version__external_name="")
        return queryset.filter(
            current_version__created_by_id=int(value), current_version__external_name=""
        )

    def performed_on_or_after(self, queryset, name, value):
        return queryset.filter(_at_local_days(value, start=True))

    def performed_on_or_before(self, queryset, name, value):
        return queryset.filter(_at_local_days(value + timedelta(days=1), start=False))


def _at_local_days(day, *, start: bool) -> Q:
    """Records performed from (`start`) or before the beginning of `day` as each record's own
    site reads it: one condition per time zone in use, so the query count stays flat."""
    condition = Q(pk__in=[])
    for zone_name in Site.objects.order_by().values_list("time_zone", flat=True).distinct():
        moment = datetime.combine(day, time.min, tzinfo=ZoneInfo(zone_name))
        bound = Q(performed_at__gte=moment) if start else Q(performed_at__lt=moment)
        condition |= Q(equipment__site__time_zone=zone_name) & bound
    return condition


class ProcedureFilter(django_filters.FilterSet):
    """Procedures by owner (a site, or the organisation library), kind, modality and the words
    of their code or name (the current version's)."""

    LIBRARY, SITES = "library", "site"

    q = django_filters.CharFilter(method="search", label="Search")
    site = ScopedModelChoiceFilter(queryset=Site.objects.all())
    owner = django_filters.ChoiceFilter(
        choices=[(LIBRARY, "Organisation library"), (SITES, "Sites' own")],
        method="owned_by",
        label="Library or site",
    )
    kind = django_filters.ChoiceFilter(choices=ProcedureKind.choices)
    modality = django_filters.ChoiceFilter(
        choices=Modality.choices, method="with_modality", label="Modality"
    )

    class Meta:
        model = Procedure
        fields = ["q", "site", "owner", "kind", "modality"]

    def search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(
                Q(code__icontains=word) | Q(current_version__name__icontains=word)
            )
        return queryset

    def owned_by(self, queryset, name, value):
        return queryset.filter(site__isnull=value == self.LIBRARY)

    def with_modality(self, queryset, name, value):
        return with_modality(queryset, value, prefix="current_version__")


class WorkOrderFilter(django_filters.FilterSet):
    """Work orders by state (or `open`: every state not verified or cancelled), priority,
    site, machine, assignee (a person's id) and age (`age`: opened at least that many days
    ago)."""

    state = django_filters.ChoiceFilter(choices=WorkOrderState.choices)
    open = django_filters.BooleanFilter(method="with_open", label="Open")
    priority = django_filters.ChoiceFilter(choices=WorkOrderPriority.choices)
    site = ScopedModelChoiceFilter(queryset=Site.objects.all(), field_name="equipment__site")
    equipment = ScopedModelChoiceFilter(queryset=Equipment.objects.all())
    assignee = django_filters.NumberFilter(field_name="assignee_id", min_value=1)
    age = django_filters.NumberFilter(
        method="at_least_days_old",
        min_value=0,
        max_value=36500,
        label="Opened at least this many days ago",
    )

    class Meta:
        model = WorkOrder
        fields = ["state", "open", "priority", "site", "equipment", "assignee", "age"]

    def with_open(self, queryset, name, value):
        states = sorted(OPEN_STATES)
        return queryset.filter(state__in=states) if value else queryset.exclude(state__in=states)

    def at_least_days_old(self, queryset, name, value):
        return queryset.filter(opened_at__lte=timezone.now() - timedelta(days=int(value)))
