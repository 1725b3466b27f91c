"""The review queue's forms: its filters, and the bulk review (ticked records, one signature)."""

from django import forms

from equipment.models import ReviewReason
from equipment.selectors.review import review_queue
from imaging_ops.models import Site


class QueueFilterForm(forms.Form):
    """The queue narrowed by why records wait and by site (the person's reviewing sites)."""

    reason = forms.ChoiceField(choices=[("", "Any reason"), *ReviewReason.choices], required=False)
    site = forms.ModelChoiceField(
        queryset=Site.objects.none(), required=False, empty_label="All sites"
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites


class ReviewForm(forms.Form):
    """Review the ticked records with one signature (the password; the username at the first
    signature of a login session; the policy at a person's first signature)."""

    records = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Tick the records to review.",
            "invalid_choice": "A ticked record is no longer waiting for your review: reload "
            "the queue.",
            "invalid_pk_value": "Tick records from the queue.",
        },
    )
    username = forms.CharField(
        max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    acknowledge_policy = forms.BooleanField(
        required=False,
        label="I have read the electronic signature policy and accept that my electronic "
        "signature is the legally binding equivalent of my handwritten signature.",
    )

    def __init__(self, *args, user, ask_username: bool, ask_policy: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["records"].queryset = review_queue(user)
        if not ask_username:
            del self.fields["username"]
        if not ask_policy:
            del self.fields["acknowledge_policy"]
