"""Courses and requirements: what training exists, and which training a site requires.

A course belongs to a site, or to the organisation catalog (no site; shipped data loaded by
`manage.py load_courses`, edited by system administrators). It says which modalities, area
classes and roles it qualifies for, in the core's vocabulary: training never knows equipment
rows. A requirement makes a course necessary at a site to operate or test a modality, to
enter an area class, or to hold a role.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from imaging_ops.audit.mixin import RegulatedModel
from imaging_ops.text import no_bidi_controls
from imaging_ops.vocabulary import AreaClass, Modality, Role


class CourseCategory(models.TextChoices):
    RADIATION_SAFETY = "radiation_safety", "Radiation safety"
    MRI_SAFETY = "mri_safety", "MRI safety"
    DOSE_OPTIMISATION = "dose_optimisation", "Dose optimisation"
    EQUIPMENT_ORIENTATION = "equipment_orientation", "Equipment orientation"
    ELECTRICAL_SAFETY = "electrical_safety", "Electrical safety"
    CONTRAST = "contrast", "Contrast reactions"
    EMERGENCY_RESPONSE = "emergency_response", "Emergency response"
    OTHER = "other", "Other"


def _validate_codes(values, choices, what: str) -> None:
    if not isinstance(values, list) or any(v not in choices for v in values):
        allowed = ", ".join(choices)
        raise ValidationError(f"Choose {what} from: {allowed}.")


def validate_modalities(values) -> None:
    _validate_codes(values, Modality.values, "modalities")


def validate_area_classes(values) -> None:
    _validate_codes(values, AreaClass.values, "area classes")


def validate_roles(values) -> None:
    _validate_codes(values, Role.values, "roles")


class Course(RegulatedModel):
    """A course people complete; valid for `validity_months`, or for good when empty."""

    scope_path = "site"

    site = models.ForeignKey(
        "imaging_ops.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        help_text="Empty for the organisation catalog, which system administrators edit.",
    )
    code = models.SlugField(max_length=40, help_text="Short code, e.g. MRI-SAFETY-L2.")
    title = models.CharField(max_length=200, validators=[no_bidi_controls])
    category = models.CharField(max_length=30, choices=CourseCategory.choices)
    validity_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="How long a completion stays current; empty when it never expires.",
    )
    citation = models.TextField(blank=True, help_text="The rule or standard that asks for it.")
    description = models.TextField(blank=True)
    modalities = models.JSONField(default=list, blank=True, validators=[validate_modalities])
    area_classes = models.JSONField(default=list, blank=True, validators=[validate_area_classes])
    roles = models.JSONField(default=list, blank=True, validators=[validate_roles])
    catalog_code = models.CharField(max_length=60, blank=True, editable=False)
    catalog_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    locally_modified = models.BooleanField(default=False, editable=False)
    verify_locally_note = models.TextField(
        blank=True,
        help_text="What the reference does not confirm from the rule itself: check it locally.",
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "code"],
                name="unique_course_code_per_site",
                violation_error_message="This site already has a course with that code.",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(site__isnull=True),
                name="unique_catalog_course_code",
                violation_error_message="The organisation catalog already has that course code.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    @property
    def is_radiation_safety(self) -> bool:
        return self.category == CourseCategory.RADIATION_SAFETY


class RequirementBasis(models.TextChoices):
    MODALITY = "modality", "To operate or test a modality"
    AREA_CLASS = "area_class", "To enter an area class"
    ROLE = "role", "To hold a role"


class Requirement(RegulatedModel):
    """At a site, a course is required for one modality, one area class or one role."""

    scope_path = "site"

    site = models.ForeignKey(
        "imaging_ops.Site", on_delete=models.PROTECT, related_name="training_requirements"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="requirements")
    basis = models.CharField(max_length=20, choices=RequirementBasis.choices)
    modality = models.CharField(max_length=5, choices=Modality.choices, blank=True)
    area_class = models.CharField(max_length=20, choices=AreaClass.choices, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    created_at = models.DateTimeField(editable=False)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)
    retire_reason = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["site", "course__code", "basis"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(basis="modality", area_class="", role="") & ~Q(modality="")
                    | Q(basis="area_class", modality="", role="") & ~Q(area_class="")
                    | Q(basis="role", modality="", area_class="") & ~Q(role="")
                ),
                name="requirement_names_exactly_its_basis",
                violation_error_message="A requirement names one modality, area class or role.",
            ),
            models.UniqueConstraint(
                fields=["site", "course", "basis", "modality", "area_class", "role"],
                condition=Q(retired_at__isnull=True),
                name="one_requirement_in_force_per_subject",
                violation_error_message="This site already requires that course for that.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.code} {self.subject_label}"

    @property
    def subject_label(self) -> str:
        if self.basis == RequirementBasis.MODALITY:
            return f"to operate or test {Modality(self.modality).label}"
        if self.basis == RequirementBasis.AREA_CLASS:
            return f"to enter {AreaClass(self.area_class).label}"
        return f"to hold the role {Role(self.role).label.lower()}"
