"""Forms of courses and requirements: they only parse; training.services.courses holds the
rules."""

from django import forms
from django.db.models import Q

from imaging_ops.vocabulary import AreaClass, Modality, Role
from training.models import Course, CourseCategory, RequirementBasis

CHECKBOXES = forms.CheckboxSelectMultiple


class CourseForm(forms.Form):
    code = forms.SlugField(max_length=40, help_text="Short code, e.g. MRI-SAFETY-L2.")
    title = forms.CharField(max_length=200)
    category = forms.ChoiceField(choices=[("", "Choose…"), *CourseCategory.choices])
    validity_months = forms.IntegerField(
        label="Valid for (months)",
        required=False,
        min_value=1,
        max_value=120,
        help_text="Leave empty when a completion never expires.",
    )
    citation = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="The rule it meets."
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    modalities = forms.MultipleChoiceField(
        choices=Modality.choices, required=False, widget=CHECKBOXES
    )
    area_classes = forms.MultipleChoiceField(
        label="Area classes", choices=AreaClass.choices, required=False, widget=CHECKBOXES
    )
    roles = forms.MultipleChoiceField(choices=Role.choices, required=False, widget=CHECKBOXES)

    def content(self) -> dict:
        data = self.cleaned_data
        return {
            key: data[key]
            for key in (
                "code",
                "title",
                "category",
                "validity_months",
                "citation",
                "description",
                "modalities",
                "area_classes",
                "roles",
            )
        }


def subject_choices():
    return [
        ("", "Choose…"),
        ("Operate or test a modality", [(f"modality:{v}", label) for v, label in Modality.choices]),
        ("Enter an area", [(f"area_class:{v}", label) for v, label in AreaClass.choices]),
        ("Hold a role", [(f"role:{v}", label) for v, label in Role.choices]),
    ]


class RequirementForm(forms.Form):
    course = forms.ModelChoiceField(queryset=Course.objects.none(), empty_label="Choose…")
    required_for = forms.ChoiceField(label="Required to", choices=subject_choices)

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.filter(
            Q(site__isnull=True) | Q(site=site)
        ).order_by("code")

    def subject(self) -> tuple[str, str]:
        basis, _, subject = self.cleaned_data["required_for"].partition(":")
        return (basis if basis in RequirementBasis.values else ""), subject


class RetireForm(forms.Form):
    reason = forms.CharField(max_length=500, help_text="Why the course is no longer required.")
