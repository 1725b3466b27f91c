from django import forms

from equipment.decay import plain_number
from equipment.models import Category, Equipment, Location, MaintenanceStrategy
from equipment.radionuclides import ActivityUnit, Radionuclide
from equipment.services.facts import SEALED_SOURCE_FIELDS
from equipment.services.registry import DETAIL_FIELDS
from imaging_ops.access.permissions import Action, can
from imaging_ops.access.scoping import ScopedFormMixin
from imaging_ops.models import Site
from imaging_ops.vocabulary import AreaClass, Modality

MODALITY_CHOICES = [("", "— none —"), *Modality.choices]


def _date_field(label: str, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _help(field: str) -> str:
    return str(Equipment._meta.get_field(field).help_text)


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
    record_relocation = forms.BooleanField(
        required=False,
        label="The unit was relocated",
        help_text="Leave it unticked when a portable unit is wheeled to another room. Ticked, "
        "the move is recorded as a relocation, and the procedures required after a relocation "
        "(electrical safety, a mammography evaluation) are due before the next return to "
        "service.",
    )
    manufacturer = forms.CharField(max_length=200, required=False)
    model = forms.CharField(max_length=200, required=False)
    serial_number = forms.CharField(max_length=100, required=False)
    software_version = forms.CharField(max_length=100, required=False)
    # Dates and contracts.
    installed_on = _date_field("Installed on")
    accepted_on = _date_field(
        "Accepted on",
        "Set from the signed acceptance note when the equipment goes into service; type it only "
        "for equipment adopted in service.",
    )
    warranty_ends_on = _date_field("Warranty ends on")
    vendor = forms.CharField(
        max_length=200,
        required=False,
        label="Service vendor",
        help_text="Who services it: the manufacturer or an independent service organisation.",
    )
    contract_reference = forms.CharField(
        max_length=100, required=False, label="Service contract reference"
    )
    contract_ends_on = _date_field("Service contract ends on")
    # Maintenance.
    high_risk = forms.BooleanField(
        required=False, label="High-risk equipment", help_text=_help("high_risk")
    )
    maintenance_strategy = forms.ChoiceField(
        choices=MaintenanceStrategy.choices,
        required=False,
        label="Maintenance strategy",
        help_text="Alternative maintenance is not allowed for imaging and radiologic equipment, "
        "lasers, or equipment without maintenance history (CMS S&C 14-07).",
    )
    has_maintenance_history = forms.BooleanField(
        required=False,
        label="Has a maintenance history",
        help_text=_help("has_maintenance_history"),
    )
    # Sealed sources only.
    radionuclide = forms.ChoiceField(
        choices=[("", "— none —"), *Radionuclide.choices], required=False
    )
    reference_activity = forms.DecimalField(
        max_digits=16,
        decimal_places=6,
        required=False,
        label="Reference activity",
        help_text="As on the source's certificate.",
    )
    activity_unit = forms.ChoiceField(
        choices=[("", "— none —"), *ActivityUnit.choices], required=False, label="Activity unit"
    )
    reference_date = _date_field("Reference date", "The date of the certified activity.")
    adopt_in_service = forms.BooleanField(
        required=False,
        label="Already in clinical use: adopt in service",
        help_text="Managers only. The equipment starts in service instead of awaiting acceptance.",
    )
    adoption_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Reason for adoption"
    )

    # The form in groups, in order; the sealed-source group matters for sealed sources only.
    SECTIONS = (
        (
            "identity",
            "Identity",
            "",
            (
                "site",
                "asset_tag",
                "name",
                "category",
                "primary_modality",
                "other_modalities",
                "location",
                "record_relocation",
                "manufacturer",
                "model",
                "serial_number",
                "software_version",
            ),
        ),
        (
            "dates",
            "Dates and contracts",
            "",
            (
                "installed_on",
                "accepted_on",
                "warranty_ends_on",
                "vendor",
                "contract_reference",
                "contract_ends_on",
            ),
        ),
        (
            "maintenance",
            "Maintenance",
            "",
            ("high_risk", "maintenance_strategy", "has_maintenance_history"),
        ),
        (
            "sealed_source",
            "Sealed source",
            "Only for equipment of the category “Sealed source”: the facts on its certificate. "
            "A sealed source is kept in a room marked as secured storage (10 CFR 20.1801).",
            SEALED_SOURCE_FIELDS,
        ),
        ("adoption", "Adoption in service", "", ("adopt_in_service", "adoption_reason")),
    )

    def __init__(self, *args, equipment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.equipment = equipment
        if equipment is not None:
            self.fields["site"].disabled = True
            self.fields["site"].initial = equipment.site_id
            del self.fields["adopt_in_service"]
            del self.fields["adoption_reason"]
        else:
            del self.fields["record_relocation"]
        if equipment is None and not any(
            can(self.user, Action.ADOPT_IN_SERVICE, site) for site in self.fields["site"].queryset
        ):
            del self.fields["adopt_in_service"]
            del self.fields["adoption_reason"]
        self.fields["location"].label_from_instance = _location_label

    def sections(self) -> list[dict]:
        """The groups of fields to draw, each with its bound fields and whether it starts open."""
        groups = []
        for key, legend, note, names in self.SECTIONS:
            fields = [self[name] for name in names if name in self.fields]
            if not fields:
                continue
            groups.append(
                {
                    "key": key,
                    "legend": legend,
                    "note": note,
                    "fields": fields,
                    "open": key != "sealed_source" or self._sealed_source_open(),
                }
            )
        return groups

    def _sealed_source_open(self) -> bool:
        """Open for a sealed source, or when the group holds values or errors."""
        if self.is_bound and any(name in self.errors for name in SEALED_SOURCE_FIELDS):
            return True
        return self["category"].value() == Category.SEALED_SOURCE or any(
            self[name].value() for name in SEALED_SOURCE_FIELDS
        )

    @classmethod
    def initial_for(cls, equipment) -> dict:
        initial = {
            "site": equipment.site_id,
            "asset_tag": equipment.asset_tag,
            "name": equipment.name,
            "category": equipment.category,
            "primary_modality": equipment.modalities[0] if equipment.modalities else "",
            "other_modalities": equipment.modalities[1:],
            "location": equipment.location_id,
            **{field: getattr(equipment, field) for field in DETAIL_FIELDS},
        }
        if equipment.reference_activity is not None:
            initial["reference_activity"] = plain_number(equipment.reference_activity)
        return initial

    def clean_maintenance_strategy(self):
        # A form posted without the field keeps the default: the manufacturer's schedule.
        return self.cleaned_data["maintenance_strategy"] or MaintenanceStrategy.MANUFACTURER

    def clean(self):
        data = super().clean()
        primary = data.get("primary_modality")
        others = [m for m in data.get("other_modalities", []) if m != primary]
        if others and not primary:
            self.add_error("primary_modality", "Choose the primary modality first.")
        data["modalities"] = ([primary] if primary else []) + others
        return data

    def service_fields(self, *, parsed_only: bool = False) -> dict:
        """What the service is given; `parsed_only`: only the fields that parsed (the form
        has errors, and the service is asked about the rest)."""
        data = self.cleaned_data
        keys = ("asset_tag", "name", "category", "location", "modalities", *DETAIL_FIELDS)
        fields = {key: data[key] for key in keys if not parsed_only or key in data}
        if self.equipment is not None:
            fields["record_relocation"] = data.get("record_relocation", False)
        if self.equipment is None:
            if not parsed_only or "site" in data:
                fields["site"] = data["site"]
            fields["adopt_in_service"] = data.get("adopt_in_service", False)
            fields["adoption_reason"] = data.get("adoption_reason", "")
        return fields


def _location_label(location: Location) -> str:
    secured = " (secured storage)" if location.secured_storage else ""
    return f"{location.site.code}: {location}{secured}"


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
