"""One FilterSet per model, shared by the pages and the API."""

from datetime import timedelta

import django_filters
from django.db.models import Q
from django.utils import timezone

from imaging_ops.access.scoping import ScopedModelChoiceFilter
from imaging_ops.models import Site
from training.expiry import EXPIRING_WITHIN_DAYS, TrainingStatus
from training.models import Course, TrainingRecord

RECORD_STATUSES = [(v, label) for v, label in TrainingStatus.choices if v != TrainingStatus.MISSING]


def status_q(status: str, today) -> Q:
    """A training record's status on `today` in SQL, from its stored columns."""
    soon = today + timedelta(days=EXPIRING_WITHIN_DAYS)
    if status == TrainingStatus.CURRENT:
        return Q(counts=True) & (Q(expires_on__isnull=True) | Q(expires_on__gt=soon))
    if status == TrainingStatus.EXPIRING:
        return Q(counts=True, expires_on__gte=today, expires_on__lte=soon)
    return Q(counts=True, expires_on__lt=today)


class TrainingRecordFilter(django_filters.FilterSet):
    person = django_filters.NumberFilter(field_name="person_id", label="Person")
    course = django_filters.ModelChoiceFilter(queryset=Course.objects.all())
    site = ScopedModelChoiceFilter(queryset=Site.objects.all())
    status = django_filters.ChoiceFilter(
        choices=RECORD_STATUSES, method="with_status", label="Status (today)"
    )
    voided = django_filters.BooleanFilter(
        field_name="voided_at", lookup_expr="isnull", exclude=True, label="Voided"
    )

    class Meta:
        model = TrainingRecord
        fields = ["person", "course", "site", "status", "voided"]

    def with_status(self, queryset, name, value):
        return queryset.filter(status_q(value, timezone.localdate()))
