"""The audit trail's creation events: one for every generated row of a regulated model.

They are the events the first save of each row records, merged into the chain by
`bench.generator.audit_chain` with the activity of `bench.generator.audit_activity`.
"""

from datetime import datetime, timedelta

from bench.generator.audit_origin import address_at, request_id
from bench.generator.context import Build
from equipment.models import Equipment, EquipmentStatus, EquipmentStatusChange
from imaging_ops.audit.mixin import REDACTED, RegulatedModel
from imaging_ops.audit.trail import AuditAction, jsonable
from imaging_ops.models import Site, User
from imaging_ops.vocabulary import Role

ONBOARDING_ACTOR = "system"  # who created the registry that existed before the trail


def creations(ctx: Build, start: datetime) -> list[tuple]:
    """The event of every generated row of a regulated model, as its first save records it.

    The registry (sites, identifiers, people, roles, rooms) is created at the start of the trail
    by the system; each piece of equipment when it was created, by a manager of its site; each
    status change at its time by its actor, with the equipment's own update beside it. Each event
    is `(at, n, action, actor_id, actor_name, object_type, object_id, site_id, changes, reason,
    address, request_id)`; `n` keeps the order of events at the same moment.
    """
    rng = ctx.rng
    names = {u["id"]: u["username"] for u in ctx.users}
    site_of_equipment = {e["id"]: e["site_id"] for e in ctx.equipment}
    created = {e["id"]: e["created"] for e in ctx.equipment}
    events = []
    onboarding = start
    for model, fields, rows in ctx.written:
        if not issubclass(model, RegulatedModel) or model is EquipmentStatusChange:
            continue
        meta = model._meta
        given = {meta.get_field(name).attname: i for i, name in enumerate(fields)}
        exempt = model.audit_exempt_fields
        audited = [
            f
            for f in meta.concrete_fields
            if not f.primary_key and f.name not in exempt and f.attname not in exempt
        ]
        defaults = {
            f.attname: ctx.now
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else (f.get_default() if f.has_default() else None)
            for f in audited
            if f.attname not in given
        }
        redacted = model.audit_redacted_fields
        label = meta.label_lower
        for position, row in enumerate(rows):
            # As the saved instance holds them: "07:00" given for a time field is 07:00:00.
            values = {
                f.attname: f.to_python(row[given[f.attname]])
                if f.attname in given
                else defaults[f.attname]
                for f in audited
            }
            changes = {
                name: [None, REDACTED if name in redacted else jsonable(value)]
                for name, value in values.items()
            }
            object_id = row[given["id"]] if "id" in given else position + 1
            if model is Site:
                site_id = object_id
            elif model is User:
                site_id = values["home_site_id"]
            else:
                site_id = values["site_id"]
            if model is Equipment:
                # Created awaiting acceptance; adoption or acceptance moves it on (below).
                changes["status"] = [None, EquipmentStatus.AWAITING_ACCEPTANCE]
                at = created[object_id]
                actor = rng.choice(ctx.members[site_id][Role.MANAGER])
                who = names[actor]
                address, request = address_at(rng, site_id), request_id(rng)
            else:
                onboarding += timedelta(milliseconds=rng.randint(5, 400))
                at, actor, who, address, request = onboarding, None, ONBOARDING_ACTOR, None, ""
            events.append(
                (at, len(events), AuditAction.CREATE, actor, who, label, str(object_id), site_id,
                 changes, "", address, request)
            )  # fmt: skip
    previous = {}
    change_label, equipment_label = (
        EquipmentStatusChange._meta.label_lower,
        Equipment._meta.label_lower,
    )
    # The rows of one piece of equipment are in time order: `previous` follows its status.
    for row in ctx.status_changes:
        change_id, equipment_id, kind, from_status, to_status, reason, actor, changed_at = row
        site_id = site_of_equipment[equipment_id]
        at = changed_at + timedelta(milliseconds=rng.randint(3, 60))
        address, request = address_at(rng, site_id), request_id(rng)
        changes = {
            "actor_id": [None, actor],
            "changed_at": [None, jsonable(changed_at)],
            "equipment_id": [None, equipment_id],
            "from_status": [None, from_status],
            "kind": [None, kind],
            "reason": [None, reason],
            "to_status": [None, to_status],
        }
        events.append(
            (at, len(events), AuditAction.CREATE, actor, names[actor], change_label,
             str(change_id), site_id, changes, "", address, request)
        )  # fmt: skip
        before = previous.get(equipment_id, EquipmentStatus.AWAITING_ACCEPTANCE)
        events.append(
            (at, len(events), AuditAction.UPDATE, actor, names[actor], equipment_label,
             str(equipment_id), site_id, {"status": [before, to_status]}, reason, address,
             request)
        )  # fmt: skip
        previous[equipment_id] = to_status
    events.sort(key=lambda event: (event[0], event[1]))
    return events
