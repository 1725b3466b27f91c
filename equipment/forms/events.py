"""Recording an event on a machine: what happened, when (the site's local time), a note."""

from django import forms
from django.utils import timezone

from equipment.forms.records import LOCAL_FORMAT
from equipment.models import RequiringEvent


class EquipmentEventForm(forms.Form):
    kind = forms.ChoiceField(
        label="What happened",
        choices=[("", "Choose…"), *RequiringEvent.choices],
        help_text="The procedures that name this event are required, passing and signed after "
        "it, before the machine returns to service.",
    )
    occurred_at = forms.DateTimeField(
        label="When (local time at the site)",
        input_formats=[LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT),
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        help_text="What was done, by whom (a vendor's reference, say).",
    )

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        self.fields["occurred_at"].help_text = f"{site.name}'s clock: {site.zone.key}."

    def full_clean(self):
        # What is typed is the site's wall-clock time, wherever the server or browser is.
        with timezone.override(self.site.zone):
            super().full_clean()
