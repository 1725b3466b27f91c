"""Electronic signatures and the e-signature policy acknowledgement (21 CFR 11.50, 11.70)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from imaging_ops.audit.mixin import RegulatedModel
from imaging_ops.errors import Conflict


class Meaning(models.TextChoices):
    PERFORMED = "performed", "Performed"
    REVIEWED = "reviewed", "Reviewed"
    APPROVED = "approved", "Approved"
    CORRECTIVE_ACTION_VERIFIED = "corrective_action_verified", "Corrective action verified"
    RETURNED_TO_SERVICE = "returned_to_service", "Returned to service"


class Signature(RegulatedModel):
    """A signature bound to one record version by the SHA-256 of its signed content.

    The printed name and credentials are stored as they were at signing, not read through the
    user, so a later change of name does not rewrite what was signed.
    """

    scope_path = "site"

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    version = GenericForeignKey("content_type", "object_id")
    site = models.ForeignKey("imaging_ops.Site", on_delete=models.PROTECT, related_name="+")
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures"
    )
    printed_name = models.CharField(max_length=200)
    credentials = models.CharField(max_length=100, blank=True)
    meaning = models.CharField(max_length=30, choices=Meaning.choices)
    signed_at = models.DateTimeField()
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["signed_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="signature_of_version")]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "signer", "meaning"],
                name="one_signature_per_signer_and_meaning",
                violation_error_message="This person has already signed this version with this "
                "meaning.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.printed_name} — {self.get_meaning_display()}"

    def save(self, *args, **kwargs):
        # A signature is written once; changing it would sign something nobody signed.
        if not self._state.adding:
            raise Conflict("A signature never changes once it is made.")
        super().save(*args, **kwargs)


class PolicyAcknowledgement(RegulatedModel):
    """A person's acknowledgement of the e-signature policy, made at their first signing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="policy_acknowledgements"
    )
    policy_version = models.CharField(max_length=20)
    acknowledged_at = models.DateTimeField()
    address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "policy_version"],
                name="one_acknowledgement_per_policy_version",
                violation_error_message="This person has already acknowledged this policy.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} acknowledged policy {self.policy_version}"
