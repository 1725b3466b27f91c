"""One FilterSet per model, shared by the list pages and the API."""

import django_filters
from django.db import connection
from django.db.models import Q

from equipment.models import AcceptanceNote, Category, Equipment, EquipmentStatus, Location
from imaging_ops.access.scoping import ScopedModelChoiceFilter
from imaging_ops.models import Site
from imaging_ops.vocabulary import AreaClass, Modality


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
        """Equipment with this modality anywhere in its list (a PET/CT is found under CT too)."""
        if connection.vendor == "postgresql":
            return queryset.filter(modalities__contains=[value])  # jsonb @>, GIN-indexable
        return queryset.filter(modalities__icontains=f'"{value}"')


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
