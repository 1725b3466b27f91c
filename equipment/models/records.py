"""Service records: the signed record that a procedure was done on a machine, with what it
measured against which limits.

A versioned regulated record (imaging_ops.records.versioning). The `ServiceRecord` is the
identity a schedule's history points at; each `ServiceRecordVersion` says who did it when, with
which instruments, and holds one `Measurement` per check of the exact procedure version done,
each with the reference and bands in force copied in, so a later change of the procedure or of a
reference never rewrites what was measured. Attachments belong to a version and their SHA-256
is part of what its signatures cover.

The identity also keeps, for lists, the current version's `performed_at` and `outcome` and
whether the record `counts` towards its schedule: signed as performed (and, for an outside
performer, countersigned as reviewed) and not voided. Those three are derived, moved by the
record services in the transaction that moves them, and exempt from field-level audit.
"""

from django.conf import settings
from django.db import models

from equipment.limits import Outcome
from equipment.models.procedures import Check, Procedure, ProcedureVersion, is_radiation_procedure
from equipment.models.registry import Equipment
from equipment.models.schedules import Schedule
from equipment.scheduling import Timeliness
from imaging_ops.audit.mixin import RegulatedModel
from imaging_ops.models import Meaning
from imaging_ops.records.versioning import RecordVersion, VersionedRecord
from imaging_ops.text import no_bidi_controls

OUTCOME_ORDER = (Outcome.PASS, Outcome.TOLERANCE, Outcome.ACTION)


class ReviewReason(models.TextChoices):
    """Why a signed record waits for a reviewer (docs/review.md)."""

    TOLERANCE = "tolerance", "A value at tolerance level"
    TRAINEE = "trainee", "Performed by a trainee"
    EXTERNAL = "external", "Performed outside (countersignature)"
    INSTRUMENT = "instrument", "Made with an instrument later found out of tolerance"
    QUALIFICATION = "qualification", "Performer's required training not current at signing"


def worst(outcomes) -> str:
    """The worst of the outcomes (pass when there are none): a record's outcome."""
    return max(outcomes, key=OUTCOME_ORDER.index, default=Outcome.PASS)


class ServiceRecord(VersionedRecord):
    """One performance of a procedure on one piece of equipment, on a schedule or ad hoc."""

    audit_exempt_fields = frozenset(
        {"performed_at", "outcome", "counts", "review_reasons", "awaiting_review", "suspect_since"}
    )
    scope_path = "equipment__site"

    equipment = models.ForeignKey(
        Equipment, on_delete=models.PROTECT, related_name="service_records"
    )
    schedule = models.ForeignKey(
        Schedule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
        help_text="Empty for ad hoc work.",
    )
    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, related_name="service_records"
    )
    current_version = models.OneToOneField(
        "equipment.ServiceRecordVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    performed_at = models.DateTimeField(editable=False)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, editable=False)
    counts = models.BooleanField(
        default=False,
        editable=False,
        help_text="Signed (and countersigned when done outside) and not voided.",
    )
    # The review queue (equipment.services.review): why the record needs a reviewer, and
    # whether it still waits for one — moved by the record services in the transaction that
    # signs, reviews, amends or voids it, so the queue is one indexed query.
    review_reasons = models.JSONField(default=list, blank=True, editable=False)
    awaiting_review = models.BooleanField(default=False, editable=False)
    suspect_since = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="suspect_records",
        help_text="The instrument calibration found out of tolerance that put it in review.",
    )
    qualification_review = models.TextField(
        blank=True,
        editable=False,
        help_text="Why the record waits for review: its performer's required training for the "
        "modality was not current at signing (the site allows it and sends it to review).",
    )

    class Meta:
        ordering = ["-performed_at", "-pk"]
        indexes = [
            models.Index(fields=["equipment", "-performed_at"], name="record_equipment_time"),
            models.Index(fields=["schedule", "counts", "-performed_at"], name="record_schedule"),
            # The records lists, newest first across a site's machines.
            models.Index(fields=["-performed_at", "-id"], name="record_time"),
            # The review queue: only the records still waiting, newest first.
            models.Index(
                fields=["-performed_at", "-id"],
                condition=models.Q(awaiting_review=True),
                name="record_review_queue",
            ),
            # The dashboard's action-level failures in a period: a few in a hundred thousand.
            models.Index(
                fields=["performed_at"],
                condition=models.Q(outcome=Outcome.ACTION, counts=True),
                name="record_action_failures",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} on {self.performed_at:%Y-%m-%d}"

    def is_radiation_record(self) -> bool:
        version = self.current_version
        categories = version.procedure_version.categories if version else []
        return is_radiation_procedure(self.procedure.kind, categories)


class ServiceRecordVersion(RecordVersion):
    """What one version of a service record says."""

    scope_path = "record__equipment__site"
    record_field = "record"
    signature_meanings = (Meaning.PERFORMED, Meaning.REVIEWED, Meaning.APPROVED)

    record = models.ForeignKey(ServiceRecord, on_delete=models.PROTECT, related_name="versions")
    procedure_version = models.ForeignKey(
        ProcedureVersion, on_delete=models.PROTECT, related_name="service_record_versions"
    )
    performed_at = models.DateTimeField()
    recorded_at = models.DateTimeField(editable=False)
    late_entry = models.BooleanField(
        default=False, help_text="Recorded longer after the work than the site allows."
    )
    due_satisfied = models.DateTimeField(
        null=True, blank=True, help_text="The due moment of the occurrence this record met."
    )
    timeliness = models.CharField(max_length=20, choices=Timeliness.choices, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    action_confirmed = models.BooleanField(
        default=False, help_text="The performer confirmed the action-level values."
    )
    comments = models.TextField(blank=True)
    instruments = models.ManyToManyField(Equipment, blank=True, related_name="+")
    # An outside performer (field engineer, consulting physicist) instead of a user.
    external_name = models.CharField(validators=[no_bidi_controls], max_length=200, blank=True)
    external_organisation = models.CharField(
        validators=[no_bidi_controls], max_length=200, blank=True
    )
    external_credentials = models.CharField(
        validators=[no_bidi_controls], max_length=200, blank=True
    )
    valid_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A calibration: the moment it stops covering the instrument's measurements.",
    )
    report_received_on = models.DateField(
        null=True, blank=True, help_text="The day the performer's report arrived (surveys)."
    )

    class Meta:
        ordering = ["record", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "number"],
                name="one_service_record_version_per_number",
                violation_error_message="This record already has that version.",
            )
        ]

    @property
    def is_external(self) -> bool:
        return bool(self.external_name)

    def record_content(self) -> dict:
        return {
            "equipment_id": self.record.equipment_id,
            "schedule_id": self.record.schedule_id,
            "procedure_version_id": self.procedure_version_id,
            "performed_at": self.performed_at,
            "recorded_at": self.recorded_at,
            "late_entry": self.late_entry,
            "due_satisfied": self.due_satisfied,
            "timeliness": self.timeliness,
            "outcome": self.outcome,
            "action_confirmed": self.action_confirmed,
            "comments": self.comments,
            "instrument_ids": sorted(i.pk for i in self.instruments.all()),
            "external": [
                self.external_name,
                self.external_organisation,
                self.external_credentials,
            ],
            "report_received_on": self.report_received_on,
            "valid_until": self.valid_until,
            "measurements": [m.content() for m in self.measurements.all()],
            "attachments": [a.content() for a in self.attachments.all()],
        }


def _decimal_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=20, decimal_places=8, null=True, blank=True, **kwargs)


class Measurement(RegulatedModel):
    """One check's value, as entered, with the reference and bands that judged it."""

    scope_path = "version__record__equipment__site"

    version = models.ForeignKey(
        ServiceRecordVersion, on_delete=models.PROTECT, related_name="measurements"
    )
    procedure_check = models.ForeignKey(
        Check, on_delete=models.PROTECT, related_name="measurements"
    )
    position = models.PositiveSmallIntegerField()
    value_text = models.CharField(
        max_length=200, blank=True, help_text="The value exactly as entered."
    )
    value_number = _decimal_field()
    reference = _decimal_field(help_text="The schedule's reference for this check, then.")
    band = models.JSONField(
        default=dict, blank=True, help_text="The check's limits, flags and mode, then."
    )
    result = models.CharField(max_length=10, choices=Outcome.choices)
    crossed = models.CharField(max_length=20, blank=True, help_text="The limit crossed.")
    limit = _decimal_field(help_text="That limit's absolute value.")

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "procedure_check"],
                name="one_measurement_per_check",
                violation_error_message="This record already has a value for that check.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.value_text} ({self.result})"

    def content(self) -> dict:
        return {
            "check_id": self.procedure_check_id,
            "value": self.value_text,
            "reference": self.reference,
            "band": self.band,
            "result": self.result,
            "crossed": self.crossed,
            "limit": self.limit,
        }


class RecordAttachment(RegulatedModel):
    """A file attached to a record version (a service report, a certificate, an image)."""

    scope_path = "version__record__equipment__site"

    version = models.ForeignKey(
        ServiceRecordVersion, on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(upload_to="records/%Y/%m/")
    name = models.CharField(validators=[no_bidi_controls], max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["version", "pk"]

    def __str__(self) -> str:
        return self.name

    def content(self) -> dict:
        return {"name": self.name, "sha256": self.sha256, "size": self.size}
