"""Assign a procedure to every unit of a modality at a site at once: one schedule on each active
unit that has none for it yet, in one transaction.

Which units are reached, and why some are skipped, is `equipment.selectors.procedures`'s
`assignment_plan`, the same answer the page previews; each schedule is made by
`equipment.services.schedules.create_schedule`, with its clock from the site's calendar.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError

from equipment.limits import BandMode
from equipment.models import CheckKind, Procedure, Schedule
from equipment.selectors.procedures import (
    Skipped,
    assignable_people,
    assignment_plan,
)
from equipment.services.grants import require_procedure_edit
from equipment.services.schedules import create_schedule
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.vocabulary import ASSIGNABLE_ROLES, Modality


@dataclass(frozen=True)
class Assignment:
    """What an assignment did: the schedules made, the units skipped with the reason, and the
    percent checks each new schedule needs a reference for before its first record."""

    created: tuple[Schedule, ...]
    skipped: tuple[Skipped, ...]
    references_needed: tuple[str, ...]


def validate_assignment(
    *, procedure: Procedure, site, modality, assignee=None, assignee_role: str = "", now
) -> None:
    """The assignment's own input as field errors: a site's own procedure, a modality it applies
    to, and an assignee who works at the site (a person or a role, not both)."""
    errors = {}
    version = procedure.current_version
    if procedure.is_library:
        errors["procedure"] = (
            "Copy the library procedure to the site first: schedules follow a site's own procedure."
        )
    elif procedure.site_id != site.pk:
        errors["procedure"] = "Choose a procedure of this site."
    if modality and modality not in Modality.values:
        errors["modality"] = f"“{modality}” is not a modality."
    elif modality and version.modalities and modality not in version.modalities:
        errors["modality"] = (
            f"This procedure applies to {', '.join(version.modalities)}: choose one of those."
        )
    elif not modality and (version.modalities or not version.categories):
        errors["modality"] = "Choose the modality whose units get the procedure."
    if assignee is not None and assignee_role:
        errors["assignee_role"] = "Assign the schedules to a person or to a role, not both."
    elif assignee_role and assignee_role not in ASSIGNABLE_ROLES:
        errors["assignee_role"] = f"“{assignee_role}” is not a role that performs work."
    elif assignee is not None and not _works_at(assignee, site, now=now):
        errors["assignee"] = "Choose a person who holds a role at this site."
    if errors:
        raise ValidationError(errors)


def assign_to_modality(
    *,
    actor,
    procedure: Procedure,
    site,
    modality: str | None,
    now: datetime,
    assignee=None,
    assignee_role: str = "",
    last_done: datetime | None = None,
) -> Assignment:
    """A schedule of `procedure` on each active unit of `modality` at `site` (and of the
    procedure's equipment categories, when it names any) that has none for it yet; the rest are
    skipped with the reason. `modality` may be None for a procedure that names categories and
    no modality (a leak test of sealed sources). All or nothing: one refused schedule (a
    last-done moment in the future, say) saves none."""
    version = procedure.current_version
    # Asked once, before any rule is heard: the RSO, for radiation procedures only.
    require_procedure_edit(actor, site, kind=procedure.kind, categories=version.categories)
    assignee_role = (assignee_role or "").strip()
    validate_assignment(
        procedure=procedure,
        site=site,
        modality=modality,
        assignee=assignee,
        assignee_role=assignee_role,
        now=now,
    )
    with regulated_transaction(actor=actor):
        # Two assignments of one procedure at once: the second waits, then skips what the
        # first made.
        Procedure.objects.select_for_update().get(pk=procedure.pk)
        plan = assignment_plan(procedure, site=site, modality=modality)
        created = tuple(
            create_schedule(
                actor=actor,
                equipment=unit,
                procedure=procedure,
                now=now,
                last_done=last_done,
                assignee=assignee,
                assignee_role=assignee_role,
            )
            for unit in plan.create
        )
    return Assignment(
        created=created, skipped=plan.skipped, references_needed=percent_check_keys(procedure)
    )


def percent_check_keys(procedure: Procedure) -> tuple[str, ...]:
    """The current version's percent checks: each schedule needs their reference."""
    checks = procedure.current_version.checks.filter(
        kind=CheckKind.NUMERIC, band_mode=BandMode.PERCENT
    ).order_by("position")
    return tuple(checks.values_list("key", flat=True))


def _works_at(person, site, *, now: datetime) -> bool:
    return assignable_people(site, now=now).filter(pk=person.pk).exists()
