"""The reminder preference form: parsing only; the service holds the rules."""

from django import forms

from compliance.models import DeliveryMode
from compliance.models.reminders import NoticeState
from equipment.models import ProcedureKind


class PreferenceForm(forms.Form):
    mode = forms.ChoiceField(label="Email me", choices=DeliveryMode.choices)
    lead_stages = forms.BooleanField(
        label="Send “due in N days” reminders",
        required=False,
        help_text="Due, overdue and escalated reminders always come; they cannot be turned off.",
    )


class NoticeFilterForm(forms.Form):
    site = forms.TypedChoiceField(label="Site", coerce=int, required=False, empty_value=None)
    state = forms.ChoiceField(
        label="State", required=False, choices=[("", "Any"), *NoticeState.choices]
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", "All my sites")] + [(s.pk, str(s)) for s in sites]


class LeadTimeForm(forms.Form):
    """One number of days per procedure kind."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in ProcedureKind.choices:
            self.fields[kind] = forms.IntegerField(
                label=label,
                min_value=0,
                max_value=365,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
