"""Procedures and their checks: what is done to a machine, and the limits its values must meet.

A procedure is a versioned record (imaging_ops.records.versioning): the `Procedure` is the
lineage schedules point at, each `ProcedureVersion` what one version says, with its ordered
`Check` rows. A new version applies from the next record; records keep the exact version. A
procedure belongs to a site, or to the organisation library (no site), and a site's copy of a
library procedure keeps the link to its original.
"""

from django.db import models
from django.db.models.functions import Lower

from equipment.limits import BandMode
from equipment.models.registry import Category
from equipment.scheduling import Anchor, DueTime, Preset
from imaging_ops.audit.mixin import RegulatedModel
from imaging_ops.models import Site
from imaging_ops.records.versioning import RecordVersion, VersionedRecord
from imaging_ops.text import no_bidi_controls


class ProcedureKind(models.TextChoices):
    QC = "qc", "Quality control"
    CALIBRATION = "calibration", "Calibration"
    PREVENTIVE_MAINTENANCE = "preventive_maintenance", "Preventive maintenance"
    PHYSICIST_SURVEY = "physicist_survey", "Physicist survey"
    ELECTRICAL_SAFETY = "electrical_safety", "Electrical safety"
    LEAK_TEST = "leak_test", "Leak test"
    INVENTORY = "inventory", "Inventory"
    AREA_SURVEY = "area_survey", "Area survey"
    ACCEPTANCE = "acceptance", "Acceptance"


class RequiringEvent(models.TextChoices):
    """Events after which a procedure must be done before the equipment returns to use."""

    INSTALLATION = "installation", "Installation"
    RELOCATION = "relocation", "Relocation"
    MAJOR_REPAIR = "major_repair", "Major repair"
    SOFTWARE_CHANGE = "software_change", "Software change"
    # A repair that opened the enclosure (IEC 62353 retests after it), recorded beside a major
    # repair or alone: a board swap is not a major repair, yet it breaches the insulation.
    ENCLOSURE_OPENED = "enclosure_opened", "Repair that opened the enclosure"


class CheckKind(models.TextChoices):
    NUMERIC = "numeric", "Numeric"
    BOOLEAN = "boolean", "Yes / no"
    CHOICE = "choice", "Choice"
    TEXT = "text", "Text"


# The RSO's "radiation procedures": these kinds on any equipment, and calibrations of radiation
# measurement instruments (dose calibrators, survey meters).
RADIATION_KINDS = frozenset(
    {ProcedureKind.LEAK_TEST, ProcedureKind.INVENTORY, ProcedureKind.AREA_SURVEY}
)
RADIATION_CALIBRATION_CATEGORIES = frozenset({Category.RADIATION_INSTRUMENT})


def is_radiation_procedure(kind: str, categories) -> bool:
    """Whether a procedure of `kind` applying to `categories` is one the RSO's grant covers."""
    if kind in RADIATION_KINDS:
        return True
    return (
        kind == ProcedureKind.CALIBRATION
        and bool(categories)
        and set(categories) <= RADIATION_CALIBRATION_CATEGORIES
    )


class Procedure(VersionedRecord):
    """The lineage of a procedure: its code and kind never change; its versions say the rest."""

    scope_path = "site"

    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="procedures",
        help_text="Empty for the organisation library, which system administrators edit.",
    )
    code = models.CharField(validators=[no_bidi_controls], max_length=50)
    kind = models.CharField(max_length=30, choices=ProcedureKind.choices)
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="copies",
        help_text="The library procedure this site's procedure was copied from.",
    )
    current_version = models.OneToOneField(
        "equipment.ProcedureVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        ordering = ["site", "code"]
        constraints = [
            models.UniqueConstraint(
                "site",
                Lower("code"),
                name="unique_procedure_code_per_site",
                violation_error_message="This site already has a procedure with that code.",
            ),
            models.UniqueConstraint(
                Lower("code"),
                condition=models.Q(site__isnull=True),
                name="unique_library_procedure_code",
                violation_error_message="The library already has a procedure with that code.",
            ),
            models.UniqueConstraint(
                fields=["site", "copied_from"],
                name="one_copy_of_a_library_procedure_per_site",
                violation_error_message="This site already has a copy of that library procedure.",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_library(self) -> bool:
        return self.site_id is None

    def is_radiation_record(self) -> bool:
        version = self.current_version
        return is_radiation_procedure(self.kind, version.categories if version else [])


class ProcedureVersion(RecordVersion):
    """What one version of a procedure says; its checks are its `checks`, in order."""

    scope_path = "procedure__site"
    record_field = "procedure"

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    name = models.CharField(validators=[no_bidi_controls], max_length=200)
    # DICOM modality codes (imaging_ops.vocabulary.Modality) and equipment categories it fits.
    modalities = models.JSONField(default=list, blank=True)
    categories = models.JSONField(default=list, blank=True)
    citation = models.CharField(validators=[no_bidi_controls], max_length=300, blank=True)
    instructions = models.TextField(blank=True)
    performer_roles = models.JSONField(default=list, blank=True)
    external_allowed = models.BooleanField(
        default=False, help_text="An outside vendor or physicist may perform it."
    )
    required_after = models.JSONField(
        default=list, blank=True, help_text="Events (RequiringEvent) after which it is required."
    )
    # The recurrence a new schedule starts from; a schedule may change its own.
    default_anchor = models.CharField(max_length=20, choices=Anchor.choices, blank=True)
    default_interval_months = models.PositiveSmallIntegerField(default=0)
    default_interval_weeks = models.PositiveSmallIntegerField(default=0)
    default_interval_days = models.PositiveSmallIntegerField(default=0)
    default_preset = models.CharField(max_length=20, choices=Preset.choices, blank=True)
    default_weekday = models.PositiveSmallIntegerField(null=True, blank=True)
    default_early_days = models.PositiveSmallIntegerField(default=0)
    default_grace_days = models.PositiveSmallIntegerField(default=0)
    default_hard_limit_months = models.PositiveSmallIntegerField(null=True, blank=True)
    default_due_time = models.CharField(
        max_length=10, choices=DueTime.choices, default=DueTime.OPENING
    )
    # Where a version came from in the shipped regulatory catalog (compliance/catalog/): its
    # stable code and version, and a digest of the shipped content, so that a reload can tell a
    # copy edited here from one still as shipped. Blank for a procedure written here.
    catalog_code = models.CharField(validators=[no_bidi_controls], max_length=50, blank=True)
    catalog_version = models.CharField(validators=[no_bidi_controls], max_length=20, blank=True)
    catalog_digest = models.CharField(max_length=64, blank=True, editable=False)
    verify_locally = models.BooleanField(
        default=False,
        help_text="Values the source marks unconfirmed: check them against the local rules.",
    )
    verify_locally_note = models.TextField(
        validators=[no_bidi_controls], blank=True, help_text="What to verify locally, and why."
    )

    class Meta:
        ordering = ["procedure", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "number"],
                name="one_procedure_version_per_number",
                violation_error_message="This procedure already has that version.",
            )
        ]

    def record_content(self) -> dict:
        return {
            "code": self.procedure.code,
            "kind": self.procedure.kind,
            "name": self.name,
            "modalities": self.modalities,
            "categories": self.categories,
            "citation": self.citation,
            "instructions": self.instructions,
            "performer_roles": self.performer_roles,
            "external_allowed": self.external_allowed,
            "required_after": self.required_after,
            "checks": [check.definition() for check in self.checks.all()],
            # Added with the catalog: only where set, so versions signed before keep their hash.
            **{
                name: getattr(self, name)
                for name in CATALOG_CONTENT
                if getattr(self, name) != self._meta.get_field(name).get_default()
            },
        }


# The catalog's fields in a version's signed content (the digest is derived, not content).
CATALOG_CONTENT = (
    "default_due_time",
    "catalog_code",
    "catalog_version",
    "verify_locally",
    "verify_locally_note",
)


LIMIT_FIELDS = ("action_low", "tolerance_low", "tolerance_high", "action_high")


def _limit_field() -> models.DecimalField:
    return models.DecimalField(max_digits=20, decimal_places=8, null=True, blank=True)


class Check(RegulatedModel):
    """One check of a procedure version. `key` names it across versions, so a schedule's
    reference for a check survives a new version of the procedure."""

    scope_path = "version__procedure__site"

    version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, related_name="checks")
    position = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=50)
    name = models.CharField(validators=[no_bidi_controls], max_length=200)
    kind = models.CharField(max_length=10, choices=CheckKind.choices)
    unit = models.CharField(validators=[no_bidi_controls], max_length=30, blank=True)
    action_low = _limit_field()
    action_low_inclusive = models.BooleanField(default=True)
    tolerance_low = _limit_field()
    tolerance_low_inclusive = models.BooleanField(default=True)
    tolerance_high = _limit_field()
    tolerance_high_inclusive = models.BooleanField(default=True)
    action_high = _limit_field()
    action_high_inclusive = models.BooleanField(default=True)
    band_mode = models.CharField(max_length=10, choices=BandMode.choices, default=BandMode.ABSOLUTE)
    choices = models.JSONField(default=list, blank=True)
    passing_choices = models.JSONField(default=list, blank=True)
    stop_use = models.BooleanField(default=False, help_text="A failure stops clinical use.")
    correct_within_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Days allowed to correct a failure; empty for none."
    )
    citation = models.CharField(
        validators=[no_bidi_controls],
        max_length=300,
        blank=True,
        help_text="Where this check's limits come from, when the source names it.",
    )
    verify_locally = models.BooleanField(
        default=False, help_text="The source marks this check's limits unconfirmed."
    )

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"],
                name="one_check_per_position",
                violation_error_message="This procedure version already has a check there.",
            ),
            models.UniqueConstraint(
                fields=["version", "key"],
                name="unique_check_key_per_version",
                violation_error_message="This procedure version already has a check with that key.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def definition(self) -> dict:
        """The check as plain values: what a version's signature covers."""
        fields = ["position", "key", "name", "kind", "unit", "band_mode", "choices"]
        fields += ["passing_choices", "stop_use", "correct_within_days"]
        for limit in LIMIT_FIELDS:
            fields += [limit, f"{limit}_inclusive"]
        definition = {name: getattr(self, name) for name in fields}
        # Added with the catalog: only where set, so versions signed before keep their hash.
        if self.citation:
            definition["citation"] = self.citation
        if self.verify_locally:
            definition["verify_locally"] = True
        return definition
