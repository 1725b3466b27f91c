"""Reads of status history shared by pages, the API and PDFs."""

from equipment.models import EquipmentStatusChange
from imaging_ops.access.scoping import scope


def recent_status_changes(user, *, limit: int = 10):
    """The latest status changes at the user's sites, newest first."""
    return (
        scope(EquipmentStatusChange.objects.all(), user)
        .select_related("equipment", "equipment__site", "actor")
        .order_by("-changed_at", "-pk")[:limit]
    )
