"""Forms of the core's pages: a site's people, its settings, closures and identifiers.

The forms only parse input; the rules (who may, which dates, the last manager) are in
imaging_ops.people and imaging_ops.site_services, whose errors the views put on these fields.
"""

from django import forms

from .models import WEEKDAYS
from .site_services import TIME_ZONES
from .vocabulary import IdentifierKind, Role

ROLE_CHOICES = [("", "Choose…"), *Role.choices]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
EXPIRY_HELP = "Last day of access at this site (required for inspectors)."


class InviteForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        help_text="The one-time link to choose a password goes here.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    username = forms.CharField(
        max_length=150,
        help_text="Letters, digits and @ . + - _ only. For someone who already has an account, "
        "enter their username and email.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    full_name = forms.CharField(label="Full name", max_length=200, required=False)
    credentials = forms.CharField(
        max_length=100, required=False, help_text="As printed after the name, e.g. RT(R)(M)."
    )
    employee_id = forms.CharField(label="Employee id", max_length=50, required=False)
    role = forms.ChoiceField(choices=ROLE_CHOICES)
    is_trainee = forms.BooleanField(
        label="Trainee (acts under supervision: may view and perform, not review or approve)",
        required=False,
    )
    expires_on = forms.DateField(
        label="Access ends on", required=False, widget=DATE_INPUT, help_text=EXPIRY_HELP
    )
    identity_verified_by = forms.CharField(
        label="Identity verified by",
        max_length=200,
        help_text="How you checked who this person is, e.g. hospital ID badge or HR record.",
    )


class AddRoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES)
    is_trainee = forms.BooleanField(label="Trainee", required=False)
    expires_on = forms.DateField(
        label="Access ends on", required=False, widget=DATE_INPUT, help_text=EXPIRY_HELP
    )
    reason = forms.CharField(max_length=500, required=False)


class MembershipForm(forms.Form):
    is_trainee = forms.BooleanField(label="Trainee", required=False)
    expires_on = forms.DateField(
        label="Access ends on", required=False, widget=DATE_INPUT, help_text=EXPIRY_HELP
    )
    reason = forms.CharField(max_length=500, required=False)


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label="Reason for removing the role",
        max_length=500,
        help_text="Kept in the audit trail; the role stays on record, deactivated.",
    )


class PersonDetailsForm(forms.Form):
    """A person's name, credentials, email and employee id; the username is never edited."""

    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        help_text="As printed on records they sign. Past signatures keep the name and "
        "credentials they were signed with; only new signatures use the corrected ones.",
    )
    credentials = forms.CharField(
        max_length=100,
        required=False,
        help_text="As printed after the name, e.g. RT(R)(M). Past signatures keep theirs.",
    )
    email = forms.EmailField(
        max_length=254,
        help_text="Password links and notices go here; the old address is told of a change.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    employee_id = forms.CharField(label="Employee id", max_length=50, required=False)
    reason = forms.CharField(
        label="Reason for the change",
        max_length=500,
        help_text="Kept in the audit trail with the old and new values, e.g. name changed "
        "after marriage, new certification.",
    )

    def __init__(self, *args, person, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "full_name": person.full_name,
                "credentials": person.credentials,
                "email": person.email,
                "employee_id": person.employee_id,
            },
        )
        super().__init__(*args, **kwargs)


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
