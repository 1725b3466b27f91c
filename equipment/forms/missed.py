"""Annotating missed days: the ticked days of the list and one reason for them all. The form
only parses; which days a person may annotate and what a reason must be are the service's
rules (equipment.services.missed)."""

from django import forms

from equipment.models import MissedOccurrence
from equipment.services.missed import COMMON_REASONS, MAX_ANNOTATION
from imaging_ops.access.scoping import scope


class MissedAnnotationForm(forms.Form):
    occurrences = forms.ModelMultipleChoiceField(
        queryset=MissedOccurrence.objects.none(),
        required=False,
        label="Missed days",
        widget=forms.CheckboxSelectMultiple,
    )
    annotation = forms.CharField(
        required=False,
        label="Reason",
        help_text="One reason for every ticked day; a day's earlier reason stays in its history.",
        widget=forms.TextInput(
            attrs={"list": "common-reasons", "maxlength": MAX_ANNOTATION, "autocomplete": "off"}
        ),
    )

    common_reasons = COMMON_REASONS

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Another site's day is no choice: the same answer as a day that does not exist.
        self.fields["occurrences"].queryset = scope(
            MissedOccurrence.objects.select_related(
                "schedule__equipment", "schedule__procedure__current_version"
            ),
            user,
        )

    def ticked(self) -> set[str]:
        """The days ticked in the submitted form, to tick them again when it is shown back."""
        if not self.is_bound:
            return set()
        return {str(value) for value in self.data.getlist("occurrences")}
