"""The audit trail's activity between the creations: sign-ins and sign-outs, failed sign-ins,
the field edits a registry sees, renamed rooms, memberships paused and resumed, and exports."""

from datetime import UTC, datetime, timedelta

from bench.generator.audit_origin import address_at, request_id
from bench.generator.context import Build
from bench.generator.people import CREDENTIALS
from bench.generator.tables import read_json
from equipment.models import Equipment, Location
from imaging_ops.audit.trail import AuditAction, jsonable
from imaging_ops.models import SiteMembership, User
from imaging_ops.vocabulary import Role

# What happens between the records' creations, by share of those events. Sign-ins dominate, as
# in production; the updates are the field edits a registry sees (software upgrades, moves,
# contract renewals, password changes), each with its old and new values.
TABLES = read_json("audit")
AUDIT_MIX = [(row["kind"], row["share"]) for row in TABLES["mix"]]
UPGRADE_REASONS = TABLES["upgrade_reasons"]  # of a software version's change ("" for none)
MOVE_REASONS = TABLES["move_reasons"]  # of a move to another room
EXPORT_FILTERS = TABLES["export_filters"]  # the filters of an exported equipment list
ROOM_RENAMES = TABLES["room_renames"]  # what a renamed room's name gains in brackets
ROOM_RENAME_REASON = TABLES["room_rename_reason"]
MEMBERSHIP_REASONS = TABLES["membership_reasons"]  # of leaving and of returning


def activity(ctx: Build, count: int, begin: datetime, end: datetime):
    """`count` events between the creations, in time order, drawn as they are consumed."""
    rng = ctx.rng
    user_label = User._meta.label_lower
    equipment_label = Equipment._meta.label_lower
    location_label = Location._meta.label_lower
    membership_label = SiteMembership._meta.label_lower
    people = [u for u in ctx.users if u["active"]]
    names = {u["id"]: u["username"] for u in ctx.users}
    managers = {s["id"]: ctx.members[s["id"]][Role.MANAGER] for s in ctx.sites}
    editors = {s["id"]: ctx.members[s["id"]][Role.PHYSICIST] + managers[s["id"]] for s in ctx.sites}
    equipment = sorted(ctx.equipment, key=lambda e: e["created"])
    state = {
        e["id"]: {
            "software_version": e["software"],
            "location_id": e["location_id"],
            "contract_ends_on": e["contract_ends_on"],
            "contract_reference": e["contract_reference"],
        }
        for e in equipment
    }
    rooms = {}  # location id: [site id, room name]
    memberships = []  # [membership id, site id, is_active]
    for model, fields, rows in ctx.written:
        if model is Location:
            rooms.update({row[0]: [row[1], row[3]] for row in rows})
        elif model is SiteMembership:
            site, active = fields.index("site_id"), fields.index("is_active")
            memberships += [[i + 1, row[site], row[active]] for i, row in enumerate(rows)]
    room_ids = list(rooms)
    credentials = {}  # user id: their credentials now
    for model, fields, rows in ctx.written:
        if model is User:
            user, held = fields.index("id"), fields.index("credentials")
            credentials.update({row[user]: row[held] for row in rows})
    kinds = [kind for kind, _ in AUDIT_MIX]
    weights = [share for _, share in AUDIT_MIX]
    base, span = begin.timestamp(), (end - begin).total_seconds()
    moments = sorted(rng.random() * span for _ in range(count))
    chosen = rng.choices(kinds, weights, k=count)
    available = 0  # equipment created by now (the list is in order of creation)
    for n, (offset, kind) in enumerate(zip(moments, chosen, strict=True)):
        at = datetime.fromtimestamp(base + offset, UTC)
        if kind in ("login", "logout", "failed_login") or kind == "user_update":
            person = rng.choice(people)
            uid, site_id = person["id"], person["home"]
            address, request = address_at(rng, site_id), request_id(rng)
            if kind == "failed_login":
                yield (at, n, AuditAction.FAILED_LOGIN, None, "anonymous", user_label, str(uid),
                       site_id, {"username": person["username"]}, "", address, request)  # fmt: skip
            elif kind == "user_update":
                if rng.random() < 0.75:
                    yield (at, n, AuditAction.UPDATE, uid, person["username"], user_label,
                           str(uid), site_id, {"password": ["[redacted]", "[redacted]"]}, "",
                           address, request)  # fmt: skip
                    continue
                manager = rng.choice(managers[site_id])
                new = rng.choice(CREDENTIALS[Role.TECHNICIAN])
                old, credentials[uid] = credentials[uid], new
                yield (at, n, AuditAction.UPDATE, manager, names[manager], user_label, str(uid),
                       site_id, {"credentials": [old, new]}, "", address, request)  # fmt: skip
            else:
                action = AuditAction.LOGIN if kind == "login" else AuditAction.LOGOUT
                yield (at, n, action, uid, person["username"], user_label, str(uid), site_id, {},
                       "", address, request)  # fmt: skip
            continue
        if kind == "equipment_update":
            while available < len(equipment) and equipment[available]["created"] < at:
                available += 1
            if not available:
                kind = "export"  # nothing to edit yet
            else:
                item = equipment[rng.randrange(available)]
                site_id, current = item["site_id"], state[item["id"]]
                actor = rng.choice(editors[site_id])
                roll, reason = rng.random(), ""
                if current["software_version"] and roll < 0.45:
                    major, minor, patch = (int(p) for p in current["software_version"].split("."))
                    new = f"{major}.{minor}.{patch + 1}" if rng.random() < 0.7 else (
                        f"{major}.{minor + 1}.0")  # fmt: skip
                    changes = {"software_version": [current["software_version"], new]}
                    current["software_version"], reason = new, rng.choice(UPGRADE_REASONS)
                elif current["location_id"] and roll < 0.65:
                    new = rng.choice(room_ids)
                    while rooms[new][0] != site_id:
                        new = rng.choice(room_ids)
                    changes = {"location_id": [current["location_id"], new]}
                    current["location_id"], reason = new, rng.choice(MOVE_REASONS)
                elif current["contract_ends_on"] and roll < 0.85:
                    ends = current["contract_ends_on"] + timedelta(days=365)
                    reference = f"SC-{rng.randint(100000, 999999)}"
                    changes = {
                        "contract_ends_on": [jsonable(current["contract_ends_on"]), jsonable(ends)],
                        "contract_reference": [current["contract_reference"], reference],
                    }
                    current["contract_ends_on"], current["contract_reference"] = ends, reference
                else:
                    changes = {"has_maintenance_history": [False, True]}
                yield (at, n, AuditAction.UPDATE, actor, names[actor], equipment_label,
                       str(item["id"]), site_id, changes, reason, address_at(rng, site_id),
                       request_id(rng))  # fmt: skip
                continue
        if kind == "location_update":
            location_id = rng.choice(room_ids)
            site_id, room = rooms[location_id]
            new = f"{room.split(' (')[0]} ({rng.choice(ROOM_RENAMES)})"
            rooms[location_id][1] = new
            actor = rng.choice(managers[site_id])
            yield (at, n, AuditAction.UPDATE, actor, names[actor], location_label,
                   str(location_id), site_id, {"room": [room, new]}, ROOM_RENAME_REASON,
                   address_at(rng, site_id), request_id(rng))  # fmt: skip
            continue
        if kind == "membership_update":
            membership = rng.choice(memberships)
            membership_id, site_id, active = membership
            membership[2] = not active
            actor = rng.choice(managers[site_id])
            reason = MEMBERSHIP_REASONS["leaving" if active else "returning"]
            yield (at, n, AuditAction.UPDATE, actor, names[actor], membership_label,
                   str(membership_id), site_id, {"is_active": [active, not active]}, reason,
                   address_at(rng, site_id), request_id(rng))  # fmt: skip
            continue
        site = rng.choice(ctx.sites)["id"]  # an export of a list, by a manager
        actor = rng.choice(managers[site])
        filters = {"site": str(site), **rng.choice(EXPORT_FILTERS)}
        yield (at, n, AuditAction.EXPORT, actor, names[actor], "equipment list", "", None,
               {"filters": filters}, "", address_at(rng, site), request_id(rng))  # fmt: skip
