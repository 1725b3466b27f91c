"""The upload form of the training import: the file, the options and the importer's
signature, for the page and the API alike. It only parses; the import holds the rules
(training/documents/records_import.py)."""

from django import forms

from imaging_ops.csv_import import FlagInput


class TrainingImportForm(forms.Form):
    """The file, the options and the importer's signature, for the page and the API alike."""

    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 CSV with the columns of the template (site, person, course, "
        "completed_on and passed required).",
        error_messages={"empty": "The file is empty.", "required": "Choose a CSV file."},
    )
    dry_run = forms.BooleanField(
        required=False, widget=FlagInput, label="Check only (dry run): save nothing"
    )
    skip_invalid = forms.BooleanField(
        required=False,
        widget=FlagInput,
        label="Save the valid rows even when others are invalid",
    )
    username = forms.CharField(
        max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        strip=False,
        required=False,
        label="Your password (your signature on every imported record)",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    acknowledge_policy = forms.BooleanField(
        required=False,
        widget=FlagInput,
        label="I have read the electronic signature policy and accept that my electronic "
        "signature is the legally binding equivalent of my handwritten signature.",
    )

    def __init__(self, *args, ask_username: bool = True, ask_policy: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_username:
            del self.fields["username"]
        if not ask_policy:
            del self.fields["acknowledge_policy"]

    def clean(self):
        data = super().clean()
        if not data.get("dry_run") and not data.get("password"):
            self.add_error(
                "password",
                "Enter your password: you sign every imported record (a dry run needs none).",
            )
        return data

    def options(self, *, session=None, via_api: bool = False) -> dict:
        data = self.cleaned_data
        return {
            "upload": data["file"],
            "dry_run": data["dry_run"],
            "skip_invalid": data["skip_invalid"],
            "signature": {
                "password": data.get("password") or "",
                "username": data.get("username") or "",
                "acknowledge_policy": data.get("acknowledge_policy", False),
                "session": session,
                "via_api": via_api,
            },
        }
