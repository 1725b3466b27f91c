"""Work orders: the repair behind each time a machine went out of service, and routine faults
reported on machines in service. The data file is `data/work_orders.json` (problems,
resolutions and root causes, the priority mixes, the open states, how many routine faults a
unit has a year and how many are still open, the field engineers and their organisations).

Each change to out of service in the status history has its work order, reported by the person
who took the machine out (`stop_use`): verified just before the machine came back, cancelled
when it was retired instead, or still open while it is out of service now, as the gate
requires (no return to service before the repair is verified). Routine faults are spread over
each machine's time in the registry, most of them verified. A completion is one signed version:
by the technician who did the work as performed, or, for a field engineer, countersigned by a
physicist or manager as reviewed; the verification is signed by a physicist or manager other
than the performer ("corrective action verified"). Signatures carry the SHA-256 of the
version's signed content, made with the model's own `signed_content`, so they read as valid.

Like the older service records, the work orders predate the audit trail's window: they are
written as tuples, without creation events.
"""

import hashlib
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType

from bench.generator.context import Build, Step
from bench.generator.tables import read_json
from equipment.models import (
    EquipmentStatus,
    WorkOrder,
    WorkOrderCompletion,
    WorkOrderState,
)
from imaging_ops.audit.trail import canonical_text
from imaging_ops.models import Meaning, Signature
from imaging_ops.vocabulary import Role

TABLES = read_json("work_orders")
S, W = EquipmentStatus, WorkOrderState
YEAR = timedelta(days=365.25)


def _pick(rng, rows, key):
    return rng.choices([r[key] for r in rows], [r["weight"] for r in rows])[0]


def build_work_orders(ctx: Build) -> None:
    rng = ctx.rng
    ctx.cursor.execute("SELECT DISTINCT user_id FROM imaging_ops_policyacknowledgement")
    acknowledged = {row[0] for row in ctx.cursor.fetchall()}
    ctx.cursor.execute("SELECT id, full_name, credentials FROM imaging_ops_user")
    names = {row[0]: (row[1], row[2]) for row in ctx.cursor.fetchall()}
    ctx.cursor.execute("SELECT coalesce(max(id), 0) FROM imaging_ops_signature")
    signature_ids = iter(range(ctx.cursor.fetchone()[0] + 1, 10**12))
    version_type = ContentType.objects.get_for_model(WorkOrderCompletion).pk
    site_of = {item["id"]: item["site_id"] for item in ctx.equipment}

    def signers(site_id, roles):
        people = ctx.members[site_id]
        return sorted({u for r in roles for u in people[r] if u in acknowledged})

    orders, completions, signatures = [], [], []

    def add(equipment_id, *, opened_at, reporter, problem, priority, stop_use, outcome, until):
        """One work order; `outcome` is verified, cancelled or an open state, `until` the
        moment it closed (verified or cancelled)."""
        site_id = site_of[equipment_id]
        workers = signers(site_id, (Role.TECHNICIAN,)) or signers(site_id, (Role.PHYSICIST,))
        verifiers = signers(site_id, (Role.PHYSICIST, Role.MANAGER))
        order_id = len(orders) + 1
        state, closed_at, version_id = outcome, None, None
        assignee = rng.choice(workers) if workers and outcome != W.REPORTED else None
        resolution = root_cause = cancel_reason = ""
        if outcome == W.VERIFIED and (not workers or not verifiers):
            # Nobody at the site to sign it here: the vendor's contract covered it.
            state, cancel_reason = W.CANCELLED, "Repaired under the vendor's contract."
        elif state == W.CANCELLED:
            cancel_reason = "The machine was retired instead of repaired."
        if state == W.CANCELLED:
            closed_at = until
        if state == W.VERIFIED:
            closed_at = until
            completed_at = max(opened_at + timedelta(minutes=30), until - timedelta(hours=2))
            external = rng.random() < TABLES["external_share"]
            performer = assignee
            verifier = rng.choice([v for v in verifiers if v != performer] or verifiers)
            resolution = rng.choice(TABLES["resolutions"])
            root_cause = rng.choice(TABLES["root_causes"])
            version_id = len(completions) + 1
            engineer = rng.choice(TABLES["engineers"]) if external else ""
            organisation = rng.choice(TABLES["vendors"]) if external else ""
            version = WorkOrderCompletion(
                pk=version_id, work_order=WorkOrder(pk=order_id, equipment_id=equipment_id,
                problem=problem), number=1, created_at=completed_at, created_by_id=performer,
                amendment_reason="", resolution=resolution, root_cause=root_cause,
                major_repair=False, opened_enclosure=False, completed_at=completed_at,
                external_name=engineer, external_organisation=organisation, lines=[],
                attachments=[],
            )  # fmt: skip
            content_hash = hashlib.sha256(
                canonical_text(version.signed_content()).encode()
            ).hexdigest()
            completions.append(
                (version_id, order_id, 1, completed_at, performer, "", resolution, root_cause,
                 False, False, completed_at, engineer, organisation, [], [])
            )  # fmt: skip
            first = (verifier, Meaning.REVIEWED) if external else (performer, Meaning.PERFORMED)
            for signer, meaning, at in (
                (*first, completed_at + timedelta(minutes=5)),
                (verifier, Meaning.CORRECTIVE_ACTION_VERIFIED, closed_at),
            ):
                full_name, credentials = names[signer]
                signatures.append(
                    (next(signature_ids), version_type, version_id, site_id, signer, full_name,
                     credentials, meaning, at, content_hash)
                )  # fmt: skip
        updated_at = closed_at or opened_at + timedelta(hours=rng.uniform(0.5, 48))
        orders.append(
            (order_id, equipment_id, problem, priority, state, reporter, assignee, None, "",
             "", stop_use, False, False, resolution, root_cause, cancel_reason, opened_at,
             closed_at, min(updated_at, ctx.now), version_id)
        )  # fmt: skip

    # Each trip out of service: its repair.
    by_equipment: dict[int, list] = {}
    for row in ctx.status_changes:
        by_equipment.setdefault(row[1], []).append(row)
    for equipment_id, changes in by_equipment.items():
        changes.sort(key=lambda r: r[7])
        for n, (_, _, _, _, status, _, actor, changed_at) in enumerate(changes):
            if status != S.OUT_OF_SERVICE:
                continue
            following = changes[n + 1] if n + 1 < len(changes) else None
            if following is None:
                outcome, until = _pick(rng, TABLES["open_states"], "state"), None
            elif following[4] == S.IN_SERVICE:
                outcome, until = W.VERIFIED, following[7] - timedelta(minutes=10)
            else:
                outcome, until = W.CANCELLED, following[7]
            add(
                equipment_id,
                opened_at=changed_at - timedelta(minutes=rng.randint(2, 20)),
                reporter=actor,
                problem=rng.choice(TABLES["stop_use_problems"]),
                priority=_pick(rng, TABLES["stop_use_priority"], "priority"),
                stop_use=True,
                outcome=outcome,
                until=until,
            )

    # Routine faults on machines in use, over their time in the registry.
    for item in ctx.equipment:
        if item["status"] not in (S.IN_SERVICE, S.OUT_OF_SERVICE):
            continue
        staff = signers(item["site_id"], (Role.TECHNICIAN, Role.PHYSICIST))
        if not staff:
            continue
        span = ctx.now - item["created"]
        expected = TABLES["routine_per_unit_year"] * span / YEAR
        for _ in range(int(expected) + (rng.random() < expected - int(expected))):
            opened_at = item["created"] + span * rng.random()
            still_open = rng.random() < TABLES["routine_open_share"]
            took = timedelta(hours=rng.uniform(4, 24 * 14))
            if not still_open and opened_at + took >= ctx.now:
                still_open = True
            add(
                item["id"],
                opened_at=opened_at,
                reporter=rng.choice(staff),
                problem=rng.choice(TABLES["routine_problems"]),
                priority=_pick(rng, TABLES["routine_priority"], "priority"),
                stop_use=False,
                outcome=_pick(rng, TABLES["open_states"], "state") if still_open else W.VERIFIED,
                until=None if still_open else opened_at + took,
            )

    ctx.copy(
        WorkOrder,
        ["id", "equipment", "problem", "priority", "state", "reporter", "assignee", "due_on",
         "vendor", "vendor_reference", "stop_use", "major_repair", "opened_enclosure",
         "resolution", "root_cause", "cancel_reason", "opened_at", "closed_at", "updated_at",
         "current_version"],
        tuple(orders),
    )  # fmt: skip
    ctx.copy(
        WorkOrderCompletion,
        ["id", "work_order", "number", "created_at", "created_by", "amendment_reason",
         "resolution", "root_cause", "major_repair", "opened_enclosure", "completed_at",
         "external_name", "external_organisation", "lines", "attachments"],
        tuple(completions),
    )  # fmt: skip
    ctx.copy(
        Signature,
        ["id", "content_type", "object_id", "site", "signer", "printed_name", "credentials",
         "meaning", "signed_at", "content_hash"],
        tuple(signatures),
    )  # fmt: skip


INVARIANTS = {
    "a work order is closed exactly when it is verified or cancelled": """
        SELECT count(*) FROM equipment_workorder
        WHERE (closed_at IS NULL) = (state IN ('verified', 'cancelled'))""",
    "a verified work order's completion is signed and its verification signed": """
        SELECT count(*) FROM equipment_workorder w
        WHERE w.state = 'verified' AND (w.current_version_id IS NULL OR NOT EXISTS (
            SELECT 1 FROM imaging_ops_signature s
            JOIN django_content_type t ON t.id = s.content_type_id
            WHERE t.app_label = 'equipment' AND t.model = 'workordercompletion'
              AND s.object_id = w.current_version_id
              AND s.meaning = 'corrective_action_verified'))""",
    "the verifier is never the performer": """
        SELECT count(*) FROM equipment_workorder w
        JOIN equipment_workordercompletion c ON c.id = w.current_version_id
        JOIN imaging_ops_signature s ON s.object_id = c.id
        JOIN django_content_type t ON t.id = s.content_type_id
        WHERE t.app_label = 'equipment' AND t.model = 'workordercompletion'
          AND s.meaning = 'corrective_action_verified' AND s.signer_id = c.created_by_id
          AND c.external_name = ''""",
    "an open stop-use work order's machine is out of service": """
        SELECT count(*) FROM equipment_workorder w
        JOIN equipment_equipment e ON e.id = w.equipment_id
        WHERE w.stop_use AND w.state NOT IN ('verified', 'cancelled')
          AND e.status <> 'out_of_service'""",
}


def signatures_refused(ctx: Build) -> list[str]:
    """A sample of completions read as the work-order page reads them: signatures valid."""
    from imaging_ops.records.signatures import signature_states

    last = WorkOrderCompletion.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sample = [ctx.rng.randint(1, last) for _ in range(min(50, last))]
    problems = []
    for version in WorkOrderCompletion.objects.filter(pk__in=sample).select_related("work_order"):
        for state in signature_states(version):
            if not state.valid:
                problems.append(f"work order {version.work_order_id}: signature does not match")
    return problems[:5]


STEP = Step("work_orders", build_work_orders, invariants=INVARIANTS, checks=(signatures_refused,))
