"""Every write to locations and equipment, with its rules, in one place for pages and API."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from imaging_ops.audit import regulated_transaction
from imaging_ops.permissions import FULL, Action, require
from imaging_ops.vocabulary import AreaClass, Modality

from .models import (
    Category,
    Equipment,
    EquipmentStatus,
    EquipmentStatusChange,
    Location,
    StatusChangeKind,
)

S = EquipmentStatus

# The one transition table. Retired equipment goes back into service through the same gate as
# acceptance; disposal is final.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING_ACCEPTANCE: frozenset({S.IN_SERVICE, S.OUT_OF_SERVICE, S.RETIRED}),
    S.IN_SERVICE: frozenset({S.OUT_OF_SERVICE, S.RETIRED}),
    S.OUT_OF_SERVICE: frozenset({S.IN_SERVICE, S.RETIRED}),
    S.RETIRED: frozenset({S.DISPOSED, S.IN_SERVICE}),
    S.DISPOSED: frozenset(),
}

# The action a person needs to move equipment into each status.
ACTION_FOR_STATUS = {
    S.IN_SERVICE: Action.RETURN_TO_SERVICE,
    S.OUT_OF_SERVICE: Action.TAKE_OUT_OF_SERVICE,
    S.RETIRED: Action.EDIT_EQUIPMENT,
    S.DISPOSED: Action.EDIT_EQUIPMENT,
}

LOCATION_FIELDS = ("building", "room", "area_class", "secured_storage")
# The descriptive facts about a machine: everything but its site, identity rules and status.
DETAIL_FIELDS = (
    "manufacturer",
    "model",
    "serial_number",
    "software_version",
    "installed_on",
    "accepted_on",
    "high_risk",
    "maintenance_strategy",
    "has_maintenance_history",
    "warranty_ends_on",
    "contract_ends_on",
    "vendor",
    "contract_reference",
    "radionuclide",
    "reference_activity",
    "activity_unit",
    "reference_date",
)
EQUIPMENT_FIELDS = ("location", "asset_tag", "name", "category", "modalities", *DETAIL_FIELDS)


# --- permissions with object conditions ----------------------------------------------------


def _require_location_edit(actor, site, area_class: str) -> None:
    grant = require(actor, Action.EDIT_EQUIPMENT, site)
    if grant is not FULL and area_class != AreaClass.RESTRICTED:
        raise PermissionDenied("As radiation safety officer you manage restricted areas only.")


def _require_equipment_edit(actor, site, category: str) -> None:
    grant = require(actor, Action.EDIT_EQUIPMENT, site)
    if grant is not FULL and category != Category.SEALED_SOURCE:
        raise PermissionDenied("As radiation safety officer you manage sealed sources only.")


def may_edit_location(user, location: Location) -> bool:
    """Whether the pages should offer to edit this location (the same rule the service holds)."""
    try:
        _require_location_edit(user, location.site_id, location.area_class)
    except PermissionDenied:
        return False
    return True


def may_edit_equipment(user, equipment: Equipment) -> bool:
    """Whether the pages should offer to edit this equipment (the same rule the service holds)."""
    try:
        _require_equipment_edit(user, equipment.site_id, equipment.category)
    except PermissionDenied:
        return False
    return True


# --- locations -----------------------------------------------------------------------------


def _validate_location(location: Location) -> None:
    clash = Location.objects.filter(
        site_id=location.site_id,
        building__iexact=location.building,
        room__iexact=location.room,
    ).exclude(pk=location.pk)
    if clash.exists():
        raise ValidationError({"room": "This site already has that room in that building."})
    location.full_clean(exclude=["site"], validate_constraints=False)


def create_location(
    *,
    actor,
    site,
    building: str,
    room: str,
    area_class: str = AreaClass.UNRESTRICTED,
    secured_storage: bool = False,
) -> Location:
    _require_location_edit(actor, site, area_class)
    location = Location(
        site=site,
        building=building.strip(),
        room=room.strip(),
        area_class=area_class,
        secured_storage=secured_storage,
    )
    _validate_location(location)
    with regulated_transaction(actor=actor):
        location.save()
    return location


def update_location(*, actor, location: Location, **changes) -> Location:
    unknown = set(changes) - set(LOCATION_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed."))
    _require_location_edit(actor, location.site_id, location.area_class)
    for field, value in changes.items():
        setattr(location, field, value.strip() if isinstance(value, str) else value)
    _require_location_edit(actor, location.site_id, location.area_class)
    _validate_location(location)
    with regulated_transaction(actor=actor):
        location.save()
    return location


# --- equipment -----------------------------------------------------------------------------


def clean_modalities(value) -> list[str]:
    """An ordered list of distinct DICOM codes, first the primary; a clear error otherwise."""
    if isinstance(value, str):
        value = value.replace(";", ",").split(",")
    if not isinstance(value, list | tuple):
        raise ValidationError({"modalities": "Give the modalities as a list, e.g. [“PT”, “CT”]."})
    codes = [str(code).strip().upper() for code in value if str(code).strip()]
    unknown = [code for code in codes if code not in Modality.values]
    if unknown:
        raise ValidationError(
            {
                "modalities": f"Unknown modality {', '.join(unknown)}; use DICOM codes "
                f"({', '.join(Modality.values)})."
            }
        )
    if len(set(codes)) != len(codes):
        raise ValidationError({"modalities": "Each modality may be listed once."})
    return codes


def _validate_equipment(equipment: Equipment) -> None:
    errors: dict[str, list[str]] = {}
    equipment.asset_tag = (equipment.asset_tag or "").strip()
    if equipment.asset_tag:
        clash = Equipment.objects.filter(
            site_id=equipment.site_id, asset_tag__iexact=equipment.asset_tag
        ).exclude(pk=equipment.pk)
        if clash.exists():
            errors["asset_tag"] = ["This site already has equipment with that asset tag."]
    if equipment.location_id and equipment.location.site_id != equipment.site_id:
        errors["location"] = ["Choose a location at the equipment's own site."]
    if equipment.category == Category.IMAGING_SYSTEM and not equipment.modalities:
        errors["modalities"] = ["An imaging system needs at least one modality."]
    try:
        equipment.full_clean(exclude=["site", "modalities"], validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def create_equipment(
    *,
    actor,
    site,
    asset_tag: str,
    name: str,
    category: str = Category.IMAGING_SYSTEM,
    modalities=(),
    location: Location | None = None,
    adopt_in_service: bool = False,
    adoption_reason: str = "",
    **details,
) -> Equipment:
    """New equipment awaits acceptance, unless a manager adopts it in service with a reason.

    `details` are any of DETAIL_FIELDS (manufacturer, model, serial number, dates, strategy,
    sealed-source facts, ...).
    """
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field is not known."))
    _require_equipment_edit(actor, site, category)
    if adopt_in_service:
        require(actor, Action.ADOPT_IN_SERVICE, site)
        if not adoption_reason.strip():
            raise ValidationError(
                {"adoption_reason": "Say why this equipment is adopted in service."}
            )
    codes = clean_modalities(list(modalities))
    equipment = Equipment(
        site=site,
        location=location,
        asset_tag=asset_tag,
        name=name.strip(),
        category=category,
        modalities=codes,
        modality=codes[0] if codes else "",
        **{
            field: value.strip() if isinstance(value, str) else value
            for field, value in details.items()
        },
    )
    _validate_equipment(equipment)
    now = timezone.now()
    with regulated_transaction(actor=actor):
        equipment.save()
        if adopt_in_service:
            _write_status(
                equipment,
                to=S.IN_SERVICE,
                reason=adoption_reason.strip(),
                actor=actor,
                now=now,
                kind=StatusChangeKind.ADOPTION,
            )
    return equipment


def update_equipment(*, actor, equipment: Equipment, **changes) -> Equipment:
    """Edit the facts about a machine. Status is not among them: see change_equipment_status."""
    if "status" in changes:
        raise ValidationError(
            {"status": "Status changes only through the status action, with a reason."}
        )
    unknown = set(changes) - set(EQUIPMENT_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
    _require_equipment_edit(actor, equipment.site_id, equipment.category)
    if "modalities" in changes:
        changes["modalities"] = clean_modalities(changes["modalities"])
        equipment.modality = changes["modalities"][0] if changes["modalities"] else ""
    for field, value in changes.items():
        setattr(equipment, field, value.strip() if isinstance(value, str) else value)
    _require_equipment_edit(actor, equipment.site_id, equipment.category)
    _validate_equipment(equipment)
    with regulated_transaction(actor=actor):
        equipment.save()
    return equipment


# --- status --------------------------------------------------------------------------------


def return_to_service_blockers(equipment: Equipment) -> list[str]:
    """What stands between this equipment and clinical use, in sentences a person can act on.

    The gate for acceptance and return to service. Open stop-use work orders, missing
    acceptance or return-to-service records and schedules past their hard limit add their
    sentences here as the maintenance and work-order records arrive; today nothing blocks.
    """
    return []


def allowed_transitions(equipment: Equipment) -> list[str]:
    return [s for s in S.values if s in TRANSITIONS[equipment.status]]


def _write_status(equipment, *, to, reason, actor, now: datetime, kind=StatusChangeKind.CHANGE):
    change = EquipmentStatusChange.objects.create(
        equipment=equipment,
        kind=kind,
        from_status=equipment.status,
        to_status=to,
        reason=reason,
        actor=actor,
        changed_at=now,
    )
    equipment.status = to
    equipment.updated_at = now
    equipment._audit_reason = reason
    equipment.save(update_fields=["status", "updated_at"])
    return change


def change_equipment_status(
    *, equipment: Equipment, to: str, reason: str, actor
) -> EquipmentStatusChange:
    """Move equipment to a new status along the transition table, with a reason, or refuse."""
    if to not in S.values:
        raise ValidationError({"status": f"“{to}” is not a status."})
    action = ACTION_FOR_STATUS.get(to)  # None for awaiting acceptance: the table refuses it
    if action == Action.EDIT_EQUIPMENT:
        # Retiring and disposing are edits: the RSO's limited grant covers sealed sources only.
        _require_equipment_edit(actor, equipment.site_id, equipment.category)
    elif action is not None:
        require(actor, action, equipment.site_id)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give a reason for the status change."})
    now = timezone.now()
    with regulated_transaction(actor=actor):
        # Lock the row so two people changing the status at once cannot both pass the table.
        current = Equipment.objects.select_for_update().get(pk=equipment.pk)
        if to not in TRANSITIONS[current.status]:
            raise ValidationError(
                {
                    "status": f"Equipment that is {current.get_status_display().lower()} "
                    f"cannot become {S(to).label.lower()}."
                }
            )
        if to == S.IN_SERVICE:
            blockers = return_to_service_blockers(current)
            if blockers:
                raise ValidationError({"status": blockers})
        change = _write_status(current, to=to, reason=reason.strip(), actor=actor, now=now)
    equipment.status = current.status
    equipment.updated_at = current.updated_at
    return change
