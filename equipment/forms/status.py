"""The status form: the statuses the transition table allows from here, a reason, and for
high-risk equipment the confirmation that it will be unavailable for patients."""

from django import forms

from equipment.models import EquipmentStatus


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(choices=EquipmentStatus.choices, label="New status")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    confirm_high_risk = forms.BooleanField(
        required=False,
        label="I understand this high-risk equipment will be unavailable for patients",
        help_text="Needed to take it out of service.",
    )

    def __init__(self, *args, allowed: list[str], high_risk: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # No status is preselected unless the person asked for one (a "Return to service"
        # button): they choose one on purpose.
        self.fields["status"].choices = [("", "Choose…")] + [
            (value, label) for value, label in EquipmentStatus.choices if value in allowed
        ]
        # Offered where it can matter; whether it is needed is the service's rule.
        if not (high_risk and EquipmentStatus.OUT_OF_SERVICE in allowed):
            del self.fields["confirm_high_risk"]
