"""The inspector portal's forms: the equipment search on the inspector's home, and the filters
of the managers' inspector activity page (inspector, site, period in the site's calendar)."""

import datetime as dt

from django import forms

from compliance.selectors.inspector import inspectors_of
from imaging_ops.access.permissions import ALL_SITES
from imaging_ops.models import Site
from imaging_ops.web.forms import DATE_INPUT

LONGEST_SEARCH = 200


class EquipmentSearchForm(forms.Form):
    q = forms.CharField(
        label="Find equipment",
        max_length=LONGEST_SEARCH,
        required=False,
        strip=True,
        help_text="An asset tag or serial number, whole or in part, or the address of a QR label.",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Asset tag or serial number",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )

    def clean_q(self):
        text = self.cleaned_data["q"]
        if "\x00" in text:
            raise forms.ValidationError("The search holds a character that cannot be searched.")
        return text


class InspectorActivityForm(forms.Form):
    """Filters of the activity page. Dates are whole days, both included, in the chosen site's
    time zone, else in the zone of the first site the person manages."""

    inspector = forms.ModelChoiceField(
        queryset=Site.objects.none(), required=False, empty_label="Every inspector"
    )
    site = forms.ModelChoiceField(
        queryset=Site.objects.none(), required=False, empty_label="Every site"
    )
    date_from = forms.DateField(label="From", required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label="To", required=False, widget=DATE_INPUT)

    def __init__(self, *args, site_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.site_ids = site_ids
        sites = Site.objects.order_by("code")
        if site_ids is not ALL_SITES:
            sites = sites.filter(pk__in=sorted(site_ids))
        self.fields["site"].queryset = sites
        self.fields["inspector"].queryset = inspectors_of(site_ids)
        self.fields["inspector"].label_from_instance = lambda user: (
            f"{user.display_name} ({user.username})"
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The period ends before it starts: swap the two dates.")
        return cleaned

    def calendar_site(self) -> Site | None:
        """The site whose calendar the dates are read in."""
        chosen = self.cleaned_data.get("site")
        return chosen or self.fields["site"].queryset.first()

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The chosen days as UTC moments, half-open: from the first day's start to the day
        after the last."""
        start, end = self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")
        site = self.calendar_site()

        def first_moment(day: dt.date) -> dt.datetime:
            if site is None:
                return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
            return site.day_bounds(day)[0]

        return (
            first_moment(start) if start and start > dt.date.min else None,
            first_moment(end + dt.timedelta(days=1)) if end and end < dt.date.max else None,
        )
