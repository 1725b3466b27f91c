"""A regulatory log as issued: what it covered, the hashes of its snapshot and file, its code.

The file is kept so that downloading it again returns the very bytes issued, and the code
printed on every page finds this row on the public verification page. The snapshot and the
stamp of its generation are kept too, so that approving re-renders exactly what was issued,
with the approver's signature block in place of the draft mark; the draft file's hash stays
on the row, so the verification page recognises both files.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.urls import reverse

from imaging_ops.audit.mixin import RegulatedModel
from imaging_ops.models import Meaning, Signature, Site


class LogKind(models.TextChoices):
    EQUIPMENT = "equipment", "Equipment log"
    TRAINING = "training", "Training log"
    RADIOACTIVE_MATERIALS = "radioactive_materials", "Radioactive materials log"
    SITE_QC_SUMMARY = "site_qc_summary", "Site QC summary"
    # Inspection packs: one signed PDF per inspection visit (compliance.selectors.inspection_packs).
    PACK_MQSA = "pack_mqsa", "MQSA inspection pack"
    PACK_NRC = "pack_nrc", "NRC materials licence inspection pack"
    PACK_JOINT_COMMISSION = "pack_joint_commission", "Joint Commission environment of care pack"
    PACK_STATE_XRAY = "pack_state_xray", "State X-ray inspection pack"


# The kinds that are inspection packs, in the order they are offered.
PACK_KINDS = (
    LogKind.PACK_MQSA,
    LogKind.PACK_NRC,
    LogKind.PACK_JOINT_COMMISSION,
    LogKind.PACK_STATE_XRAY,
)


class LogState(models.TextChoices):
    GENERATING = "generating", "Being generated"
    DRAFT = "draft", "Draft (not approved)"
    # A large log's approval: the signature is recorded at once, the approved file made by the
    # task; until it is ready the file issued is still the draft.
    APPROVING = "approving", "Approved; the approved file is being made"
    APPROVAL_FAILED = "approval_failed", "Approved; making the approved file failed"
    APPROVED = "approved", "Approved"
    FAILED = "failed", "Generation failed"


# The states in which the task has work to do on the log (and its progress moves).
IN_PROGRESS = (LogState.GENERATING, LogState.APPROVING)
# The states in which the log has a file to download (the draft until the approved one is made).
DOWNLOADABLE = (LogState.DRAFT, LogState.APPROVING, LogState.APPROVAL_FAILED, LogState.APPROVED)


# The file in hand is one of the two a log has had: as issued, or as approved.
class LogFile(models.TextChoices):
    DRAFT = "draft", "the draft as issued"
    APPROVED = "approved", "the approved log"


class RegulatoryLog(RegulatedModel):
    scope_path = "site"
    # The snapshot is as large as the log; the audit trail records its SHA-256 beside it.
    audit_redacted_fields = frozenset({"snapshot"})
    # How far a large log's generation has gone moves without an event of its own.
    audit_exempt_fields = frozenset({"progress"})

    # What each kind holds, renders and who approves it: compliance.log_kinds.
    kind = models.CharField(max_length=30, choices=LogKind.choices)
    state = models.CharField(max_length=20, choices=LogState.choices, default=LogState.DRAFT)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    equipment = models.ForeignKey(
        "equipment.Equipment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="regulatory_logs",
    )
    scope_label = models.CharField(
        max_length=300, help_text="What the log covers, as printed: the equipment or the site."
    )
    period_start = models.DateField()
    period_end = models.DateField()
    code = models.CharField(max_length=20, unique=True, editable=False)
    # Empty while a large log is being generated.
    snapshot_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    file_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    file = models.FileField(upload_to="logs/%Y/%m/", blank=True, editable=False)
    size = models.PositiveIntegerField(default=0, editable=False)
    entries = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="How many entries (service or training records) it holds.",
    )
    chain_seq = models.BigIntegerField(default=0, editable=False)
    chain_hash = models.CharField(max_length=64, blank=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    generated_at = models.DateTimeField(
        editable=False, help_text="When it was made; until then, when it was asked for."
    )
    progress = models.PositiveSmallIntegerField(
        default=100, editable=False, help_text="Per cent of a large log's generation done."
    )
    failure = models.TextField(blank=True, editable=False)
    snapshot = models.JSONField(
        default=dict, editable=False, help_text="The snapshot the PDF was rendered from."
    )
    stamp = models.JSONField(
        default=dict, editable=False, help_text="What the generation printed: who, when, code."
    )
    draft_file_sha256 = models.CharField(
        max_length=64, blank=True, editable=False, help_text="The SHA-256 of the file as issued."
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    signatures = GenericRelation(Signature, content_type_field="content_type")

    # What the electronic-signature service asks of a signed document.
    signature_meanings = (Meaning.APPROVED,)

    class Meta:
        ordering = ["-generated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="log_period_ends_after_it_starts",
                violation_error_message="The period must end on or after the day it starts.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"

    def get_absolute_url(self) -> str:
        return reverse("compliance:log_detail", args=[self.pk])

    def signed_content(self) -> dict:
        """What an approval signature covers: this log, its snapshot and the file issued."""
        return {
            "record_type": self._meta.label_lower,
            "log_id": self.pk,
            "kind": self.kind,
            "code": self.code,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "snapshot_sha256": self.snapshot_sha256,
            "draft_file_sha256": self.draft_file_sha256,
        }

    def file_kind(self, sha256: str) -> str | None:
        """Which of this log's files has this SHA-256: LogFile.DRAFT, LogFile.APPROVED, or None."""
        if self.state == LogState.APPROVED and sha256 == self.file_sha256:
            return LogFile.APPROVED
        if sha256 in (self.draft_file_sha256, self.file_sha256):
            return LogFile.DRAFT
        return None
