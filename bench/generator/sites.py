"""Sites, their opening hours and their regulatory identifiers (registrations, accreditations,
licences, certificates), in three tiers of size."""

from datetime import timedelta

from bench.generator.context import Build, Step, split
from imaging_ops.models import Site, SiteIdentifier
from imaging_ops.vocabulary import IdentifierKind

# Site tiers: (tier, share of the sites, weight of each for equipment, people and rooms).
SITE_TIERS = [("large", 0.10, 6.0), ("medium", 0.30, 3.0), ("small", 0.60, 1.0)]

TOWNS = [
    "Ashford", "Bayview", "Brookfield", "Cedar Falls", "Clearwater", "Dover", "Eastwood",
    "Fairview", "Franklin", "Glenwood", "Greenville", "Hamilton", "Harbor City", "Highland",
    "Hillcrest", "Kingston", "Lakeside", "Lancaster", "Lincoln", "Madison", "Maplewood",
    "Marion", "Milford", "Newport", "Northfield", "Oakdale", "Oakridge", "Pinecrest",
    "Plainview", "Riverside", "Rockport", "Salem", "Shelby", "Springfield", "Stonebridge",
    "Summit", "Sunnyvale", "Troy", "Union", "Valley Park", "Warren", "Waverly", "Westfield",
    "Weston", "Willow Creek", "Windsor", "Woodland", "Yorktown", "Zionsville", "Belmont",
]  # fmt: skip
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
SITE_KINDS = {
    "large": ("MC", "Medical Center"),
    "medium": ("GH", "General Hospital"),
    "small": ("IC", "Imaging Center"),
}


def build_sites(ctx: Build) -> None:
    n = ctx.sizes["sites"]
    tiers = []
    for (tier, _share, weight), count in zip(
        SITE_TIERS, split(n, [share for _, share, _ in SITE_TIERS]), strict=True
    ):
        tiers += [(tier, weight)] * count
    rows, identifiers = [], []
    for i in range(n):
        site_id = i + 1
        tier, weight = tiers[i]
        town = TOWNS[i % len(TOWNS)] + ("" if i < len(TOWNS) else f" {i // len(TOWNS) + 1}")
        suffix, kind = SITE_KINDS[tier]
        code = f"{town.replace(' ', '')[:6].upper()}-{suffix}"
        closes = "21:00" if tier == "large" else "19:00" if tier == "medium" else "17:30"
        days = [0, 1, 2, 3, 4, 5, 6] if tier == "large" else [0, 1, 2, 3, 4]
        rows.append(
            (
                site_id, code, f"{town} {kind}", ZONES[i % len(ZONES)], days, "07:00", closes,
                f"{100 + i} Hospital Drive, {town}",
            )
        )  # fmt: skip
        ctx.sites.append({"id": site_id, "code": code, "tier": tier, "weight": weight})
        today = ctx.now.date()
        identifiers.append(
            (site_id, IdentifierKind.XRAY_REGISTRATION, f"XR-{10000 + i}", "State Department of "
             "Health, Radiation Control", today + timedelta(days=ctx.rng.randint(30, 900)))
        )  # fmt: skip
        identifiers.append(
            (site_id, IdentifierKind.ACCREDITATION, f"ACR-{20000 + i}", "American College of "
             "Radiology", today + timedelta(days=ctx.rng.randint(-20, 1000)))
        )  # fmt: skip
        if tier != "small" or ctx.rng.random() < 0.3:
            expires = today + timedelta(days=ctx.rng.randint(60, 1800))
            identifiers.append(
                (site_id, IdentifierKind.RADIOACTIVE_MATERIALS_LICENCE, f"RML-{30000 + i}",
                 "U.S. Nuclear Regulatory Commission", expires)
            )  # fmt: skip
        identifiers.append(
            (site_id, IdentifierKind.MQSA_CERTIFICATE, f"MQSA-{40000 + i}", "FDA",
             today + timedelta(days=ctx.rng.randint(10, 1095)))
        )  # fmt: skip
    ctx.copy(
        Site,
        ["id", "code", "name", "time_zone", "clinical_days", "opens_at", "closes_at", "address"],
        rows,
    )
    ctx.copy(SiteIdentifier, ["site_id", "kind", "number", "issuer", "expires_on"], identifiers)


STEP = Step("sites", build_sites, sizes={"sites": 50}, unscaled=frozenset({"sites"}))
