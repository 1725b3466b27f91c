"""Training sessions and training records.

A session is one occasion of teaching (course, day, instructor, place, who attended). A
training record is a versioned regulated record (imaging_ops.records.versioning): one person's
completion of one course, signed by the instructor as performed; a signed version never
changes, an amendment adds a version with a reason, a record is voided with a reason, never
deleted. The identity stores what the matrix and the gates read — completed on, expires on,
and whether it counts (signed and not voided) — moved by the services in the same transaction.
Past training imported from its evidence has no session, may name an outside instructor
without an account, and is signed by the importer as reviewed (`imported`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from imaging_ops.audit.mixin import RegulatedModel
from imaging_ops.models import Meaning
from imaging_ops.records.versioning import RecordVersion, VersionedRecord
from imaging_ops.text import no_bidi_controls
from training.models.courses import Course, CourseCategory


class TrainingSession(RegulatedModel):
    """One occasion a course was given at a site, with its attendance as training records."""

    scope_path = "site"

    site = models.ForeignKey(
        "imaging_ops.Site", on_delete=models.PROTECT, related_name="training_sessions"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    held_on = models.DateField()
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions_given"
    )
    location = models.CharField(max_length=200, blank=True, validators=[no_bidi_controls])
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(editable=False)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.course.code} on {self.held_on:%Y-%m-%d}"


class TrainingRecord(VersionedRecord):
    """One person's completion of one course, as recorded at a site."""

    audit_exempt_fields = frozenset({"completed_on", "expires_on", "counts"})
    scope_path = "site"

    site = models.ForeignKey(
        "imaging_ops.Site", on_delete=models.PROTECT, related_name="training_records"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_records"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="records")
    session = models.ForeignKey(
        TrainingSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
    )
    current_version = models.OneToOneField(
        "training.TrainingRecordVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    completed_on = models.DateField(editable=False)
    expires_on = models.DateField(null=True, blank=True, editable=False)
    counts = models.BooleanField(
        default=False, editable=False, help_text="Passed, signed by the instructor, not voided."
    )
    imported = models.BooleanField(
        default=False,
        editable=False,
        help_text="Imported from past training evidence: the importer's review signature "
        "attests it, as the instructor's signature does for training recorded here.",
    )

    class Meta:
        ordering = ["-completed_on", "-pk"]
        indexes = [
            models.Index(fields=["person", "course", "counts"], name="training_person_course"),
            models.Index(fields=["course", "counts", "expires_on"], name="training_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.course.code} for {self.person} on {self.completed_on:%Y-%m-%d}"

    def is_radiation_record(self) -> bool:
        return self.course.category == CourseCategory.RADIATION_SAFETY

    @property
    def vouching_meanings(self) -> frozenset[str]:
        """The signatures that make a passed version count: the instructor's (performed), and
        for imported past training the importer's review of the evidence."""
        if self.imported:
            return frozenset({Meaning.PERFORMED, Meaning.REVIEWED})
        return frozenset({Meaning.PERFORMED})


class TrainingRecordVersion(RecordVersion):
    """What one version of a training record says; the instructor signs it as performed (an
    imported record: the importer, as reviewed)."""

    scope_path = "record__site"
    signature_meanings = (Meaning.PERFORMED, Meaning.REVIEWED)

    record = models.ForeignKey(TrainingRecord, on_delete=models.PROTECT, related_name="versions")
    completed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    # An account, or (past training given by an outside instructor) the name as written.
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    instructor_name = models.CharField(
        max_length=200, blank=True, default="", validators=[no_bidi_controls]
    )
    passed = models.BooleanField(default=True)
    score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["record", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "number"],
                name="one_training_version_per_number",
                violation_error_message="This training record already has that version.",
            ),
            models.CheckConstraint(
                condition=Q(instructor__isnull=False, instructor_name="")
                | Q(instructor__isnull=True) & ~Q(instructor_name=""),
                name="training_instructor_account_or_name",
                violation_error_message="Give the instructor's account or, for an outside "
                "instructor, their name: one of the two.",
            ),
        ]

    @property
    def instructor_label(self) -> str:
        """The instructor as pages, the API and the certificate show them."""
        if self.instructor_id is not None:
            return self.instructor.display_name
        return self.instructor_name

    @property
    def is_external(self) -> bool:
        """Imported past training has no instructor's signature here: the importer's review
        of the evidence is its signature (imaging_ops.records.signatures)."""
        return self.record.imported

    def record_content(self) -> dict:
        content = {
            "person_id": self.record.person_id,
            "course_id": self.record.course_id,
            "session_id": self.record.session_id,
            "completed_on": self.completed_on,
            "expires_on": self.expires_on,
            "instructor_id": self.instructor_id,
            "passed": self.passed,
            "score": self.score,
            "notes": self.notes,
        }
        # Only when given: a record with an instructor's account hashes as it did before the
        # outside instructor's name existed, so its signatures still verify.
        if self.instructor_name:
            content["instructor_name"] = self.instructor_name
        return content
