"""Forms of a site's people pages: invitations, roles, trainees, deactivation and details.

The forms only parse input; the rules (who may, the last manager) are in
imaging_ops.people.services and imaging_ops.people.details, whose errors the views put on these
fields.
"""

from django import forms

from imaging_ops.vocabulary import Role
from imaging_ops.web.forms import DATE_INPUT

ROLE_CHOICES = [("", "Choose…"), *Role.choices]
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
