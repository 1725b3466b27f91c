"""The session form: the course, the day, the attendance and the instructor's signature, in
one form. It only parses; training.services.sessions holds the rules."""

from django import forms
from django.db.models import Q

from imaging_ops.models import SiteMembership, User
from imaging_ops.web.forms import DATE_INPUT
from training.selectors.records import courses_for


class PersonChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person):
        return str(person)


class SessionForm(forms.Form):
    course = forms.ModelChoiceField(queryset=None, empty_label="Choose…")
    held_on = forms.DateField(label="Held on", widget=DATE_INPUT)
    location = forms.CharField(max_length=200, required=False, help_text="E.g. CT room 2.")
    attendees = PersonChoice(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text="Everyone who attended; each gets a training record you sign.",
    )
    not_passed = PersonChoice(
        queryset=None,
        required=False,
        label="Did not pass",
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick only attendees who did not pass; their record is kept and not current.",
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    username = forms.CharField(
        max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        strip=False,
        label="Your password (instructor's signature)",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    acknowledge_policy = forms.BooleanField(
        required=False,
        label="I have read the electronic signature policy and accept that my electronic "
        "signature is the legally binding equivalent of my handwritten signature.",
    )

    def __init__(self, *args, site, user, today, ask_username: bool, ask_policy: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses_for(user).filter(
            Q(site__isnull=True) | Q(site=site)
        )
        people = User.objects.filter(
            pk__in=SiteMembership.objects.in_force(today).filter(site=site).values("user_id"),
            is_active=True,
        ).order_by("full_name", "username")
        self.fields["attendees"].queryset = people.exclude(pk=user.pk)
        self.fields["not_passed"].queryset = people.exclude(pk=user.pk)
        if not ask_username:
            del self.fields["username"]
        if not ask_policy:
            del self.fields["acknowledge_policy"]
