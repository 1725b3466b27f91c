"""Locations: the rooms of each site, one of each kind first, then more of the busy kinds."""

from collections import defaultdict

from bench.generator.checks import refused_by_services
from bench.generator.context import Build, Step, split
from bench.generator.tables import read_csv
from equipment.models import Location
from imaging_ops.vocabulary import AreaClass

# Room kind: (building, room name, area class, secured storage, weight of extra rooms).
ROOM_KINDS = {
    row["kind"]: (
        row["building"],
        row["room"],
        AreaClass(row["area_class"]),
        row["secured_storage"] == "yes",
        float(row["extra_weight"]),
    )
    for row in read_csv("rooms")
}


def build_locations(ctx: Build) -> None:
    per_site = split(
        ctx.sizes["locations_per_site"] * len(ctx.sites), [s["weight"] ** 0.5 for s in ctx.sites]
    )
    kinds = list(ROOM_KINDS)
    rows = []
    location_id = 0
    for site, count in zip(ctx.sites, per_site, strict=True):
        # One room of each kind, then more of the busy kinds.
        chosen = kinds[:count] + ctx.rng.choices(
            kinds, [ROOM_KINDS[k][4] for k in kinds], k=max(0, count - len(kinds))
        )
        numbers = defaultdict(int)
        for kind in chosen:
            building, room, area_class, secured, _ = ROOM_KINDS[kind]
            numbers[kind] += 1
            location_id += 1
            rows.append(
                (location_id, site["id"], building, f"{room} {numbers[kind]}", area_class, secured)
            )
            ctx.rooms[site["id"]][kind].append(location_id)
    ctx.copy(Location, ["id", "site_id", "building", "room", "area_class", "secured_storage"], rows)


def locations_refused(ctx: Build) -> list[str]:
    """The services' own validation of a sample of the rooms."""
    return refused_by_services(ctx, Location.objects.select_related("site"), "_validate_location")


STEP = Step(
    "locations",
    build_locations,
    # On average: large hospitals have more rooms than small centres. Every site needs a room of
    # each kind (the equipment of each kind goes in one), so this stays at any scale.
    sizes={"locations_per_site": 20},
    unscaled=frozenset({"locations_per_site"}),
    checks=(locations_refused,),
)
