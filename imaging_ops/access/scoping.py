"""The one scoping module: every query a person's request runs is limited to their sites.

Each scoped model declares `scope_path`, the lookup from the model to its site's primary key
("pk" for Site, "site" for a row that belongs to a site, "equipment__site" one step further).
Views, viewsets, forms and FilterSets all go through `scope()` and the scoped fields and filter
below, so a row outside the user's sites answers 404, and a foreign key pointing at one is a field
error.
"""

import django_filters
from django import forms
from django.db.models import QuerySet
from rest_framework import serializers

from imaging_ops.access.authority import user_site_ids
from imaging_ops.access.site_paths import scope_lookup


def scope(queryset: QuerySet, user) -> QuerySet:
    """The rows of `queryset` at the user's sites (all rows for a system administrator)."""
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    return queryset.filter(**{f"{scope_lookup(queryset.model)}__in": user_site_ids(user)})


class ScopedFormMixin:
    """A form mixin that limits every model-choice field to the user's sites."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = scope(field.queryset, user)


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key accepted only when it points at a row at one of the requester's sites.

    Another site's row gets the same answer as a missing one, so ids at other sites leak nothing.
    """

    def get_queryset(self):
        request = self.context["request"]
        return scope(super().get_queryset(), request.user)

    def to_internal_value(self, data):
        # JSON numbers with a fraction or exponent arrive as floats: 1.5 would be read as row 1,
        # and 1e999 (infinity) overflows the lookup. A key is an integer.
        if isinstance(data, float):
            self.fail("incorrect_type", data_type="number with a fraction or exponent")
        return super().to_internal_value(data)


class ScopedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A FilterSet choice among the rows of `queryset` at the requester's sites.

    Another site's row is no choice, so filtering by it is a field error (a 400 through the API),
    like a missing one; a FilterSet built without a request offers nothing.
    """

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request is None:
            return queryset.none()
        return scope(queryset, request.user)
