"""Every write to locations and equipment, with its rules, in one place for pages and API."""

import copy
from contextlib import contextmanager
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from equipment.models import (
    Category,
    Equipment,
    EquipmentStatus,
    Location,
    MaintenanceStrategy,
    StatusChangeKind,
)
from equipment.services.grants import require_equipment_edit, require_location_edit
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
SEALED_SOURCE_FIELDS = ("radionuclide", "reference_activity", "activity_unit", "reference_date")

# Why alternative equipment maintenance (AEM) is refused, in the words the form shows.
AEM_REFUSED_IMAGING = (
    "Alternative maintenance is not allowed for imaging and radiologic equipment "
    "(CMS S&C 14-07); follow the manufacturer's schedule."
)
AEM_REFUSED_LASER = (
    "Alternative maintenance is not allowed for lasers (CMS S&C 14-07); "
    "follow the manufacturer's schedule."
)
AEM_REFUSED_NO_HISTORY = (
    "Alternative maintenance needs a maintenance history to base the plan on; equipment without "
    "one follows the manufacturer's schedule (CMS S&C 14-07)."
)
SECURED_STORAGE_REQUIRED = (
    "A sealed source must be kept at a secured-storage location (10 CFR 20.1801): choose a room "
    "marked as secured storage."
)


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


def _validate_equipment(equipment: Equipment, *, adopting: bool = False) -> None:
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
        _maintenance_errors(equipment, invalid),
        _date_errors(equipment, invalid, adopting=adopting),
        _sealed_source_errors(equipment, invalid),
    ):
        for field, message in rule_errors.items():
            errors.setdefault(field, [message])
    if errors:
        raise ValidationError(errors)


def _maintenance_errors(equipment: Equipment, invalid: frozenset[str]) -> dict[str, str]:
    """Alternative maintenance (AEM) only where CMS S&C 14-07 allows it."""
    if equipment.maintenance_strategy != MaintenanceStrategy.ALTERNATIVE or (
        "has_maintenance_history" in invalid
    ):
        return {}
    if equipment.category == Category.IMAGING_SYSTEM or equipment.modalities:
        return {"maintenance_strategy": AEM_REFUSED_IMAGING}
    if equipment.category == Category.LASER:
        return {"maintenance_strategy": AEM_REFUSED_LASER}
    if not equipment.has_maintenance_history:
        return {"maintenance_strategy": AEM_REFUSED_NO_HISTORY}
    return {}


# Imaging equipment and its sources are younger than this: an earlier date is a mistyped year.
EARLIEST_PLAUSIBLE_DATE = date(1950, 1, 1)
DATED_FIELDS = (
    "installed_on",
    "accepted_on",
    "warranty_ends_on",
    "contract_ends_on",
    "reference_date",
)


ACCEPTED_ON_SET_BY_ACCEPTANCE = (
    "Equipment awaiting acceptance has no acceptance date yet: the signed acceptance note sets "
    "it when the equipment goes into service. Leave it empty (or adopt equipment already in "
    "clinical use in service)."
)


def _date_errors(equipment: Equipment, invalid: frozenset[str], *, adopting: bool) -> dict:
    """Plausible years; installation and acceptance are facts that have happened (not after
    today at the site), in that order; and an acceptance date only once acceptance has happened
    (or for equipment adopted in service)."""
    errors = {
        field: f"{getattr(equipment, field):%Y-%m-%d} is before 1950: check the year."
        for field in DATED_FIELDS
        if field not in invalid
        and isinstance(getattr(equipment, field), date)
        and getattr(equipment, field) < EARLIEST_PLAUSIBLE_DATE
    }
    if errors:
        return errors
    installed, accepted = equipment.installed_on, equipment.accepted_on
    if invalid & {"installed_on", "accepted_on"}:
        return {}
    today = equipment.site.today(timezone.now())
    if installed and installed > today:
        errors["installed_on"] = "The installation date cannot be in the future."
    if accepted and accepted > today:
        errors["accepted_on"] = "The acceptance date cannot be in the future."
    elif accepted and equipment.status == EquipmentStatus.AWAITING_ACCEPTANCE and not adopting:
        errors["accepted_on"] = ACCEPTED_ON_SET_BY_ACCEPTANCE
    elif installed and accepted and accepted < installed and "installed_on" not in errors:
        errors["accepted_on"] = (
            f"Acceptance cannot come before installation (installed on {installed:%Y-%m-%d})."
        )
    return errors


def _sealed_source_errors(equipment: Equipment, invalid: frozenset[str]) -> dict[str, str]:
    """A sealed source carries its certified reference and is kept in secured storage; other
    equipment carries no sealed-source facts."""
    if equipment.category != Category.SEALED_SOURCE:
        return {
            field: "Only sealed sources have a radionuclide, reference activity and reference "
            "date; clear this or choose the category “Sealed source”."
            for field in SEALED_SOURCE_FIELDS
            if getattr(equipment, field) not in (None, "")
        }
    errors = {}
    if not equipment.radionuclide:
        errors["radionuclide"] = "Choose the radionuclide of this sealed source."
    # Blank may arrive as "" (an import's empty cell) as well as None.
    if equipment.reference_activity in (None, ""):
        errors["reference_activity"] = "Give the activity on the source's certificate."
    elif "reference_activity" not in invalid and equipment.reference_activity <= 0:
        errors["reference_activity"] = "The reference activity must be greater than zero."
    if not equipment.activity_unit:
        errors["activity_unit"] = "Choose the unit of the reference activity (Bq or Ci family)."
    if equipment.reference_date in (None, ""):
        errors["reference_date"] = "Give the date of the certified reference activity."
    elif "reference_date" not in invalid and equipment.reference_date > equipment.site.today(
        timezone.now()
    ):
        errors["reference_date"] = "The reference date cannot be in the future."
    if equipment.status != EquipmentStatus.DISPOSED and not (
        equipment.location is not None and equipment.location.secured_storage
    ):
        errors["location"] = SECURED_STORAGE_REQUIRED
    return errors


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
    now = timezone.now()
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
    for field, value in fields.items():
        if field == "modalities":
            codes = clean_modalities(list(value))
            candidate.modalities, candidate.modality = codes, codes[0] if codes else ""
        elif field in EQUIPMENT_FIELDS:
            setattr(candidate, field, _cleaned(field, value))
    _validate_equipment(candidate, adopting=adopt_in_service)


def update_equipment(*, actor, equipment: Equipment, **changes) -> Equipment:
    """Edit the facts about a machine. Status is not among them: see change_equipment_status."""
    if "status" in changes:
        raise ValidationError({"status": STATUS_NOT_EDITED})
    unknown = set(changes) - set(EQUIPMENT_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
    require_equipment_edit(actor, equipment.site_id, equipment.category)
    if "modalities" in changes:
        changes["modalities"] = clean_modalities(changes["modalities"])
        equipment.modality = changes["modalities"][0] if changes["modalities"] else ""
    for field, value in changes.items():
        setattr(equipment, field, _cleaned(field, value))
    require_equipment_edit(actor, equipment.site_id, equipment.category)
    _validate_equipment(equipment)
    with _clash_is_a_field_error("asset_tag", TAG_TAKEN), regulated_transaction(actor=actor):
        equipment.save()
    return equipment
