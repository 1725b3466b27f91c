"""People and their roles: accounts, and the memberships that give each a role at a site.

Technicians, physicists, radiation safety officers and managers belong to a home site, some to
more (consulting physicists, floating staff, regional managers); inspectors hold time-limited
access at one to three sites. Two people are the ones the cases sign in as.
"""

from datetime import timedelta

from django.contrib.auth.hashers import make_password

from bench.generator.context import Build, Step
from bench.generator.tables import read_json
from imaging_ops.models import SiteMembership, User
from imaging_ops.vocabulary import Role

# The two people the cases sign in as.
BENCH_MANAGER = "bench.manager"  # manager at every site
BENCH_TECHNICIAN = "bench.tech"  # technician at the largest site only

TABLES = read_json("people")
FIRST = TABLES["first_names"]
LAST = TABLES["last_names"]
CREDENTIALS = {Role(role): held for role, held in TABLES["credentials"].items()}
# Share of people by their main role.
ROLE_MIX = [(Role(row["role"]), row["share"]) for row in TABLES["role_mix"]]
REGIONAL_MANAGERS = 10  # managers of 8 to 30 sites, besides the bench manager at all of them


def build_people(ctx: Build) -> None:
    rng = ctx.rng
    sites = ctx.sites
    weights = [s["people_weight"] for s in sites]
    largest = max(sites, key=lambda s: s["weight"])
    password = make_password("bench-password-not-used", salt="bench")  # one hash for everyone
    joined = ctx.now - timedelta(days=3 * 365)
    users, memberships = [], []
    seen = set()
    regional = 0

    def member(user_id, site, role, trainee=False, expires=None, active=True):
        key = (user_id, site["id"], role)
        if key in seen:
            return
        seen.add(key)
        memberships.append((user_id, site["id"], role, trainee, expires, active))
        ctx.members[site["id"]][role].append(user_id)

    for i in range(ctx.sizes["people"]):
        user_id = i + 1
        if i == 0:
            username, role, home = BENCH_MANAGER, Role.MANAGER, largest
            first, last = "Regional", "Manager"
        elif i == 1:
            username, role, home = BENCH_TECHNICIAN, Role.TECHNICIAN, largest
            first, last = "Bench", "Technician"
        else:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            username = f"{first[0]}{last}{user_id}".lower()
            role = rng.choices([r for r, _ in ROLE_MIX], [w for _, w in ROLE_MIX])[0]
            home = rng.choices(sites, weights)[0]
        credentials = rng.choice(CREDENTIALS[role])
        users.append(
            (
                user_id, username, password, first, last, f"{first} {last}", credentials,
                f"{username}@example.org", f"E{100000 + user_id}", home["id"],
                rng.random() > 0.02 or i < 2, False, False, joined,
            )
        )  # fmt: skip
        ctx.users.append(
            {"id": user_id, "username": username, "home": home["id"], "active": users[-1][10]}
        )

        if i == 0:
            for site in sites:
                member(user_id, site, Role.MANAGER)
            continue
        if i == 1:
            member(user_id, largest, Role.TECHNICIAN)
            continue
        if role == Role.INSPECTOR:
            # Time-limited access at one to three sites; about a third has already expired.
            for site in rng.sample(sites, rng.randint(1, 3)):
                days = rng.randint(-400, -1) if rng.random() < 0.3 else rng.randint(7, 365)
                member(user_id, site, role, expires=ctx.now.date() + timedelta(days=days))
            continue
        member(
            user_id,
            home,
            role,
            trainee=role == Role.TECHNICIAN and rng.random() < 0.08,
            active=rng.random() > 0.02,
        )
        if role == Role.PHYSICIST and rng.random() < 0.3:
            member(user_id, home, Role.RSO)  # the physicist who is also the RSO
        if role == Role.MANAGER and regional < REGIONAL_MANAGERS:
            regional += 1
            for site in rng.sample(sites, rng.randint(8, 30)):
                member(user_id, site, Role.MANAGER)
            continue
        # Consulting physicists cover several sites; some staff float between two or three.
        if rng.random() < (0.6 if role == Role.PHYSICIST else 0.1):
            extra = rng.randint(1, 5 if role == Role.PHYSICIST else 2)
            for site in rng.choices(sites, weights, k=extra):
                member(user_id, site, role)

    ctx.copy(
        User,
        ["id", "username", "password", "first_name", "last_name", "full_name", "credentials",
         "email", "employee_id", "home_site_id", "is_active", "is_staff", "is_superuser",
         "date_joined"],
        users,
    )  # fmt: skip
    ctx.copy(
        SiteMembership,
        ["user_id", "site_id", "role", "is_trainee", "expires_on", "is_active"],
        memberships,
    )


STEP = Step("people", build_people, sizes={"people": 5_000})
