"""Models of the shared core."""

from .audit import AuditChainHead, AuditEvent
from .notifications import AuthFailure, Notification
from .people import ApiToken, Heartbeat, ImagingOpsUserManager, SiteMembership, User
from .signatures import Meaning, PolicyAcknowledgement, Signature
from .sites import WEEKDAYS, Site, SiteClosure, SiteIdentifier, validate_time_zone

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
