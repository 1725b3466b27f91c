"""Permissions with object conditions: the RSO's limited grant covers sealed sources and
restricted areas only. Services hold these rules; pages ask the same functions what to offer."""

from django.core.exceptions import PermissionDenied

from equipment.models import Category, Equipment, Location
from imaging_ops.access.permissions import FULL, Action, require
from imaging_ops.vocabulary import AreaClass


def require_location_edit(actor, site, area_class: str) -> None:
    grant = require(actor, Action.EDIT_EQUIPMENT, site)
    if grant is not FULL and area_class != AreaClass.RESTRICTED:
        raise PermissionDenied("As radiation safety officer you manage restricted areas only.")


def require_equipment_edit(actor, site, category: str) -> None:
    grant = require(actor, Action.EDIT_EQUIPMENT, site)
    if grant is not FULL and category != Category.SEALED_SOURCE:
        raise PermissionDenied("As radiation safety officer you manage sealed sources only.")


def may_edit_location(user, location: Location) -> bool:
    """Whether the pages should offer to edit this location (the same rule the service holds)."""
    try:
        require_location_edit(user, location.site_id, location.area_class)
    except PermissionDenied:
        return False
    return True


def may_edit_equipment(user, equipment: Equipment) -> bool:
    """Whether the pages should offer to edit this equipment (the same rule the service holds)."""
    try:
        require_equipment_edit(user, equipment.site_id, equipment.category)
    except PermissionDenied:
        return False
    return True
