"""The status form: the statuses the transition table allows from here, and a reason."""

from django import forms

from equipment.models import EquipmentStatus


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(choices=EquipmentStatus.choices, label="New status")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        # No status is preselected: the person chooses one on purpose.
        self.fields["status"].choices = [("", "Choose…")] + [
            (value, label) for value, label in EquipmentStatus.choices if value in allowed
        ]
