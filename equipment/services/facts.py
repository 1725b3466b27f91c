"""The rules for a machine's facts, each a function from the equipment (as it would be saved)
to field-keyed messages: the maintenance strategy (CMS S&C 14-07), dates (plausible years;
installation and acceptance as facts that have happened, in order; an acceptance date only once
acceptance has happened), and sealed sources (their certificate, secured storage).

`equipment.services.registry` runs them on every create and edit; `invalid` names the fields
that did not parse, whose own error stands alone.
"""

from datetime import date

from django.utils import timezone

from equipment.models import Category, Equipment, EquipmentStatus, MaintenanceStrategy
from equipment.selectors.acceptance import needs_acceptance

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


def maintenance_errors(equipment: Equipment, invalid: frozenset[str]) -> dict[str, str]:
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


def date_errors(
    equipment: Equipment, invalid: frozenset[str], *, adopting: bool, entered: frozenset | None
) -> dict:
    """Plausible years; installation and acceptance are facts that have happened (not after
    today at the site), in that order; and an acceptance date only once acceptance has happened
    (or for equipment adopted in service).

    `entered`: the fields this write sets (None: all, for new equipment). The facts-that-have-
    happened rules judge what is typed now, so a row entered before them stays editable.
    """
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

    def typed(field: str) -> bool:
        return entered is None or field in entered

    today = equipment.site.today(timezone.now())
    if installed and installed > today and typed("installed_on"):
        errors["installed_on"] = "The installation date cannot be in the future."
    if accepted and typed("accepted_on") and accepted > today:
        errors["accepted_on"] = "The acceptance date cannot be in the future."
    elif accepted and typed("accepted_on") and not adopting and awaits_acceptance(equipment):
        errors["accepted_on"] = ACCEPTED_ON_SET_BY_ACCEPTANCE
    elif installed and accepted and accepted < installed and "installed_on" not in errors:
        errors["accepted_on"] = (
            f"Acceptance cannot come before installation (installed on {installed:%Y-%m-%d})."
        )
    return errors


def awaits_acceptance(equipment: Equipment) -> bool:
    """New equipment, or equipment not in service since it was entered or last retired (the
    acceptance gate's own reading): its acceptance has not happened yet."""
    return equipment.pk is None or needs_acceptance(equipment)[0]


def sealed_source_errors(equipment: Equipment, invalid: frozenset[str]) -> dict[str, str]:
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
