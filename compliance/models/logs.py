"""A regulatory log as issued: what it covered, the hashes of its snapshot and file, its code.

The file is kept so that downloading it again returns the very bytes issued, and the code
printed on every page finds this row on the public verification page.
"""

from django.conf import settings
from django.db import models

from imaging_ops.audit.mixin import RegulatedModel
from imaging_ops.models import Site


class LogKind(models.TextChoices):
    EQUIPMENT = "equipment", "Equipment log"


class LogState(models.TextChoices):
    DRAFT = "draft", "Draft (not approved)"
    APPROVED = "approved", "Approved"


class RegulatoryLog(RegulatedModel):
    scope_path = "site"

    kind = models.CharField(max_length=20, choices=LogKind.choices)
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
    snapshot_sha256 = models.CharField(max_length=64, editable=False)
    file_sha256 = models.CharField(max_length=64, editable=False)
    file = models.FileField(upload_to="logs/%Y/%m/", editable=False)
    size = models.PositiveIntegerField(editable=False)
    entries = models.PositiveIntegerField(
        default=0, editable=False, help_text="How many service records the log holds."
    )
    chain_seq = models.BigIntegerField(editable=False)
    chain_hash = models.CharField(max_length=64, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    generated_at = models.DateTimeField(editable=False)

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
