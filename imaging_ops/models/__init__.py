"""Models of the shared core."""

from imaging_ops.models.audit import AuditChainHead, AuditEvent
from imaging_ops.models.notifications import AuthFailure, Notification
from imaging_ops.models.people import (
    ApiToken,
    Heartbeat,
    ImagingOpsUserManager,
    SiteMembership,
    User,
)
from imaging_ops.models.signatures import Meaning, PolicyAcknowledgement, Signature
from imaging_ops.models.sites import WEEKDAYS, Site, SiteClosure, SiteIdentifier, validate_time_zone

__all__ = [
    "WEEKDAYS",
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "AuthFailure",
    "Heartbeat",
    "ImagingOpsUserManager",
    "Meaning",
    "Notification",
    "PolicyAcknowledgement",
    "Signature",
    "Site",
    "SiteClosure",
    "SiteIdentifier",
    "SiteMembership",
    "User",
    "validate_time_zone",
]
