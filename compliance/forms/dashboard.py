"""The dashboard's filters: one of the person's managed sites, a modality and a period (days,
UTC, both included), shared by the page, its CSV and the API; a bad value is a field error."""

from datetime import UTC, datetime, time, timedelta

from django import forms
from django.utils import timezone

from compliance.selectors.dashboard import DashboardScope, managed_site_ids
from imaging_ops.access.permissions import ALL_SITES
from imaging_ops.models import Site
from imaging_ops.vocabulary import Modality

DEFAULT_DAYS = 30
LONGEST_DAYS = 731


class DashboardFilterForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False, empty_label="All")
    modality = forms.ChoiceField(choices=[("", "All"), *Modality.choices], required=False)
    period_from = forms.DateField(required=False, label="From")
    period_to = forms.DateField(required=False, label="To")

    def __init__(self, *args, user, now: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.now = user, now
        self.managed = managed_site_ids(user)
        sites = Site.objects.order_by("code")
        if self.managed is not ALL_SITES:
            sites = sites.filter(pk__in=sorted(self.managed))
        self.fields["site"].queryset = sites

    def clean(self):
        data = super().clean()
        today = self.now.astimezone(UTC).date()
        end = data.get("period_to") or today
        start = data.get("period_from") or end - timedelta(days=DEFAULT_DAYS - 1)
        if "period_from" in self.errors or "period_to" in self.errors:
            return data
        if start > end:
            self.add_error("period_from", "The period starts after it ends.")
        elif (end - start).days >= LONGEST_DAYS:
            self.add_error("period_to", f"Choose a period of at most {LONGEST_DAYS} days.")
        data["period_from"], data["period_to"] = start, end
        return data

    def scope(self) -> DashboardScope:
        """The figures' scope from the valid filters."""
        data = self.cleaned_data
        site = data.get("site")
        site_ids = frozenset({site.pk}) if site else self.managed
        start = datetime.combine(data["period_from"], time.min, tzinfo=UTC)
        end = datetime.combine(data["period_to"] + timedelta(days=1), time.min, tzinfo=UTC)
        return DashboardScope(self.user, site_ids, data.get("modality") or "", start, end, self.now)


def dashboard_form(data, user) -> DashboardFilterForm:
    return DashboardFilterForm(data, user=user, now=timezone.now())
