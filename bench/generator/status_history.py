"""Status history: each piece of equipment's changes of status, from its adoption into the
registry to the status it holds now, along the services' own transition table."""

import random
from datetime import timedelta

from bench.generator.context import Build, Step
from bench.generator.tables import read_json
from equipment.models import EquipmentStatus, EquipmentStatusChange, StatusChangeKind
from equipment.services.status import TRANSITIONS
from imaging_ops.vocabulary import Role

S = EquipmentStatus

TABLES = read_json("status_history")
# How many times equipment went out of service and came back, with the weight of each count.
ROUND_TRIPS = [row["count"] for row in TABLES["round_trips"]]
ROUND_TRIP_WEIGHTS = [row["weight"] for row in TABLES["round_trips"]]
# The reasons given for a change to each status.
REASONS = {EquipmentStatus(status): given for status, given in TABLES["reasons"].items()}
ADOPTION_REASON = TABLES["adoption_reason"]


def _history(rng: random.Random, final: str) -> list[str]:
    """A path through the transition table from in service to `final` (after adoption)."""
    path = [S.IN_SERVICE]
    for _ in range(rng.choices(ROUND_TRIPS, ROUND_TRIP_WEIGHTS)[0]):
        path += [S.OUT_OF_SERVICE, S.IN_SERVICE]
    if final == S.OUT_OF_SERVICE:
        path.append(S.OUT_OF_SERVICE)
    elif final in (S.RETIRED, S.DISPOSED):
        path.append(S.RETIRED)
        if final == S.DISPOSED:
            path.append(S.DISPOSED)
    return path


ENDED_AT = """
    UPDATE equipment_equipmentstatuschange c SET ended_at = (
        SELECT min(n.changed_at) FROM equipment_equipmentstatuschange n
        WHERE n.equipment_id = c.equipment_id AND n.changed_at > c.changed_at)"""


def build_status_history(ctx: Build) -> None:
    rng = ctx.rng
    rows = []
    for item in ctx.equipment:
        if item["status"] == S.AWAITING_ACCEPTANCE:
            continue  # new equipment: no change yet
        people = ctx.members[item["site_id"]]
        managers = people[Role.MANAGER]
        staff = people[Role.TECHNICIAN] + people[Role.PHYSICIST] or managers
        path = _history(rng, item["status"])
        span = (ctx.now - item["created"]).total_seconds()
        moments = sorted(rng.uniform(0, span) for _ in path[1:])
        previous = ""
        for step, (status, offset) in enumerate(zip(path, [0.0, *moments], strict=True)):
            assert previous == "" or status in TRANSITIONS[previous], (previous, status)
            if step == 0:
                kind, reason, actor = StatusChangeKind.ADOPTION, ADOPTION_REASON, managers
            else:
                kind, reason = StatusChangeKind.CHANGE, rng.choice(REASONS[status])
                actor = managers if status in (S.RETIRED, S.DISPOSED) else staff
            changed_at = item["created"] + timedelta(seconds=offset)
            rows.append(
                (len(rows) + 1, item["id"], kind, previous, status, reason, rng.choice(actor),
                 changed_at)
            )  # fmt: skip
            previous = status
    ctx.copy(
        EquipmentStatusChange,
        ["id", "equipment_id", "kind", "from_status", "to_status", "reason", "actor_id",
         "changed_at"],
        rows,
    )  # fmt: skip
    # Each change ends at the machine's first later one, as the model's save keeps it.
    ctx.cursor.execute(ENDED_AT)
    ctx.status_changes = rows


# Rules the services enforce, as queries that must count zero rows.
INVARIANTS = {
    "status is where the history ends": """
        SELECT count(*) FROM equipment_equipment e JOIN LATERAL (
            SELECT to_status FROM equipment_equipmentstatuschange c WHERE c.equipment_id = e.id
            ORDER BY changed_at DESC, id DESC LIMIT 1) last ON true
        WHERE last.to_status <> e.status""",
    "equipment without history awaits acceptance": """
        SELECT count(*) FROM equipment_equipment e WHERE status <> 'awaiting_acceptance'
        AND NOT EXISTS (SELECT 1 FROM equipment_equipmentstatuschange c
                        WHERE c.equipment_id = e.id)""",
    "status changes made by people of the site": """
        SELECT count(*) FROM equipment_equipmentstatuschange c
        JOIN equipment_equipment e ON e.id = c.equipment_id
        WHERE NOT EXISTS (SELECT 1 FROM imaging_ops_sitemembership m
                          WHERE m.user_id = c.actor_id AND m.site_id = e.site_id)""",
}  # fmt: skip

STEP = Step("status history", build_status_history, invariants=INVARIANTS)
