"""FilterSets of the shared core, shared by pages and the API."""

import datetime as dt

import django_filters
from django import forms
from django.apps import apps

from imaging_ops.access.scoping import ScopedModelChoiceFilter
from imaging_ops.audit.trail import AuditAction
from imaging_ops.models import AuditEvent, Site


def regulated_object_types() -> list[tuple[str, str]]:
    from imaging_ops.audit.mixin import RegulatedModel

    return sorted(
        (model._meta.label_lower, str(model._meta.verbose_name).capitalize())
        for model in apps.get_models()
        if issubclass(model, RegulatedModel)
    )


class AuditEventFilter(django_filters.FilterSet):
    """Search the trail by person, object type, action, site and dates (inclusive, UTC days)."""

    user = django_filters.CharFilter(method="by_user", label="Person (username)")
    object_type = django_filters.ChoiceFilter(choices=[], label="Record type")
    object_id = django_filters.CharFilter(label="Record id")
    action = django_filters.ChoiceFilter(choices=AuditAction.CHOICES)
    site = ScopedModelChoiceFilter(queryset=Site.objects.all())
    date_from = django_filters.DateFilter(
        method="on_or_after", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        method="on_or_before", label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEvent
        fields = ["user", "object_type", "object_id", "action", "site", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The regulated models are known once the app registry is ready, not at import; a fresh
        # filter each time, since a filter caches its form field once it has been built.
        self.filters["object_type"] = django_filters.ChoiceFilter(
            field_name="object_type", choices=regulated_object_types(), label="Record type"
        )

    def by_user(self, queryset, name, value):
        return queryset.filter(actor_name__iexact=value.strip())

    def on_or_after(self, queryset, name, value):
        start = dt.datetime.combine(value, dt.time.min, tzinfo=dt.UTC)
        return queryset.filter(at__gte=start)

    def on_or_before(self, queryset, name, value):
        if value == dt.date.max:  # every event is on or before the last day; no day follows it
            return queryset
        end = dt.datetime.combine(value + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
        return queryset.filter(at__lt=end)

    @property
    def qs(self):
        # An unbounded date range still returns newest first, read by seq (indexed).
        return super().qs.order_by("-seq")
