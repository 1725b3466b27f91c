"""The record form: one value per check, the moment of the work in the site's local time,
instruments, comments, attachments, an outside performer where the procedure allows one, and
the signature that saves it. The form only parses; every rule (a value's result, an action
level's confirmation, the instrument gate, the files accepted, the password) is the record
service's, and its errors come back to the fields named here."""

from datetime import datetime

from django import forms
from django.conf import settings
from django.utils import timezone

from equipment.models import CheckKind, Equipment
from equipment.services.attachments import KINDS, MAX_FILES
from equipment.services.record_content import INSTRUMENT_CATEGORIES
from imaging_ops.web.forms import DATE_INPUT

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
BOOLEAN_CHOICES = [("", "Choose…"), ("yes", "Yes"), ("no", "No")]
EXTERNAL = ("name", "organisation", "credentials")


def value_field_name(check) -> str:
    return f"value_{check.pk}"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is judged by the attachments service."""

    def __init__(self, *args, **kwargs):
        attrs = {"accept": ",".join(KINDS), "multiple": True}
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


def value_field(check) -> forms.Field:
    """The input a check's kind asks for; what was typed goes to the service as typed."""
    label = check.name
    if check.kind == CheckKind.BOOLEAN:
        return forms.ChoiceField(label=label, choices=BOOLEAN_CHOICES, required=False)
    if check.kind == CheckKind.CHOICE:
        options = [("", "Choose…"), *((c, c) for c in check.choices)]
        return forms.ChoiceField(label=label, choices=options, required=False)
    attrs = {"autocomplete": "off", "maxlength": 200}
    if check.kind == CheckKind.NUMERIC:
        attrs["inputmode"] = "decimal"
    return forms.CharField(
        label=label, required=False, strip=False, widget=forms.TextInput(attrs=attrs)
    )


class RecordForm(forms.Form):
    performed_at = forms.DateTimeField(
        label="Performed at",
        input_formats=[LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT),
    )
    instruments = forms.ModelMultipleChoiceField(
        queryset=Equipment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Instruments used",
    )
    comments = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3, "maxlength": 5000})
    )
    confirm_action = forms.BooleanField(
        required=False,
        label="I have checked the action-level value and say in the comments what I saw and did.",
    )
    attachments = MultipleFileField(required=False)
    external_name = forms.CharField(label="Performer's name", required=False, max_length=200)
    external_organisation = forms.CharField(label="Organisation", required=False, max_length=200)
    external_credentials = forms.CharField(label="Credentials", required=False, max_length=200)
    report_received_on = forms.DateField(
        label="Report received on", required=False, widget=DATE_INPUT
    )
    valid_until = forms.DateField(
        label="Calibration valid until",
        required=False,
        widget=DATE_INPUT,
        help_text="The date on the certificate; empty: until the calibration schedule is due.",
    )
    username = forms.CharField(label="Username", required=False, disabled=True)
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Signing means: I performed this work.",
    )
    acknowledge_policy = forms.BooleanField(
        required=False,
        label="I have read the electronic signature policy and accept that my electronic "
        "signature is the legally binding equivalent of my handwritten signature.",
    )

    def __init__(
        self,
        *args,
        site,
        checks,
        username: str,
        external_allowed: bool,
        calibration: bool,
        ask_policy: bool,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.site, self.checks = site, list(checks)
        self.fields["username"].initial = username
        self.fields["performed_at"].label = "Performed at (local time at the site)"
        self.fields["performed_at"].help_text = f"{site.name}'s clock: {site.zone.key}."
        self.fields["attachments"].help_text = (
            f"PDF, PNG, JPEG or CSV, at most {settings.RECORD_ATTACHMENT_MAX_MB} MB each, "
            f"{MAX_FILES} files in all."
        )
        self.fields["instruments"].queryset = Equipment.objects.filter(
            site=site, category__in=INSTRUMENT_CATEGORIES
        ).order_by("asset_tag")
        self.fields["instruments"].label_from_instance = lambda e: f"{e.asset_tag} — {e.name}"
        for check in self.checks:
            self.fields[value_field_name(check)] = value_field(check)
        if not external_allowed:
            for name in (*(f"external_{k}" for k in EXTERNAL), "report_received_on"):
                del self.fields[name]
        if not calibration:
            del self.fields["valid_until"]
        if not ask_policy:
            del self.fields["acknowledge_policy"]

    def full_clean(self):
        # What is typed is the site's wall-clock time, wherever the server or browser is.
        with timezone.override(self.site.zone):
            super().full_clean()

    def clean(self):
        data = super().clean()
        if not self.is_external() and not data.get("password"):
            self.add_error("password", "Enter your password to sign the record as performed.")
        return data

    def value_fields(self):
        """Each check with its bound field, in the procedure's order."""
        return [(check, self[value_field_name(check)]) for check in self.checks]

    def is_external(self) -> bool:
        return bool((self.cleaned_data.get("external_name") or "").strip())

    def values(self) -> dict:
        data = self.cleaned_data
        return {check.pk: data.get(value_field_name(check)) or "" for check in self.checks}

    def field_map(self) -> dict[str, str]:
        """The form field of each field the service names."""
        mapped = {f"measurements.{c.pk}": value_field_name(c) for c in self.checks}
        mapped.update({f"external.{key}": f"external_{key}" for key in EXTERNAL})
        mapped["external"] = "external_name"
        return mapped

    def content(self, *, parsed_only: bool = False) -> dict:
        """What `record_content.prepare` takes besides the subject and the moment."""
        data = self.cleaned_data
        content = {
            "values": self.values(),
            "instruments": data.get("instruments") or [],
            "comments": data.get("comments", ""),
            "confirm_action": data.get("confirm_action", False),
            "attachments": data.get("attachments") or [],
        }
        if "external_name" in self.fields and self.is_external():
            content["external"] = {k: data.get(f"external_{k}", "") for k in EXTERNAL}
            content["report_received_on"] = data.get("report_received_on")
        return content

    def valid_until_moment(self) -> datetime | None:
        """A certificate's date as the end of that day at the site."""
        day = self.cleaned_data.get("valid_until")
        return None if day is None else self.site.day_bounds(day)[1]

    def signature(self, *, session) -> dict | None:
        """The performer's signature; an outside performer's record is saved unsigned, for
        its internal review."""
        if self.is_external():
            return None
        data = self.cleaned_data
        return {
            "username": self.fields["username"].initial,
            "password": data.get("password", ""),
            "acknowledge_policy": data.get("acknowledge_policy", False),
            "session": session,
        }
