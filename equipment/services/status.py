"""Equipment status: the one transition table, the return-to-service gate, and the one service
that changes status.

The gate is `GATE`, a tuple of blocker functions. Each belongs to a record type and reads through
that type's selector; each takes the equipment (row locked) and answers the sentences a person
can act on, empty when it does not block. A new record type that can hold equipment out of
service (work orders, required procedures, schedules past their hard limit) adds its function.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from equipment.models import Equipment, EquipmentStatus, EquipmentStatusChange, StatusChangeKind
from equipment.selectors.acceptance import acceptance_blockers, acceptance_date_on_entry
from equipment.selectors.events import event_blockers, event_evidence
from equipment.selectors.failures import failed_procedure_blockers, failure_evidence
from equipment.selectors.schedules import hard_limit_blockers
from equipment.selectors.work_orders import stop_use_blockers, unverified_completion_blockers
from equipment.services.grants import require_equipment_edit
from imaging_ops.access.permissions import Action, can, require
from imaging_ops.audit.trail import AuditAction, regulated_transaction
from imaging_ops.errors import Blocked
from imaging_ops.notifications.services import notify
from imaging_ops.people.selectors import managers_in_force
from imaging_ops.sites.local_time import local_time_text

S = EquipmentStatus

HIGH_RISK_OUT_OF_SERVICE_NOTIFICATION = "high_risk_out_of_service"

# The one transition table. Retired equipment goes back into service through the same gate as
# acceptance; disposal is final.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING_ACCEPTANCE: frozenset({S.IN_SERVICE, S.OUT_OF_SERVICE, S.RETIRED}),
    S.IN_SERVICE: frozenset({S.OUT_OF_SERVICE, S.RETIRED}),
    S.OUT_OF_SERVICE: frozenset({S.IN_SERVICE, S.RETIRED}),
    S.RETIRED: frozenset({S.DISPOSED, S.IN_SERVICE}),
    S.DISPOSED: frozenset(),
}

# Status is never one of the facts an edit changes: each way in says where it changes instead.
STATUS_NOT_EDITED = "Status changes only through the status action, with a reason."
STATUS_NOT_EDITED_IN_API = (
    "Status is not edited here: POST a status and reason to /api/v1/equipment/{id}/status/."
)

# The action a person needs to move equipment into each status.
ACTION_FOR_STATUS = {
    S.IN_SERVICE: Action.RETURN_TO_SERVICE,
    S.OUT_OF_SERVICE: Action.TAKE_OUT_OF_SERVICE,
    S.RETIRED: Action.EDIT_EQUIPMENT,
    S.DISPOSED: Action.EDIT_EQUIPMENT,
}

# What stands between equipment and clinical use: one function per record type that can block.
GATE = (
    acceptance_blockers,
    stop_use_blockers,
    unverified_completion_blockers,
    failed_procedure_blockers,
    event_blockers,
    hard_limit_blockers,
)
# What a return to service names: the records that satisfied the gate (records.evidence rows).
EVIDENCE = (failure_evidence, event_evidence)
GATE_CLOSED = "This equipment cannot return to service yet."


def return_to_service_blockers(equipment: Equipment) -> list[str]:
    """Every sentence from every blocker in the gate; empty when the equipment may go into
    service."""
    return [sentence for blocker in GATE for sentence in blocker(equipment)]


def gate_evidence(equipment: Equipment) -> list[dict]:
    """The records that satisfied the gate, each once (the first reason it was needed)."""
    seen, found = set(), []
    for source in EVIDENCE:
        for item in source(equipment):
            if item["record"] not in seen:
                seen.add(item["record"])
                found.append(item)
    return found


def statuses_offered(user, equipment: Equipment) -> list[str]:
    """The statuses the table allows from here that this person may move the equipment to
    (retiring a sealed source: the RSO's edit grant is checked by the service on saving)."""
    return [
        status
        for status in allowed_transitions(equipment)
        if can(user, ACTION_FOR_STATUS[status], equipment.site_id)
    ]


def allowed_transitions(equipment: Equipment) -> list[str]:
    return [s for s in S.values if s in TRANSITIONS[equipment.status]]


def record_status_change(
    equipment,
    *,
    to,
    reason,
    actor,
    now: datetime,
    kind=StatusChangeKind.CHANGE,
    accepted_on: date | None = None,
    satisfied_by: list[dict] | None = None,
):
    """Write the change and the new status, inside the caller's regulated transaction; the one
    place status is written (adoption uses it too). `accepted_on`, when acceptance opened this
    entry into service, becomes the equipment's acceptance date."""
    change = EquipmentStatusChange.objects.create(
        equipment=equipment,
        kind=kind,
        from_status=equipment.status,
        to_status=to,
        reason=reason,
        actor=actor,
        changed_at=now,
        satisfied_by=satisfied_by or [],
    )
    equipment.status = to
    equipment.updated_at = now
    equipment._audit_reason = reason
    equipment._audit_action = (
        AuditAction.ADOPT if kind == StatusChangeKind.ADOPTION else AuditAction.STATUS_CHANGE
    )
    fields = ["status", "updated_at"]
    if accepted_on is not None:
        equipment.accepted_on = accepted_on
        fields.append("accepted_on")
    equipment.save(update_fields=fields)
    return change


def change_equipment_status(
    *, equipment: Equipment, to: str, reason: str, actor, confirm_high_risk: bool = False
) -> EquipmentStatusChange:
    """Move equipment to a new status along the transition table, with a reason, or refuse.

    High-risk equipment goes out of service only with `confirm_high_risk` (the person
    understands it will be unavailable for patients), and the site's managers are told in the
    app, in the same transaction as the change: once per change, or not at all.
    """
    if to not in S.values:
        raise ValidationError({"status": f"“{to}” is not a status."})
    action = ACTION_FOR_STATUS.get(to)  # None for awaiting acceptance: the table refuses it
    if action == Action.EDIT_EQUIPMENT:
        # Retiring and disposing are edits: the RSO's limited grant covers sealed sources only.
        require_equipment_edit(actor, equipment.site_id, equipment.category)
    elif action is not None:
        require(actor, action, equipment.site_id)
    errors = unconfirmed_high_risk(equipment, to=to, confirmed=confirm_high_risk)
    if not (reason or "").strip():
        errors["reason"] = "Give a reason for the status change."
    if errors:
        raise ValidationError(errors)
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
        # Asked again of the stored row: it may have been marked high risk meanwhile.
        errors = unconfirmed_high_risk(current, to=to, confirmed=confirm_high_risk)
        if errors:
            raise ValidationError(errors)
        accepted_on, satisfied_by = None, []
        if to == S.IN_SERVICE:
            blockers = return_to_service_blockers(current)
            if blockers:
                raise Blocked("status", blockers, GATE_CLOSED)
            accepted_on = acceptance_date_on_entry(current)
            satisfied_by = gate_evidence(current)
        change = record_status_change(
            current,
            to=to,
            reason=reason.strip(),
            actor=actor,
            now=now,
            accepted_on=accepted_on,
            satisfied_by=satisfied_by,
        )
        if to == S.OUT_OF_SERVICE and current.high_risk:
            _tell_managers_of_outage(current, change)
    equipment.status = current.status
    equipment.updated_at = current.updated_at
    equipment.accepted_on = current.accepted_on
    return change


def unconfirmed_high_risk(equipment: Equipment, *, to: str, confirmed: bool) -> dict:
    """The field error when high-risk equipment would go out of service unconfirmed."""
    if to != S.OUT_OF_SERVICE or not equipment.high_risk or confirmed:
        return {}
    return {
        "confirm_high_risk": (
            f"{equipment.asset_tag} is high-risk equipment: confirm that it will be unavailable "
            "for patients while it is out of service."
        )
    }


def _tell_managers_of_outage(equipment: Equipment, change: EquipmentStatusChange) -> None:
    """One notification to each manager of the site, except the person who made the change:
    they know already, and the others need to plan for the machine being down."""
    site = equipment.site
    for manager in managers_in_force(site, change.changed_at):
        if manager.pk == change.actor_id:
            continue
        notify(
            user=manager,
            site=site,
            kind=HIGH_RISK_OUT_OF_SERVICE_NOTIFICATION,
            title=f"High-risk equipment out of service: {equipment.asset_tag} at {site.code}",
            body=(
                f"{change.actor.display_name} took {equipment.asset_tag} — {equipment.name} out "
                f"of service at {local_time_text(change.changed_at, site.zone)}. It is "
                "unavailable for patients until it is returned to service. "
                f"Reason given: {change.reason}"
            ),
            url=reverse("equipment:detail", args=[equipment.pk]),
            now=change.changed_at,
        )
