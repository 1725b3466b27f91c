"""Forms of a site's settings pages: hours, time zone, clinical days, closures and identifiers.

The forms only parse input; the rules are in imaging_ops.sites.services, whose errors the views
put on these fields.
"""

from django import forms

from imaging_ops.models import WEEKDAYS
from imaging_ops.sites.services import TIME_ZONES
from imaging_ops.vocabulary import IdentifierKind, QualificationGate
from imaging_ops.web.forms import DATE_INPUT, TIME_INPUT


class SiteSettingsForm(forms.Form):
    time_zone = forms.ChoiceField(label="Time zone")
    clinical_days = forms.TypedMultipleChoiceField(
        label="Clinical days",
        choices=list(enumerate(WEEKDAYS)),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Daily QC is due on these days.",
    )
    opens_at = forms.TimeField(label="Opens at", widget=TIME_INPUT)
    closes_at = forms.TimeField(label="Closes at", widget=TIME_INPUT)
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    qualification_gate = forms.ChoiceField(
        label="When a signer's training is not current",
        choices=QualificationGate.choices,
        required=False,
        help_text="Signing work for a modality asks whether the signer holds the site's "
        "required training for it.",
    )
    reason = forms.CharField(
        label="Reason for the change",
        max_length=500,
        required=False,
        help_text="Required when the time zone changes.",
    )

    def __init__(self, *args, site, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "time_zone": site.time_zone,
                "clinical_days": site.clinical_days,
                "opens_at": site.opens_at,
                "closes_at": site.closes_at,
                "address": site.address,
                "qualification_gate": site.qualification_gate,
            },
        )
        super().__init__(*args, **kwargs)
        zones = TIME_ZONES if site.time_zone in TIME_ZONES else (site.time_zone, *TIME_ZONES)
        self.fields["time_zone"].choices = [(zone, zone) for zone in zones]


class ClosureForm(forms.Form):
    date = forms.DateField(widget=DATE_INPUT)
    reason = forms.CharField(max_length=200, help_text="E.g. public holiday, building works.")


class IdentifierForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Choose…"), *IdentifierKind.choices])
    number = forms.CharField(max_length=100)
    issuer = forms.CharField(
        max_length=200, help_text="E.g. the state radiation control program, FDA, ACR."
    )
    expires_on = forms.DateField(
        label="Expires on",
        required=False,
        widget=DATE_INPUT,
        help_text="Leave empty only if it does not expire.",
    )
    reason = forms.CharField(
        label="Reason for the change",
        max_length=500,
        required=False,
        help_text="E.g. renewed, or a typing error corrected.",
    )

    def __init__(self, *args, identifier=None, **kwargs):
        if identifier is not None:
            kwargs.setdefault(
                "initial",
                {
                    "kind": identifier.kind,
                    "number": identifier.number,
                    "issuer": identifier.issuer,
                    "expires_on": identifier.expires_on,
                },
            )
        super().__init__(*args, **kwargs)
        if identifier is None:
            del self.fields["reason"]
        else:
            self.fields["reason"].required = True
