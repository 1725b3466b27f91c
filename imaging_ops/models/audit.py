"""The audit trail: append-only events chained by HMAC, and the one-row chain head."""

from django.conf import settings
from django.db import models

from imaging_ops.audit.trail import AuditAction, RegulatedWriteError


class AuditEventQuerySet(models.QuerySet):
    def append_chained(self, rows):
        """Insert events the chain writer has numbered and hashed; the only way in."""
        return super().bulk_create(rows)

    def bulk_create(self, *args, **kwargs):
        raise RegulatedWriteError("Audit events are written only by the regulated transaction.")

    def update(self, **kwargs):
        raise RegulatedWriteError("Audit events are append-only.")

    def bulk_update(self, *args, **kwargs):
        raise RegulatedWriteError("Audit events are append-only.")

    def delete(self):
        raise RegulatedWriteError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One thing that happened to a record, or to an account: who, when, what, old and new."""

    scope_path = "site"

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=30, choices=AuditAction.CHOICES, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(max_length=150)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64, blank=True)
    site = models.ForeignKey(
        "imaging_ops.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    canonical = models.TextField()
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "seq"], name="audit_object_history"),
            models.Index(fields=["site", "seq"], name="audit_site_seq"),
            models.Index(fields=["actor", "seq"], name="audit_actor_seq"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id} by {self.actor_name}"

    def save(self, *args, **kwargs):
        raise RegulatedWriteError("Audit events are written only by the regulated transaction.")

    def delete(self, *args, **kwargs):
        raise RegulatedWriteError("Audit events are append-only.")


class AuditChainHead(models.Model):
    """The last event's sequence number and hash; locked while a transaction appends."""

    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit chain head #{self.seq} {self.last_hash[:12]}…"
