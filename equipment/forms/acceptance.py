"""Forms of acceptance notes: the content, an amendment's or a void's reason, the sign dialog."""

from django import forms

from equipment.models import AcceptanceOutcome
from equipment.services.acceptance import CONTENT_FIELDS
from imaging_ops.models import Meaning


class AcceptanceNoteForm(forms.Form):
    accepted_on = forms.DateField(
        label="Accepted on", widget=forms.DateInput(attrs={"type": "date"})
    )
    outcome = forms.ChoiceField(choices=[("", "Choose…"), *AcceptanceOutcome.choices])
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    tests_performed = forms.CharField(
        label="Tests performed",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The acceptance tests, e.g. the manufacturer's protocol and the physicist's.",
    )
    conditions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when accepted with conditions: what must happen, by when.",
    )

    @staticmethod
    def initial_for(version) -> dict:
        return {field: getattr(version, field) for field in CONTENT_FIELDS}

    def content(self, *, parsed_only: bool = False) -> dict:
        """The note's content for the service; `parsed_only`: the fields that parsed."""
        data = self.cleaned_data
        return {field: data[field] for field in CONTENT_FIELDS if not parsed_only or field in data}


class AmendForm(AcceptanceNoteForm):
    reason = forms.CharField(
        label="Reason for the amendment",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept with the new version; the earlier version stays as it was.",
    )


class VoidForm(forms.Form):
    reason = forms.CharField(
        label="Reason for voiding",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The note stays, marked void, with its versions and signatures.",
    )


class SignForm(forms.Form):
    """The signing dialog. The username is asked for at the first signature of a login session
    (and every time the session was ended); the policy checkbox at a person's first signature."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    meaning = forms.ChoiceField(label="Meaning of your signature")
    # Not required here: the signing service says when and why it is needed.
    username = forms.CharField(
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    acknowledge_policy = forms.BooleanField(
        required=False,
        label="I have read the electronic signature policy and accept that my electronic "
        "signature is the legally binding equivalent of my handwritten signature.",
    )

    def __init__(self, *args, meanings, ask_username: bool, ask_policy: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meaning"].choices = [("", "Choose…")] + [
            (value, Meaning(value).label) for value in meanings
        ]
        if not ask_username:
            del self.fields["username"]
        if not ask_policy:
            del self.fields["acknowledge_policy"]
