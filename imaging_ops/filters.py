"""FilterSets of the shared core, shared by pages and the API."""

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import django_filters
from django import forms
from django.apps import apps
from django.db.models import Q

from imaging_ops.access.permissions import ALL_SITES, Action, sites_where
from imaging_ops.access.scoping import ScopedModelChoiceFilter
from imaging_ops.audit.mixin import RegulatedModel
from imaging_ops.audit.trail import AuditAction
from imaging_ops.models import AuditEvent, Site, User


def regulated_object_types() -> list[tuple[str, str]]:
    return sorted(
        (model._meta.label_lower, str(model._meta.verbose_name).capitalize())
        for model in apps.get_models()
        if issubclass(model, RegulatedModel)
    )


@dataclass(frozen=True)
class DayBasis:
    """Whose calendar the date filters read: the chosen site's, else the viewer's home site's
    (or their one site's, for someone with no home site, such as an inspector), else UTC's."""

    zone: dt.tzinfo
    site: Site | None
    whose: str  # "the chosen site", "your home site", "your site"

    def describe(self) -> str:
        if self.site is None:
            return "Dates are UTC days (you have no home site; choose a site to use its days)."
        return f"Dates are days at {self.site.code} ({self.site.time_zone}), {self.whose}."


class AuditSearchForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error(
                "date_to",
                f"The range is reversed: {end:%Y-%m-%d} is before “From” ({start:%Y-%m-%d}). "
                "Swap the two dates.",
            )
        return cleaned


class AuditEventFilter(django_filters.FilterSet):
    """Search the trail by person, object type, action, site and dates.

    The person is matched by full name or username, in part, ignoring case. Dates are whole
    days, inclusive, on the calendar of `day_basis`: the chosen site, else the viewer's home site
    (or their one site), else UTC.
    """

    user = django_filters.CharFilter(method="by_user", label="Person (name or username)")
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
        form = AuditSearchForm
        fields = ["user", "object_type", "object_id", "action", "site", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The regulated models are known once the app registry is ready, not at import; a fresh
        # filter each time, since a filter caches its form field once it has been built.
        self.filters["object_type"] = django_filters.ChoiceFilter(
            field_name="object_type", choices=regulated_object_types(), label="Record type"
        )

    def by_user(self, queryset, name, value):
        """Events by people whose full name or username contains the text, and events whose
        recorded name does (a failed sign-in's username, a command acting for someone)."""
        text = value.strip()
        if not text:
            return queryset
        people = User.objects.filter(
            Q(username__icontains=text)
            | Q(full_name__icontains=text)
            | Q(first_name__icontains=text)
            | Q(last_name__icontains=text)
        ).values("pk")
        return queryset.filter(Q(actor_id__in=people) | Q(actor_name__icontains=text))

    @cached_property
    def day_basis(self) -> DayBasis:
        """The calendar the date filters read, also when the search itself is invalid."""
        cleaned = getattr(self.form, "cleaned_data", None)
        if cleaned is None:
            self.form.is_valid()
            cleaned = getattr(self.form, "cleaned_data", {})
        chosen = cleaned.get("site")
        if chosen is not None:
            return DayBasis(zone=chosen.zone, site=chosen, whose="the chosen site")
        user = getattr(self.request, "user", None)
        if getattr(user, "home_site_id", None):
            home = user.home_site
            return DayBasis(zone=home.zone, site=home, whose="your home site")
        searched = sites_where(user, Action.SEARCH_AUDIT) if user is not None else frozenset()
        if searched is not ALL_SITES and len(searched) == 1:
            [only] = searched
            site = Site.objects.get(pk=only)
            return DayBasis(zone=site.zone, site=site, whose="your site")
        return DayBasis(zone=dt.UTC, site=None, whose="")

    def _day_start(self, day: dt.date) -> dt.datetime:
        site = self.day_basis.site
        if site is not None:
            return site.day_bounds(day)[0]  # the site's own local day
        return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)

    def on_or_after(self, queryset, name, value):
        if value == dt.date.min:  # no day precedes the first: every event is on or after it
            return queryset
        return queryset.filter(at__gte=self._day_start(value))

    def on_or_before(self, queryset, name, value):
        if value == dt.date.max:  # every event is on or before the last day; no day follows it
            return queryset
        return queryset.filter(at__lt=self._day_start(value + dt.timedelta(days=1)))

    @property
    def qs(self):
        # An unbounded date range still returns newest first, read by seq (indexed).
        return super().qs.order_by("-seq")
