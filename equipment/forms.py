from django import forms

from imaging_ops.models import Site
from imaging_ops.permissions import Action, can
from imaging_ops.scoping import ScopedFormMixin
from imaging_ops.vocabulary import AreaClass, Modality

from .models import Category, EquipmentStatus, Location

MODALITY_CHOICES = [("", "— none —"), *Modality.choices]


class EquipmentForm(ScopedFormMixin, forms.Form):
    """Create or edit equipment. The site is fixed once the equipment exists."""

    site = forms.ModelChoiceField(queryset=Site.objects.all())
    asset_tag = forms.CharField(max_length=50)
    name = forms.CharField(max_length=200)
    category = forms.ChoiceField(choices=Category.choices)
    primary_modality = forms.ChoiceField(choices=MODALITY_CHOICES, required=False)
    other_modalities = forms.MultipleChoiceField(
        choices=Modality.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="A hybrid system such as a PET/CT: primary PT, also CT.",
    )
    location = forms.ModelChoiceField(
        queryset=Location.objects.select_related("site"), required=False
    )
    manufacturer = forms.CharField(max_length=200, required=False)
    model = forms.CharField(max_length=200, required=False)
    serial_number = forms.CharField(max_length=100, required=False)
    adopt_in_service = forms.BooleanField(
        required=False,
        label="Already in clinical use: adopt in service",
        help_text="Managers only. The equipment starts in service instead of awaiting acceptance.",
    )
    adoption_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Reason for adoption"
    )

    def __init__(self, *args, equipment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.equipment = equipment
        if equipment is not None:
            self.fields["site"].disabled = True
            self.fields["site"].initial = equipment.site_id
            del self.fields["adopt_in_service"]
            del self.fields["adoption_reason"]
        elif not any(
            can(self.user, Action.ADOPT_IN_SERVICE, site) for site in self.fields["site"].queryset
        ):
            del self.fields["adopt_in_service"]
            del self.fields["adoption_reason"]
        self.fields["location"].label_from_instance = lambda loc: f"{loc.site.code}: {loc}"

    @classmethod
    def initial_for(cls, equipment) -> dict:
        return {
            "site": equipment.site_id,
            "asset_tag": equipment.asset_tag,
            "name": equipment.name,
            "category": equipment.category,
            "primary_modality": equipment.modalities[0] if equipment.modalities else "",
            "other_modalities": equipment.modalities[1:],
            "location": equipment.location_id,
            "manufacturer": equipment.manufacturer,
            "model": equipment.model,
            "serial_number": equipment.serial_number,
        }

    def clean(self):
        data = super().clean()
        primary = data.get("primary_modality")
        others = [m for m in data.get("other_modalities", []) if m != primary]
        if others and not primary:
            self.add_error("primary_modality", "Choose the primary modality first.")
        data["modalities"] = ([primary] if primary else []) + others
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {
            key: data[key]
            for key in (
                "asset_tag",
                "name",
                "category",
                "location",
                "manufacturer",
                "model",
                "serial_number",
                "modalities",
            )
        }
        if self.equipment is None:
            fields["site"] = data["site"]
            fields["adopt_in_service"] = data.get("adopt_in_service", False)
            fields["adoption_reason"] = data.get("adoption_reason", "")
        return fields


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(choices=EquipmentStatus.choices, label="New status")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        # No status is preselected: the person chooses one on purpose.
        self.fields["status"].choices = [("", "Choose…")] + [
            (value, label) for value, label in EquipmentStatus.choices if value in allowed
        ]


class LocationForm(ScopedFormMixin, forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.all())
    building = forms.CharField(max_length=100)
    room = forms.CharField(max_length=100)
    area_class = forms.ChoiceField(choices=AreaClass.choices, initial=AreaClass.UNRESTRICTED)
    secured_storage = forms.BooleanField(required=False)

    def __init__(self, *args, location=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.location = location
        if location is not None:
            self.fields["site"].disabled = True
