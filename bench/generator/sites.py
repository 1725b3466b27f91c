"""Sites, their opening hours and their regulatory identifiers (registrations, accreditations,
licences, certificates), in three tiers of size."""

from datetime import timedelta

from bench.generator.context import Build, Step, split
from bench.generator.tables import read_json
from imaging_ops.models import Site, SiteIdentifier
from imaging_ops.vocabulary import IdentifierKind

TABLES = read_json("sites")
# Site tiers: (tier, share of the sites, weight of each for equipment and rooms).
SITE_TIERS = [(row["tier"], row["share"], row["weight"]) for row in TABLES["tiers"]]
# The weight of each tier for its staff: a large medical center employs more people per piece
# of equipment than a clinic (a teaching hospital's matrix holds some 500 people).
PEOPLE_WEIGHTS = {row["tier"]: row["people_weight"] for row in TABLES["tiers"]}
SITE_KINDS = TABLES["kinds"]  # by tier: code suffix, name, opening hours
TOWNS = TABLES["towns"]
ZONES = TABLES["time_zones"]
IDENTIFIERS = [{**row, "kind": IdentifierKind(row["kind"])} for row in TABLES["identifiers"]]


def build_sites(ctx: Build) -> None:
    n = ctx.sizes["sites"]
    tiers = []
    for (tier, _share, weight), count in zip(
        SITE_TIERS, split(n, [share for _, share, _ in SITE_TIERS]), strict=True
    ):
        tiers += [(tier, weight)] * count
    rows, identifiers = [], []
    today = ctx.now.date()
    for i in range(n):
        site_id = i + 1
        tier, weight = tiers[i]
        town = TOWNS[i % len(TOWNS)] + ("" if i < len(TOWNS) else f" {i // len(TOWNS) + 1}")
        kind = SITE_KINDS[tier]
        code = f"{town.replace(' ', '')[:6].upper()}-{kind['code_suffix']}"
        rows.append(
            (
                site_id, code, f"{town} {kind['name']}", ZONES[i % len(ZONES)],
                list(kind["clinical_days"]), kind["opens_at"], kind["closes_at"],
                f"{100 + i} Hospital Drive, {town}",
            )
        )  # fmt: skip
        ctx.sites.append(
            {
                "id": site_id,
                "code": code,
                "tier": tier,
                "weight": weight,
                "people_weight": PEOPLE_WEIGHTS[tier],
            }
        )
        for held in IDENTIFIERS:
            # Some identifiers only a share of the small sites hold (a licence for radioactive
            # material, where there is nuclear medicine).
            share = held.get("share_of_small_sites")
            if share is not None and tier == "small" and not ctx.rng.random() < share:
                continue
            expires = today + timedelta(days=ctx.rng.randint(*held["expires_in_days"]))
            number = f"{held['number_prefix']}-{held['first_number'] + i}"
            identifiers.append((site_id, held["kind"], number, held["issuer"], expires))
    ctx.copy(
        Site,
        ["id", "code", "name", "time_zone", "clinical_days", "opens_at", "closes_at", "address"],
        rows,
    )
    ctx.copy(SiteIdentifier, ["site_id", "kind", "number", "issuer", "expires_on"], identifiers)


STEP = Step("sites", build_sites, sizes={"sites": 50}, unscaled=frozenset({"sites"}))
