"""The matrix filters: parsed here, so a bad value is a field error, never a 500."""

from django import forms

from imaging_ops.vocabulary import Role
from training.expiry import TrainingStatus

SELECT = forms.Select(attrs={"class": "form-select"})


class MatrixFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Name")
    course = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Course", widget=SELECT
    )
    role = forms.ChoiceField(
        required=False, choices=[("", "Any role"), *Role.choices], widget=SELECT
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *TrainingStatus.choices], widget=SELECT
    )

    def __init__(self, *args, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].choices = [("", "All required courses")] + [
            (c.pk, f"{c.code} — {c.title}") for c in courses
        ]
