"""Every write to locations and equipment, with its rules, in one place for pages and API."""

import copy
from contextlib import contextmanager
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from equipment.models import (
    Category,
    Equipment,
    EquipmentStatus,
    Location,
    RequiringEvent,
    StatusChangeKind,
)
from equipment.services.events import record_equipment_event
from equipment.services.facts import (
    date_errors,
    maintenance_errors,
    sealed_source_errors,
)
from equipment.services.grants import require_equipment_edit, require_location_edit
from equipment.services.rollups import refresh_for_equipment
from equipment.services.status import STATUS_NOT_EDITED, record_status_change
from imaging_ops.access.permissions import Action, require
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.vocabulary import AreaClass, Modality

LOCATION_FIELDS = ("building", "room", "area_class", "secured_storage")
ROOM_TAKEN = "This site already has that room in that building."
TAG_TAKEN = "This site already has equipment with that asset tag."
# A site never moves: a room or a machine stays at the site its records and audit trail name.
LOCATION_SITE_FIXED = "A location cannot move to another site."
EQUIPMENT_SITE_FIXED = "Equipment cannot move to another site here."
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


@contextmanager
def _clash_is_a_field_error(field: str, message: str):
    """A duplicate that slips in between the check and the write (a double tap on Save) is the
    same field error the check gives, not a server error."""
    try:
        yield
    except IntegrityError as exc:
        raise ValidationError({field: message}) from exc


def refuse_site_move(obj: Location | Equipment, site) -> None:
    """A ValidationError when an edit of a location or equipment names another site. The
    update services take no site at all; a serializer that receives one asks here."""
    if site.pk != obj.site_id:
        raise ValidationError(
            LOCATION_SITE_FIXED if isinstance(obj, Location) else EQUIPMENT_SITE_FIXED
        )


# --- locations -----------------------------------------------------------------------------


def _validate_location(location: Location) -> None:
    clash = Location.objects.filter(
        site_id=location.site_id,
        building__iexact=location.building,
        room__iexact=location.room,
    ).exclude(pk=location.pk)
    if clash.exists():
        raise ValidationError({"room": ROOM_TAKEN})
    location.full_clean(exclude=["site"], validate_constraints=False)
    if location.pk and not location.secured_storage:
        sources = list(
            _sources_kept_at(location).order_by("asset_tag").values_list("asset_tag", flat=True)
        )
        if sources:
            raise ValidationError(
                {
                    "secured_storage": f"Sealed sources are kept here ({', '.join(sources)}); "
                    "move them to another secured room first (10 CFR 20.1801)."
                }
            )


def _sources_kept_at(location: Location):
    """The sealed sources at a location that must stay secured: all but disposed ones."""
    return Equipment.objects.filter(location=location, category=Category.SEALED_SOURCE).exclude(
        status=EquipmentStatus.DISPOSED
    )


def create_location(
    *,
    actor,
    site,
    building: str,
    room: str,
    area_class: str = AreaClass.UNRESTRICTED,
    secured_storage: bool = False,
) -> Location:
    require_location_edit(actor, site, area_class)
    location = Location(
        site=site,
        building=building.strip(),
        room=room.strip(),
        area_class=area_class,
        secured_storage=secured_storage,
    )
    _validate_location(location)
    with _clash_is_a_field_error("room", ROOM_TAKEN), regulated_transaction(actor=actor):
        location.save()
    return location


def update_location(*, actor, location: Location, **changes) -> Location:
    unknown = set(changes) - set(LOCATION_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed."))
    require_location_edit(actor, location.site_id, location.area_class)
    for field, value in changes.items():
        setattr(location, field, value.strip() if isinstance(value, str) else value)
    require_location_edit(actor, location.site_id, location.area_class)
    _validate_location(location)
    with _clash_is_a_field_error("room", ROOM_TAKEN), regulated_transaction(actor=actor):
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


def _cleaned(field: str, value):
    """Text trimmed; a blank date or number (an empty cell, say) stored as no value."""
    if isinstance(value, str):
        value = value.strip()
        if not value and field in NULLABLE_FIELDS:
            return None
    return value


NULLABLE_FIELDS = frozenset(
    f.name for f in Equipment._meta.concrete_fields if f.null and not f.is_relation
)


def _validate_equipment(
    equipment: Equipment, *, adopting: bool = False, entered: frozenset | None = None
) -> None:
    errors: dict[str, list[str]] = {}
    equipment.asset_tag = (equipment.asset_tag or "").strip()
    if equipment.asset_tag:
        clash = Equipment.objects.filter(
            site_id=equipment.site_id, asset_tag__iexact=equipment.asset_tag
        ).exclude(pk=equipment.pk)
        if clash.exists():
            errors["asset_tag"] = [TAG_TAKEN]
    if equipment.location_id and equipment.location.site_id != equipment.site_id:
        errors["location"] = ["Choose a location at the equipment's own site."]
    if equipment.category == Category.IMAGING_SYSTEM and not equipment.modalities:
        errors["modalities"] = ["An imaging system needs at least one modality."]
    try:
        equipment.full_clean(exclude=["site", "modalities"], validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    # The rules read parsed values only: a field that did not parse keeps that error alone.
    invalid = frozenset(errors)
    for rule_errors in (
        maintenance_errors(equipment, invalid),
        date_errors(equipment, invalid, adopting=adopting, entered=entered),
        sealed_source_errors(equipment, invalid),
    ):
        for field, message in rule_errors.items():
            errors.setdefault(field, [message])
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
    now: datetime | None = None,
    **details,
) -> Equipment:
    """New equipment awaits acceptance, unless a manager adopts it in service with a reason.

    `details` are any of DETAIL_FIELDS (manufacturer, model, serial number, dates, strategy,
    sealed-source facts, ...). `now` (default: the present) is when it was entered and adopted:
    a department moving in gives the day it started keeping its records here.
    """
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field is not known."))
    require_equipment_edit(actor, site, category)
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
        **{field: _cleaned(field, value) for field, value in details.items()},
    )
    _validate_equipment(equipment, adopting=adopt_in_service)
    now = now or timezone.now()
    with _clash_is_a_field_error("asset_tag", TAG_TAKEN), regulated_transaction(actor=actor):
        equipment.save()
        if adopt_in_service:
            record_status_change(
                equipment,
                to=EquipmentStatus.IN_SERVICE,
                reason=adoption_reason.strip(),
                actor=actor,
                now=now,
                kind=StatusChangeKind.ADOPTION,
            )
    return equipment


def validate_equipment_input(
    *, equipment: Equipment | None = None, site=None, adopt_in_service: bool = False, **fields
) -> None:
    """The registry's rules asked about some fields, saving nothing: a form with a field it
    could not read shows, in the same submit, what the rules say of the fields it could.

    `equipment` is the machine being edited (None for a new one at `site`); `fields` are any of
    EQUIPMENT_FIELDS. A field left out keeps the machine's value (or the default).
    """
    if equipment is None and site is None:
        return  # nothing to check against: the form says the site is missing
    candidate = copy.copy(equipment) if equipment is not None else Equipment(site=site)
    entered = None
    if equipment is not None:
        entered = frozenset(f for f, v in fields.items() if _differs(equipment, f, v))
    for field, value in fields.items():
        if field == "modalities":
            codes = clean_modalities(list(value))
            candidate.modalities, candidate.modality = codes, codes[0] if codes else ""
        elif field in EQUIPMENT_FIELDS:
            setattr(candidate, field, _cleaned(field, value))
    _validate_equipment(candidate, adopting=adopt_in_service, entered=entered)


def _differs(equipment: Equipment, field: str, value) -> bool:
    """Whether `value` (as a form or the API gives it) changes the stored field."""
    if field == "modalities":
        return True
    try:
        parsed = Equipment._meta.get_field(field).to_python(_cleaned(field, value))
    except ValidationError:
        return True
    return parsed != getattr(equipment, field)


def update_equipment(
    *, actor, equipment: Equipment, record_relocation: bool = False, **changes
) -> Equipment:
    """Edit the facts about a machine. Status is not among them: see change_equipment_status.

    A new location is a location edit (a portable unit wheeled to another room), unless
    `record_relocation` says it is a relocation: then a relocation event is recorded with the
    edit, and the procedures required after a relocation are due before the next return to
    service."""
    if "status" in changes:
        raise ValidationError({"status": STATUS_NOT_EDITED})
    unknown = set(changes) - set(EQUIPMENT_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
    require_equipment_edit(actor, equipment.site_id, equipment.category)
    old_modality = equipment.modality
    if "modalities" in changes:
        changes["modalities"] = clean_modalities(changes["modalities"])
        equipment.modality = changes["modalities"][0] if changes["modalities"] else ""
    entered = frozenset(f for f, v in changes.items() if _differs(equipment, f, v))
    located = equipment.location_id
    for field, value in changes.items():
        setattr(equipment, field, _cleaned(field, value))
    require_equipment_edit(actor, equipment.site_id, equipment.category)
    _validate_equipment(equipment, entered=entered)
    if record_relocation and equipment.location_id in (located, None):
        raise ValidationError(
            {"record_relocation": "Choose the new location to record the move as a relocation."}
        )
    now = timezone.now()
    with _clash_is_a_field_error("asset_tag", TAG_TAKEN), regulated_transaction(actor=actor):
        equipment.save()
        refresh_for_equipment(equipment, old_modality=old_modality)
        if record_relocation:
            where = equipment.location
            record_equipment_event(
                equipment,
                kind=RequiringEvent.RELOCATION,
                actor=actor,
                occurred_at=now,
                now=now,
                note=f"Moved to {where}." if where is not None else "Moved.",
            )
    return equipment
