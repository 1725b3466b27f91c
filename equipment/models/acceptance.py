"""Acceptance notes: the signed record that a machine was tested and accepted (or not).

A versioned regulated record (imaging_ops.records.versioning): the note is the stable identity, each
version what was recorded; a signed version never changes, an amendment adds a version with a
reason, and a note is voided with a reason, never deleted.
"""

from django.db import models

from imaging_ops.models import Meaning
from imaging_ops.records.versioning import RecordVersion, VersionedRecord


class AcceptanceOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    ACCEPTED_WITH_CONDITIONS = "accepted_with_conditions", "Accepted with conditions"
    REJECTED = "rejected", "Rejected"


class AcceptanceNote(VersionedRecord):
    """The acceptance of one piece of equipment; schedules and the status gate point here."""

    scope_path = "equipment__site"

    equipment = models.ForeignKey(
        "equipment.Equipment", on_delete=models.PROTECT, related_name="acceptance_notes"
    )
    current_version = models.OneToOneField(
        "equipment.AcceptanceNoteVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"Acceptance note {self.pk}"


class AcceptanceNoteVersion(RecordVersion):
    """What one version of an acceptance note says."""

    scope_path = "note__equipment__site"
    record_field = "note"
    signature_meanings = (Meaning.PERFORMED, Meaning.REVIEWED, Meaning.APPROVED)

    note = models.ForeignKey(AcceptanceNote, on_delete=models.PROTECT, related_name="versions")
    accepted_on = models.DateField(help_text="The day the acceptance tests were completed.")
    summary = models.TextField()
    tests_performed = models.TextField(
        help_text="The acceptance tests, e.g. the manufacturer's protocol and the physicist's."
    )
    outcome = models.CharField(max_length=30, choices=AcceptanceOutcome.choices)
    conditions = models.TextField(
        blank=True, help_text="Required when accepted with conditions: what must happen, by when."
    )

    class Meta:
        ordering = ["note", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["note", "number"],
                name="one_acceptance_version_per_number",
                violation_error_message="This acceptance note already has that version.",
            )
        ]

    def record_content(self) -> dict:
        return {
            "equipment_id": self.note.equipment_id,
            "accepted_on": self.accepted_on,
            "summary": self.summary,
            "tests_performed": self.tests_performed,
            "outcome": self.outcome,
            "conditions": self.conditions,
        }
