"""In-app notifications: a message to one person, read or not."""

from django.conf import settings
from django.db import models


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    site = models.ForeignKey(
        "imaging_ops.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=50)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.title} → {self.user_id}"


class AuthFailure(models.Model):
    """A failed sign-in or signature, counted toward the lockout (each is also an audit event)."""

    class Kind(models.TextChoices):
        LOGIN = "login", "Sign-in"
        SIGNATURE = "signature", "Signature"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="auth_failures",
    )
    username = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField()
    address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "at"], name="auth_failure_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} failure for {self.username} at {self.at.isoformat()}"
