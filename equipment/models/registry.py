"""The registry: rooms and the equipment that stands in them."""

from django.db import models
from django.db.models.functions import Lower

from equipment.models.status import EquipmentStatus
from equipment.radionuclides import ActivityUnit, Radionuclide
from imaging_ops.audit.mixin import RegulatedModel
from imaging_ops.models import Site
from imaging_ops.text import no_bidi_controls
from imaging_ops.vocabulary import AreaClass, Modality


class Location(RegulatedModel):
    """A room in a building of a site, with its area class and whether it is secured storage."""

    scope_path = "site"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="locations")
    building = models.CharField(validators=[no_bidi_controls], max_length=100)
    room = models.CharField(validators=[no_bidi_controls], max_length=100)
    area_class = models.CharField(
        max_length=20, choices=AreaClass.choices, default=AreaClass.UNRESTRICTED
    )
    secured_storage = models.BooleanField(
        default=False, help_text="Radioactive material stored here is secured against removal."
    )

    class Meta:
        ordering = ["site", "building", "room"]
        constraints = [
            models.UniqueConstraint(
                "site",
                Lower("building"),
                Lower("room"),
                name="unique_room_per_site",
                violation_error_message="This site already has that room in that building.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.building} / {self.room}"


class Category(models.TextChoices):
    IMAGING_SYSTEM = "imaging_system", "Imaging system"
    RADIATION_INSTRUMENT = "radiation_instrument", "Radiation measurement instrument"
    QA_INSTRUMENT = "qa_instrument", "QA instrument"
    SEALED_SOURCE = "sealed_source", "Sealed source"
    LASER = "laser", "Laser"
    OTHER = "other", "Other"


class MaintenanceStrategy(models.TextChoices):
    MANUFACTURER = "manufacturer", "Manufacturer's recommendations"
    ALTERNATIVE = "alternative", "Alternative equipment maintenance (AEM)"


class Equipment(RegulatedModel):
    """A piece of equipment at a site. Its status changes only through the status service."""

    audit_exempt_fields = frozenset({"modality", "updated_at"})

    scope_path = "site"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="equipment")
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="equipment"
    )
    asset_tag = models.CharField(validators=[no_bidi_controls], max_length=50)
    name = models.CharField(validators=[no_bidi_controls], max_length=200)
    category = models.CharField(
        max_length=30, choices=Category.choices, default=Category.IMAGING_SYSTEM
    )
    # The ordered list of DICOM modality codes; the first is the primary, kept in `modality`.
    modalities = models.JSONField(default=list, blank=True)
    modality = models.CharField(
        max_length=5, choices=Modality.choices, blank=True, db_index=True, editable=False
    )
    manufacturer = models.CharField(validators=[no_bidi_controls], max_length=200, blank=True)
    model = models.CharField(validators=[no_bidi_controls], max_length=200, blank=True)
    serial_number = models.CharField(validators=[no_bidi_controls], max_length=100, blank=True)
    status = models.CharField(
        max_length=30,
        choices=EquipmentStatus.choices,
        default=EquipmentStatus.AWAITING_ACCEPTANCE,
        editable=False,
        db_index=True,
    )
    software_version = models.CharField(validators=[no_bidi_controls], max_length=100, blank=True)
    installed_on = models.DateField(null=True, blank=True)
    accepted_on = models.DateField(null=True, blank=True)
    high_risk = models.BooleanField(
        default=False, help_text="Failure could cause serious injury or death (TJC EC.02.04.01)."
    )
    maintenance_strategy = models.CharField(
        max_length=20,
        choices=MaintenanceStrategy.choices,
        default=MaintenanceStrategy.MANUFACTURER,
    )
    has_maintenance_history = models.BooleanField(
        default=False, help_text="Maintenance history exists on which an alternative plan can rest."
    )
    warranty_ends_on = models.DateField(null=True, blank=True)
    contract_ends_on = models.DateField(null=True, blank=True)
    vendor = models.CharField(
        validators=[no_bidi_controls], max_length=200, blank=True, help_text="Service vendor."
    )
    contract_reference = models.CharField(validators=[no_bidi_controls], max_length=100, blank=True)
    # Sealed sources only.
    radionuclide = models.CharField(max_length=10, choices=Radionuclide.choices, blank=True)
    reference_activity = models.DecimalField(max_digits=16, decimal_places=6, null=True, blank=True)
    activity_unit = models.CharField(max_length=4, choices=ActivityUnit.choices, blank=True)
    reference_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "equipment"
        ordering = ["site", "asset_tag"]
        constraints = [
            models.UniqueConstraint(
                "site",
                Lower("asset_tag"),
                name="unique_asset_tag_per_site",
                violation_error_message="This site already has equipment with that asset tag.",
            )
        ]
        indexes = [models.Index(fields=["site", "asset_tag"], name="equipment_site_tag")]

    def __str__(self) -> str:
        return f"{self.asset_tag} — {self.name}"
