"""Forms of a service record's actions: the amendment (a new version with its reason, each
check's value typed again, then the signature), the void's reason. The sign dialog is the one
acceptance notes use (equipment.forms.acceptance.SignForm). Forms only parse; the record
services judge every value and say what is wrong with it."""

from datetime import datetime

from django import forms
from django.utils import timezone

from equipment.models import Equipment, ServiceRecordVersion
from equipment.services.attachments import PATIENT_WARNING
from equipment.services.record_content import INSTRUMENT_CATEGORIES

LOCAL_MOMENT = "%Y-%m-%dT%H:%M"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; what each may be is the attachments service's to say."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


class LocalMomentField(forms.DateTimeField):
    """A date and time typed as the site's clocks show it, read in the site's zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MOMENT)

    def __init__(self, *args, zone, **kwargs):
        super().__init__(*args, input_formats=[LOCAL_MOMENT, "%Y-%m-%d %H:%M"], **kwargs)
        self.zone = zone

    def to_python(self, value):
        # Django reads a typed time in the current zone: make that the site's.
        with timezone.override(self.zone):
            return super().to_python(value)


def value_field_name(check_id: int) -> str:
    return f"value_{check_id}"


class AmendRecordForm(forms.Form):
    """A new version of the record: the reason, when the work was done, each check's value as
    typed, the comments, instruments and (for an outside performer) who and their report; then
    the password, except for an outside performer's record, which is countersigned after."""

    reason = forms.CharField(
        label="Reason for the amendment",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept with the new version; the earlier version stays as it was.",
    )

    def __init__(
        self,
        *args,
        version: ServiceRecordVersion,
        zone,
        ask_signature: bool,
        ask_username: bool,
        ask_policy: bool,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.version = version
        site_id = version.record.equipment.site_id
        self.fields["performed_at"] = LocalMomentField(
            label="Performed at", zone=zone, help_text=f"In the site's time zone ({zone.key})."
        )
        self.checks = []
        for measurement in version.measurements.all():
            check = measurement.procedure_check
            unit = check.unit
            self.checks.append(check)
            self.fields[value_field_name(check.pk)] = forms.CharField(
                label=f"{check.name}{f' ({unit})' if unit else ''}",
                required=False,
                max_length=200,
                help_text=f"Version {version.number} says “{measurement.value_text}”.",
                widget=forms.TextInput(
                    attrs={"inputmode": "decimal"} if check.kind == "numeric" else {}
                ),
            )
        self.fields["comments"] = forms.CharField(
            required=False, widget=forms.Textarea(attrs={"rows": 3})
        )
        self.fields["confirm_action"] = forms.BooleanField(
            required=False, label="I have checked the action-level values and say why below."
        )
        self.fields["instruments"] = forms.ModelMultipleChoiceField(
            queryset=Equipment.objects.filter(
                site_id=site_id, category__in=INSTRUMENT_CATEGORIES
            ).order_by("asset_tag"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text="The site's QA and radiation measurement instruments used for the work.",
        )
        self.external = version.is_external
        if self.external:
            for key, label in (
                ("name", "Outside performer"),
                ("organisation", "Organisation"),
                ("credentials", "Credentials"),
            ):
                self.fields[f"external_{key}"] = forms.CharField(
                    label=label, required=False, max_length=200
                )
        self.fields["attachments"] = MultipleFileField(
            required=False,
            help_text=f"PDF, PNG, JPEG or CSV. {PATIENT_WARNING} The earlier version's "
            "attachments stay with the new version; add any new files here.",
        )
        self.ask_signature = ask_signature
        if ask_signature:
            if ask_username:
                self.fields["username"] = forms.CharField(
                    max_length=150,
                    required=False,
                    widget=forms.TextInput(attrs={"autocomplete": "username"}),
                )
            self.fields["password"] = forms.CharField(
                strip=False,
                widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            )
            if ask_policy:
                self.fields["acknowledge_policy"] = forms.BooleanField(
                    required=False,
                    label="I have read the electronic signature policy and accept that my "
                    "electronic signature is the legally binding equivalent of my handwritten "
                    "signature.",
                )

    def value_fields(self):
        return [self[value_field_name(check.pk)] for check in self.checks]

    @staticmethod
    def initial_for(version: ServiceRecordVersion, zone) -> dict:
        local: datetime = timezone.localtime(version.performed_at, zone)
        initial = {
            "performed_at": local.strftime(LOCAL_MOMENT),
            "comments": version.comments,
            "confirm_action": version.action_confirmed,
            "instruments": [i.pk for i in version.instruments.all()],
            "external_name": version.external_name,
            "external_organisation": version.external_organisation,
            "external_credentials": version.external_credentials,
        }
        for measurement in version.measurements.all():
            initial[value_field_name(measurement.procedure_check_id)] = measurement.value_text
        return initial

    def content(self) -> dict:
        """What `amend_service_record` takes besides the record, reason and signature."""
        data = self.cleaned_data
        content = {
            "performed_at": data.get("performed_at"),
            "values": {check.pk: data.get(value_field_name(check.pk), "") for check in self.checks},
            "comments": data.get("comments", ""),
            "confirm_action": data.get("confirm_action", False),
            "instruments": list(data.get("instruments") or []),
            "attachments": data.get("attachments") or [],
        }
        if self.external:
            content["external"] = {
                key: data.get(f"external_{key}", "")
                for key in ("name", "organisation", "credentials")
            }
        return content

    def signature(self, session) -> dict | None:
        if not self.ask_signature:
            return None
        data = self.cleaned_data
        return {
            "password": data["password"],
            "username": data.get("username"),
            "session": session,
            "acknowledge_policy": data.get("acknowledge_policy", False),
        }

    @staticmethod
    def field_map(version: ServiceRecordVersion) -> dict[str, str]:
        """Where the services' errors go on this form."""
        fields = {
            f"measurements.{m.procedure_check_id}": value_field_name(m.procedure_check_id)
            for m in version.measurements.all()
        }
        fields.update(
            {
                f"external.{key}": f"external_{key}"
                for key in ("name", "organisation", "credentials")
            }
        )
        return fields


class VoidRecordForm(forms.Form):
    reason = forms.CharField(
        label="Reason for voiding",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The record stays, marked void, with its versions and signatures; its "
        "schedule is worked out again from the records that still count.",
    )
