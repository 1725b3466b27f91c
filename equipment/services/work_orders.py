"""Writes of work orders: open one (a reported fault, or a failed check's consequence), move it
along the one transition table, complete it with a signature, countersign a field engineer's
completion, verify it, and keep its lines and service reports.

Every transition is asked of `refusal()` first — the table, then who may, then what the target
state needs — so a page can offer exactly the transitions the person may take and explain the
others in the same words the service refuses with. Each write runs in `regulated_transaction()`
and the audit mixin records the field-level change with the reason given.

Who may (docs/work-orders.md): assigning, verifying and reopening a completed repair need
"assign and verify work orders" (physicist, manager); cancelling needs "cancel a work order"
(physicist, manager) and a reason; starting, pausing for parts or the vendor, and completing
are for those same people or for the work order's assignee, who performs records at the site.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from equipment.limits import Outcome
from equipment.models import (
    CLOSED_STATES,
    Equipment,
    EquipmentStatus,
    LineKind,
    RequiringEvent,
    WorkOrder,
    WorkOrderAttachment,
    WorkOrderCompletion,
    WorkOrderLine,
    WorkOrderPriority,
    WorkOrderState,
)
from equipment.services.attachments import MAX_FILES, AttachmentError, read_upload
from equipment.services.events import record_equipment_event
from equipment.services.status import TRANSITIONS as STATUS_TRANSITIONS
from equipment.services.status import change_equipment_status, record_status_change
from imaging_ops.access.permissions import Action, can, require
from imaging_ops.audit.trail import AuditAction, record_event, regulated_transaction
from imaging_ops.errors import Conflict
from imaging_ops.models import Meaning, User
from imaging_ops.records.signatures import check_signature, write_signature
from imaging_ops.records.versioning import REVIEW_MEANINGS

W = WorkOrderState

# The one transition table. Cancelled is reachable from every open state; verified and
# cancelled are final. A completed work order is still open: it blocks service until verified.
TRANSITIONS: dict[str, frozenset[str]] = {
    W.REPORTED: frozenset({W.ASSIGNED, W.IN_PROGRESS, W.CANCELLED}),
    W.ASSIGNED: frozenset({W.ASSIGNED, W.IN_PROGRESS, W.CANCELLED}),
    W.IN_PROGRESS: frozenset(
        {W.ASSIGNED, W.AWAITING_PARTS, W.AWAITING_VENDOR, W.COMPLETED, W.CANCELLED}
    ),
    W.AWAITING_PARTS: frozenset({W.IN_PROGRESS, W.AWAITING_VENDOR, W.COMPLETED, W.CANCELLED}),
    W.AWAITING_VENDOR: frozenset({W.IN_PROGRESS, W.AWAITING_PARTS, W.COMPLETED, W.CANCELLED}),
    W.COMPLETED: frozenset({W.VERIFIED, W.IN_PROGRESS, W.CANCELLED}),
    W.VERIFIED: frozenset(),
    W.CANCELLED: frozenset(),
}
# The work itself: its assignee may move it through these, as may a physicist or manager.
WORK_STATES = frozenset({W.IN_PROGRESS, W.AWAITING_PARTS, W.AWAITING_VENDOR, W.COMPLETED})
# How a button names each move.
VERBS = {
    W.ASSIGNED: "Assign",
    W.IN_PROGRESS: "Start work",
    W.AWAITING_PARTS: "Wait for parts",
    W.AWAITING_VENDOR: "Wait for the vendor",
    W.COMPLETED: "Complete",
    W.VERIFIED: "Verify",
    W.CANCELLED: "Cancel",
}
NEEDS_REASON = "Give a reason."
# The signing dialog's field a missing signature is reported on.
SIGNATURE_FIELD = "password"
MAX_PROBLEM = 5000


def verb(work_order: WorkOrder, to: str) -> str:
    if to == W.IN_PROGRESS and work_order.state == W.COMPLETED:
        return "Reopen"
    if to == W.IN_PROGRESS and work_order.state in (W.AWAITING_PARTS, W.AWAITING_VENDOR):
        return "Resume work"
    if to == W.ASSIGNED and work_order.state != W.REPORTED:
        return "Reassign"
    return VERBS[to]


# --- Who may do what, said once ----------------------------------------------------------------


def _is_assignee(actor, work_order: WorkOrder) -> bool:
    return work_order.assignee_id is not None and work_order.assignee_id == actor.pk


def refusal(actor, work_order: WorkOrder, to: str) -> str | None:
    """Why `actor` may not move the work order to `to` now, or None when they may. The table
    first, then the person's authority; what the move needs besides (an assignee, a reason, a
    signature) is checked when it is asked."""
    site_id = work_order.equipment.site_id
    if to not in W.values:
        return f"“{to}” is not a work-order state."
    state = W(work_order.state)
    if to not in TRANSITIONS[state]:
        if state in CLOSED_STATES:
            return f"This work order is {state.label.lower()}: it cannot change any more."
        return f"A work order that is {state.label.lower()} cannot become {W(to).label.lower()}."
    manages = can(actor, Action.MANAGE_WORK_ORDERS, site_id)
    if to == W.CANCELLED:
        if not can(actor, Action.CANCEL_WORK_ORDERS, site_id):
            return "Only a physicist or manager at this site may cancel a work order."
        return None
    if to in (W.ASSIGNED, W.VERIFIED) or state == W.COMPLETED:
        if not manages:
            what = {W.ASSIGNED: "assign", W.VERIFIED: "verify"}.get(to, "reopen")
            return f"Only a physicist or manager at this site may {what} a work order."
        return None
    if to in WORK_STATES:
        if manages:
            return None
        if not _is_assignee(actor, work_order):
            return (
                "Only the work order's assignee, or a physicist or manager at this site, may "
                "move its work along."
            )
        if not can(actor, Action.PERFORM_RECORDS, site_id):
            return "You no longer perform work at this site."
        return None
    return None  # pragma: no cover - every state is one of the above


def require_transition(actor, work_order: WorkOrder, to: str) -> None:
    """PermissionDenied (who may) or Conflict (the table) with `refusal()`'s reason."""
    why = refusal(actor, work_order, to)
    if why is None:
        return
    if to not in W.values or to not in TRANSITIONS[work_order.state]:
        raise Conflict(why)
    raise PermissionDenied(why)


@dataclass(frozen=True)
class Offer:
    """A transition as a page offers it: its target, the button's words, and, when refused,
    why."""

    to: str
    label: str
    refused: str | None


def transitions_offered(actor, work_order: WorkOrder) -> list[Offer]:
    """Every move the table allows from here, each with the reason when this person may not."""
    return [
        Offer(to=to, label=verb(work_order, to), refused=refusal(actor, work_order, to))
        for to in W.values
        if to in TRANSITIONS[work_order.state]
    ]


# --- Opening a work order ----------------------------------------------------------------------


def _clean_text(value, *, field: str, required: bool, errors: dict, limit: int = MAX_PROBLEM):
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        errors[field] = "Enter text."
        return ""
    if required and not text:
        errors[field] = "Describe the problem." if field == "problem" else "This field is required."
    elif len(text) > limit:
        errors[field] = f"Keep this under {limit} characters."
    return text


def _assignee_errors(assignee, site_id: int) -> str | None:
    if assignee is None:
        return None
    if not isinstance(assignee, User) or not assignee.is_active:
        return "Choose a person who works at this site."
    if not can(assignee, Action.PERFORM_RECORDS, site_id):
        return "Choose a person who performs work at this site."
    return None


def validate_work_order(
    *, equipment: Equipment, problem, priority, due_on, assignee, vendor, vendor_reference
) -> dict:
    """The fields of a new work order, trimmed, or every problem with them at once."""
    errors: dict = {}
    cleaned = {
        "problem": _clean_text(problem, field="problem", required=True, errors=errors),
        "vendor": _clean_text(vendor, field="vendor", required=False, errors=errors, limit=200),
        "vendor_reference": _clean_text(
            vendor_reference, field="vendor_reference", required=False, errors=errors, limit=100
        ),
    }
    priority = priority or WorkOrderPriority.NORMAL
    if priority not in WorkOrderPriority.values:
        errors["priority"] = "Choose urgent, high, normal or low."
    if due_on is not None and not isinstance(due_on, date):
        errors["due_on"] = "Enter a date."
    problem_assignee = _assignee_errors(assignee, equipment.site_id)
    if problem_assignee:
        errors["assignee"] = problem_assignee
    if equipment.status == EquipmentStatus.DISPOSED:
        errors["equipment"] = "This equipment has been disposed of: it takes no work orders."
    if errors:
        raise ValidationError(errors)
    return {**cleaned, "priority": priority, "due_on": due_on, "assignee": assignee}


def _create(*, equipment, actor, now, **fields) -> WorkOrder:
    state = W.ASSIGNED if fields.get("assignee") is not None else W.REPORTED
    work_order = WorkOrder(
        equipment=equipment,
        reporter=actor,
        state=state,
        opened_at=now,
        updated_at=now,
        **fields,
    )
    work_order.full_clean(exclude=["equipment", "reporter", "assignee", "source_record"])
    work_order.save()
    return work_order


def open_work_order(
    *,
    actor,
    equipment: Equipment,
    problem: str,
    now: datetime,
    priority: str = WorkOrderPriority.NORMAL,
    due_on: date | None = None,
    assignee=None,
    vendor: str = "",
    vendor_reference: str = "",
    stop_use: bool = False,
    take_out_of_service: bool = False,
) -> WorkOrder:
    """Open a work order on the equipment: anyone who may report a fault at its site. An
    assignee given needs "assign and verify work orders" and opens it as assigned.
    `take_out_of_service` also takes the equipment out of service at once (the work order then
    holds it out, `stop_use`), in the same transaction: both happen or neither."""
    require(actor, Action.TAKE_OUT_OF_SERVICE, equipment.site_id)
    if assignee is not None:
        require(actor, Action.MANAGE_WORK_ORDERS, equipment.site_id)
    fields = validate_work_order(
        equipment=equipment,
        problem=problem,
        priority=priority,
        due_on=due_on,
        assignee=assignee,
        vendor=vendor,
        vendor_reference=vendor_reference,
    )
    stop_use = bool(stop_use or take_out_of_service)
    with regulated_transaction(actor=actor):
        work_order = _create(equipment=equipment, actor=actor, now=now, stop_use=stop_use, **fields)
        if take_out_of_service and equipment.status != EquipmentStatus.OUT_OF_SERVICE:
            change_equipment_status(
                equipment=equipment,
                to=EquipmentStatus.OUT_OF_SERVICE,
                reason=f"Fault reported (work order {work_order.pk}): {fields['problem']}",
                actor=actor,
                # Ticking "take it out of service now" is the confirmation that it will be
                # unavailable for patients.
                confirm_high_risk=True,
            )
    return work_order


def report_fault(
    *,
    actor,
    equipment: Equipment,
    problem: str,
    now: datetime,
    priority: str | None = None,
    take_out_of_service: bool = False,
) -> WorkOrder:
    """A fault reported from the equipment page: a new work order, optionally taking the
    machine out of service at once."""
    return open_work_order(
        actor=actor,
        equipment=equipment,
        problem=problem,
        priority=priority or WorkOrderPriority.NORMAL,
        take_out_of_service=take_out_of_service,
        now=now,
    )


# --- The transitions ---------------------------------------------------------------------------


def _money(value, field: str, errors: dict, *, places="0.01", positive=False) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[field] = "Enter a number."
        return None
    if not number.is_finite() or number < 0 or (positive and number == 0):
        errors[field] = "Enter a positive number." if positive else "Enter zero or more."
        return None
    if number != number.quantize(Decimal(places)) or number >= Decimal("1e9"):
        errors[field] = "Use at most two decimal places and under a billion."
        return None
    return number


def _completion_fields(work_order: WorkOrder, completion: dict | None) -> dict:
    completion = dict(completion or {})
    errors: dict = {}
    cleaned = {
        "resolution": _clean_text(
            completion.get("resolution"), field="resolution", required=True, errors=errors
        ),
        "root_cause": _clean_text(
            completion.get("root_cause"), field="root_cause", required=True, errors=errors
        ),
        "external_name": _clean_text(
            completion.get("external_name"),
            field="external_name",
            required=False,
            errors=errors,
            limit=200,
        ),
        "external_organisation": _clean_text(
            completion.get("external_organisation"),
            field="external_organisation",
            required=False,
            errors=errors,
            limit=200,
        ),
        "major_repair": bool(completion.get("major_repair", work_order.major_repair)),
        "opened_enclosure": bool(completion.get("opened_enclosure", work_order.opened_enclosure)),
    }
    if "resolution" in errors:
        errors["resolution"] = "Say what was done to repair it."
    if "root_cause" in errors:
        errors["root_cause"] = "Say what caused the fault (or “not found”)."
    if cleaned["external_organisation"] and not cleaned["external_name"]:
        errors["external_name"] = "Name the field engineer who did the work."
    if cleaned["external_name"] and not cleaned["external_organisation"]:
        errors["external_organisation"] = "Name the field engineer's organisation."
    if errors:
        raise ValidationError(errors)
    return cleaned


def _needs(work_order: WorkOrder, to: str, *, reason: str, assignee, completion, signature):
    """What the move needs besides authority, every problem at once."""
    errors: dict = {}
    reopening = to == W.IN_PROGRESS and work_order.state == W.COMPLETED
    if (to == W.CANCELLED or reopening) and not (reason or "").strip():
        errors["reason"] = "Give the reason for cancelling." if to == W.CANCELLED else NEEDS_REASON
    if to == W.ASSIGNED:
        if assignee is None:
            errors["assignee"] = "Choose who does the work."
        else:
            problem = _assignee_errors(assignee, work_order.equipment.site_id)
            if problem:
                errors["assignee"] = problem
    cleaned = None
    if to == W.COMPLETED:
        try:
            cleaned = _completion_fields(work_order, completion)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        external = (cleaned or {}).get("external_name") or (completion or {}).get("external_name")
        if not external and signature is None:
            errors[SIGNATURE_FIELD] = (
                "Sign the completion with your password: you did the work, or name the field "
                "engineer who did."
            )
    if to == W.VERIFIED:
        version = work_order.current_version
        if version is None:
            errors["to"] = "This work order has no completion to verify."
        elif not _completion_signed(version):
            errors["to"] = (
                "The field engineer's completion is not countersigned yet: a physicist or "
                "manager other than the person who recorded it countersigns it first."
            )
        if signature is None:
            errors[SIGNATURE_FIELD] = "Sign the verification with your password."
    if errors:
        raise ValidationError(errors)
    return cleaned


def _completion_signed(version: WorkOrderCompletion) -> bool:
    meanings = {s.meaning for s in version.signatures.all()}
    if version.is_external:
        return bool(meanings & REVIEW_MEANINGS)
    return Meaning.PERFORMED in meanings


def _draft_completion(work_order: WorkOrder, cleaned: dict, *, actor, now) -> WorkOrderCompletion:
    previous = work_order.current_version
    version = WorkOrderCompletion(
        number=(previous.number + 1) if previous else 1,
        created_at=now,
        created_by=actor,
        amendment_reason="",
        completed_at=now,
        resolution=cleaned["resolution"],
        root_cause=cleaned["root_cause"],
        major_repair=cleaned["major_repair"],
        opened_enclosure=cleaned["opened_enclosure"],
        external_name=cleaned["external_name"],
        external_organisation=cleaned["external_organisation"],
        lines=[line.content() for line in work_order.lines.all()],
        attachments=[a.content() for a in work_order.attachments.all()],
    )
    version.work_order = work_order
    return version


def _signature_kwargs(signature: dict, *, meaning: str) -> dict:
    keep = ("password", "username", "session", "via_api", "acknowledge_policy")
    return {"meaning": meaning, **{k: signature[k] for k in keep if k in signature}}


def _writing(signature: dict) -> dict:
    keep = ("meaning", "acknowledge_policy", "session", "via_api")
    return {"acknowledge_policy": False, **{k: signature[k] for k in keep if k in signature}}


def transition_work_order(
    *,
    work_order: WorkOrder,
    to: str,
    actor,
    now: datetime,
    reason: str = "",
    assignee=None,
    completion: dict | None = None,
    signature: dict | None = None,
) -> WorkOrder:
    """Move the work order to `to` along the table, or refuse with the reason: Conflict when
    the table does not allow it, PermissionDenied when this person may not, ValidationError
    (field errors) when the move lacks what it needs.

    - assigned: `assignee`, a person who performs work at the site;
    - completed: `completion` (resolution, root_cause, optional major_repair, opened_enclosure,
      external_name and external_organisation for a field engineer) and, for one's own work,
      `signature` (password, username, session, via_api, acknowledge_policy): signed
      "performed"; a field engineer's completion is countersigned after
      (`countersign_work_order`);
    - verified: the completion signed (countersigned when external) and `signature`, signed
      "corrective action verified";
    - cancelled, and reopening a completed one: `reason`.
    """
    require_transition(actor, work_order, to)
    reason = (reason or "").strip()
    cleaned = _needs(
        work_order,
        to,
        reason=reason,
        assignee=assignee,
        completion=completion,
        signature=signature,
    )
    version = None
    if to == W.COMPLETED:
        version = _draft_completion(work_order, cleaned, actor=actor, now=now)
        if signature is not None and not version.is_external:
            check_signature(
                version=version,
                signer=actor,
                now=now,
                **_signature_kwargs(signature, meaning=Meaning.PERFORMED),
            )
        elif signature is not None:
            raise ValidationError(
                {SIGNATURE_FIELD: "A field engineer's completion is saved, then countersigned."}
            )
    if to == W.VERIFIED:
        check_signature(
            version=work_order.current_version,
            signer=actor,
            now=now,
            **_signature_kwargs(signature, meaning=Meaning.CORRECTIVE_ACTION_VERIFIED),
        )
    with regulated_transaction(actor=actor):
        current = (
            WorkOrder.objects.select_for_update().select_related("equipment").get(pk=work_order.pk)
        )
        # Asked again of the stored row: someone may have moved it meanwhile.
        if current.state != work_order.state:
            raise Conflict(
                f"This work order became {current.get_state_display().lower()} meanwhile; "
                "read it again."
            )
        current.state = to
        current.updated_at = now
        current._audit_reason = reason
        if to == W.ASSIGNED:
            current.assignee = assignee
        elif to == W.IN_PROGRESS and current.assignee_id is None:
            current.assignee = actor  # who starts unassigned work takes it
        if to == W.CANCELLED:
            current.cancel_reason = reason
        if to in CLOSED_STATES:
            current.closed_at = now
        if to == W.COMPLETED:
            version.work_order = current
            version.full_clean(exclude=["work_order"])
            version.save()
            current.current_version = version
            current.resolution = version.resolution
            current.root_cause = version.root_cause
            current.major_repair = version.major_repair
            current.opened_enclosure = version.opened_enclosure
        current.save()
        if to == W.COMPLETED:
            _record_repair_events(current, version, actor=actor, now=now)
        if to == W.COMPLETED and signature is not None:
            write_signature(
                version=version,
                signer=actor,
                now=now,
                **_writing({**signature, "meaning": Meaning.PERFORMED}),
            )
        if to == W.VERIFIED:
            write_signature(
                version=current.current_version,
                signer=actor,
                now=now,
                **_writing({**signature, "meaning": Meaning.CORRECTIVE_ACTION_VERIFIED}),
            )
    work_order.refresh_from_db()
    return work_order


def _record_repair_events(work_order: WorkOrder, version, *, actor, now: datetime) -> None:
    """A completed major repair, or a repair that opened the enclosure, is an event on the
    machine: the procedures that name it (the mammography equipment evaluation, IEC 62353
    electrical safety) are required, passing and signed after it, before service."""
    kinds = [
        kind
        for kind, done in (
            (RequiringEvent.MAJOR_REPAIR, version.major_repair),
            (RequiringEvent.ENCLOSURE_OPENED, version.opened_enclosure),
        )
        if done
    ]
    for kind in kinds:
        record_equipment_event(
            work_order.equipment,
            kind=kind,
            actor=actor,
            occurred_at=version.completed_at,
            note=f"Work order #{work_order.pk}: {version.resolution}"[:500],
            source_work_order_id=work_order.pk,
            now=now,
        )


def countersign_work_order(*, work_order: WorkOrder, signer, now: datetime, **signature):
    """A field engineer's completion countersigned "reviewed" by a physicist or manager who did
    not record it; verification waits for it."""
    version = work_order.current_version
    if work_order.state != W.COMPLETED or version is None:
        raise Conflict("Only a completed work order's completion is countersigned.")
    if not version.is_external:
        raise Conflict(
            "This completion was signed by the person who did the work: it needs no "
            "countersignature."
        )
    require(signer, Action.MANAGE_WORK_ORDERS, work_order.equipment.site_id)
    kwargs = _signature_kwargs(signature, meaning=Meaning.REVIEWED)
    check_signature(version=version, signer=signer, now=now, **kwargs)
    with regulated_transaction(actor=signer):
        return write_signature(version=version, signer=signer, now=now, **_writing({**kwargs}))


# --- Details, lines and service reports -------------------------------------------------------


def require_work_order_edit(actor, work_order: WorkOrder) -> None:
    """Lines, reports and details of an open work order: its assignee (performing work at the
    site) or a physicist or manager."""
    if not work_order.is_open:
        raise Conflict(
            f"This work order is {work_order.get_state_display().lower()}: it cannot change "
            "any more."
        )
    if work_order.state == W.COMPLETED:
        raise Conflict("This work order is completed: reopen it to change what was done.")
    site_id = work_order.equipment.site_id
    if can(actor, Action.MANAGE_WORK_ORDERS, site_id):
        return
    if _is_assignee(actor, work_order) and can(actor, Action.PERFORM_RECORDS, site_id):
        return
    raise PermissionDenied(
        "Only the work order's assignee, or a physicist or manager at this site, may change it."
    )


EDITABLE = ("priority", "due_on", "vendor", "vendor_reference", "major_repair", "opened_enclosure")


def update_work_order(*, actor, work_order: WorkOrder, now: datetime, **changes) -> WorkOrder:
    """Change the priority, due date, vendor and its reference, or the repair's flags."""
    require_work_order_edit(actor, work_order)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field is not changed here."))
    errors: dict = {}
    if "priority" in changes and changes["priority"] not in WorkOrderPriority.values:
        errors["priority"] = "Choose urgent, high, normal or low."
    if changes.get("due_on") is not None and not isinstance(changes["due_on"], date):
        errors["due_on"] = "Enter a date."
    for flag in ("major_repair", "opened_enclosure"):
        if flag in changes and not isinstance(changes[flag], bool):
            errors[flag] = "Answer yes or no."
    for name, limit in (("vendor", 200), ("vendor_reference", 100)):
        if name in changes:
            changes[name] = _clean_text(
                changes[name], field=name, required=False, errors=errors, limit=limit
            )
    if errors:
        raise ValidationError(errors)
    with regulated_transaction(actor=actor):
        current = WorkOrder.objects.select_for_update().get(pk=work_order.pk)
        for name, value in changes.items():
            setattr(current, name, value)
        current.updated_at = now
        current.save()
    work_order.refresh_from_db()
    return work_order


def add_work_order_line(
    *, actor, work_order: WorkOrder, kind: str, description: str, quantity, unit_cost, now
) -> WorkOrderLine:
    """A part used or labour spent, with its quantity and unit cost."""
    require_work_order_edit(actor, work_order)
    errors: dict = {}
    if kind not in LineKind.values:
        errors["kind"] = "Choose part or labour."
    description = _clean_text(
        description, field="description", required=True, errors=errors, limit=200
    )
    quantity = _money(quantity, "quantity", errors, positive=True)
    unit_cost = _money(unit_cost, "unit_cost", errors)
    if errors:
        raise ValidationError(errors)
    with regulated_transaction(actor=actor):
        return WorkOrderLine.objects.create(
            work_order=work_order,
            kind=kind,
            description=description,
            quantity=quantity,
            unit_cost=unit_cost,
            added_at=now,
            added_by=actor,
        )


def attach_to_work_order(*, actor, work_order: WorkOrder, files, now) -> list:
    """Service reports attached, each checked as a record's attachments are (kind, size,
    first bytes), all or none."""
    require_work_order_edit(actor, work_order)
    files = list(files or [])
    if not files:
        raise ValidationError({"files": "Choose a file to attach."})
    if work_order.attachments.count() + len(files) > MAX_FILES:
        raise ValidationError({"files": f"A work order keeps at most {MAX_FILES} files."})
    try:
        uploads = [read_upload(file) for file in files]
    except AttachmentError as exc:
        raise ValidationError({"files": str(exc)}) from None
    made = []
    with regulated_transaction(actor=actor):
        for upload in uploads:
            attachment = WorkOrderAttachment(
                work_order=work_order,
                name=upload.name,
                content_type=upload.content_type,
                size=upload.size,
                sha256=upload.sha256,
                uploaded_at=now,
                uploaded_by=actor,
            )
            attachment.file.save(upload.name, ContentFile(upload.data), save=False)
            attachment.save()
            made.append(attachment)
    return made


# --- Consequences of a service record ---------------------------------------------------------


def _failure_text(record, failed) -> str:
    parts = []
    for measurement in failed:
        check = measurement.procedure_check
        unit = (measurement.band or {}).get("unit") or check.unit
        value = f"{measurement.value_text} {unit}".strip()
        parts.append(f"{check.name}: {value}")
    procedure = record.procedure
    return (
        f"{procedure.code} on {record.equipment.asset_tag} failed at action level "
        f"(record {record.pk}): " + "; ".join(parts) + "."
    )


def _take_out(equipment: Equipment, *, actor, reason: str) -> None:
    """Out of service through the status service, unless it is out already or cannot be."""
    current = Equipment.objects.get(pk=equipment.pk)
    if EquipmentStatus.OUT_OF_SERVICE not in STATUS_TRANSITIONS[current.status]:
        return
    if not can(actor, Action.TAKE_OUT_OF_SERVICE, current.site_id):
        # A trainee's failing record still stops the machine: the consequence is the
        # procedure's, not the person's authority.
        locked = Equipment.objects.select_for_update().get(pk=current.pk)
        if EquipmentStatus.OUT_OF_SERVICE in STATUS_TRANSITIONS[locked.status]:
            record_status_change(
                locked,
                to=EquipmentStatus.OUT_OF_SERVICE,
                reason=reason,
                actor=actor,
                now=timezone.now(),
            )
        return
    change_equipment_status(
        equipment=current,
        to=EquipmentStatus.OUT_OF_SERVICE,
        reason=reason,
        actor=actor,
        confirm_high_risk=True,  # the performer confirmed the action-level value
    )


def apply_failure_behaviour(*, record, version, actor, now: datetime) -> WorkOrder | None:
    """What a signed record's action-level failures do, in the record's transaction: a check
    with `stop_use` takes the equipment out of service and opens a stop-use work order; one
    with `correct_within_days` opens a work order due that many days from today at the site;
    both may apply, to one work order. An open work order of the same equipment and procedure,
    not yet completed, is joined instead (its due date brought forward, stop-use added). Never
    reversed here."""
    failed = [
        m
        for m in version.measurements.select_related("procedure_check")
        if m.result == Outcome.ACTION
        and (m.procedure_check.stop_use or m.procedure_check.correct_within_days is not None)
    ]
    if not failed:
        return None
    equipment = record.equipment
    stop = any(m.procedure_check.stop_use for m in failed)
    days = [
        m.procedure_check.correct_within_days
        for m in failed
        if m.procedure_check.correct_within_days is not None
    ]
    due_on = equipment.site.today(now) + timedelta(days=min(days)) if days else None
    problem = _failure_text(record, failed)
    with regulated_transaction(actor=actor):
        existing = (
            WorkOrder.objects.select_for_update()
            .filter(
                equipment=equipment,
                source_procedure=record.procedure,
                # A completed repair that failed again is not joined: it stays to be verified
                # (or reopened) on its own, and the new failure is a work order of its own.
                state__in=[s for s in W.values if s not in CLOSED_STATES | {W.COMPLETED}],
            )
            .order_by("opened_at", "pk")
            .first()
        )
        if existing is None:
            work_order = _create(
                equipment=equipment,
                actor=actor,
                now=now,
                problem=problem,
                priority=WorkOrderPriority.URGENT if stop else WorkOrderPriority.HIGH,
                due_on=due_on,
                stop_use=stop,
                source_record=record,
                source_procedure=record.procedure,
            )
        else:
            work_order = existing
            if stop:
                work_order.stop_use = True
            if due_on is not None and (work_order.due_on is None or due_on < work_order.due_on):
                work_order.due_on = due_on
            work_order.updated_at = now
            work_order._audit_reason = f"Joined by record {record.pk}: {problem}"
            work_order.save()
            record_event(
                AuditAction.UPDATE,
                target=work_order,
                reason=f"Record {record.pk} failed again: {problem}",
                changes={"joined_record": record.pk},
            )
        if stop:
            _take_out(
                equipment,
                actor=actor,
                reason=f"{problem} Held out of service by work order {work_order.pk}.",
            )
    return work_order
