"""Permissions with object conditions: the RSO's limited grants cover sealed sources and
restricted areas, and radiation procedures (leak tests, inventories, area surveys, calibrations
of radiation measurement instruments), only. Services hold these rules; pages ask the same
functions what to offer."""

from django.core.exceptions import PermissionDenied

from equipment.models import Category, Equipment, Location
from equipment.models.procedures import is_radiation_procedure
from imaging_ops.access.permissions import FULL, RADIATION_PROCEDURES, Action, grants, require
from imaging_ops.vocabulary import AreaClass


def require_location_edit(actor, site, area_class: str) -> None:
    grant = require(actor, Action.EDIT_EQUIPMENT, site)
    if grant is not FULL and area_class != AreaClass.RESTRICTED:
        raise PermissionDenied("As radiation safety officer you manage restricted areas only.")


def require_equipment_edit(actor, site, category: str) -> None:
    grant = require(actor, Action.EDIT_EQUIPMENT, site)
    if grant is not FULL and category != Category.SEALED_SOURCE:
        raise PermissionDenied("As radiation safety officer you manage sealed sources only.")


def require_procedure_edit(actor, site, *, kind: str, categories) -> None:
    """Edit a procedure, its references or its schedules at `site` (None: the organisation
    library, which only system administrators edit)."""
    if site is None:
        if not actor.is_superuser:
            raise PermissionDenied("Only a system administrator may edit the procedure library.")
        return
    grant = require(actor, Action.EDIT_PROCEDURES, site)
    if grant is FULL:
        return
    if not (grants(grant, RADIATION_PROCEDURES) and is_radiation_procedure(kind, categories)):
        raise PermissionDenied(
            "As radiation safety officer you manage radiation procedures only: leak tests, "
            "inventories, area surveys and calibrations of radiation measurement instruments."
        )


def require_some_procedure_edit(actor, site) -> None:
    """Whether the actor edits any procedure at `site` (None: the library), asked before the
    procedure is read, so a person with no such right hears no rule about its content; the
    RSO's condition on the procedure is `require_procedure_edit`'s, asked once it is read."""
    if site is None:
        if not actor.is_superuser:
            raise PermissionDenied("Only a system administrator may edit the procedure library.")
        return
    require(actor, Action.EDIT_PROCEDURES, site)


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


def may_edit_procedure(user, procedure, *, at_site=None) -> bool:
    """Whether the pages should offer to edit this procedure (version it, assign it, copy it
    to `at_site` for a library procedure): the rule `require_procedure_edit` holds, asked at
    the procedure's own site unless `at_site` is given."""
    version = procedure.current_version
    site = procedure.site_id if at_site is None else at_site
    try:
        require_procedure_edit(
            user, site, kind=procedure.kind, categories=version.categories if version else []
        )
    except PermissionDenied:
        return False
    return True
