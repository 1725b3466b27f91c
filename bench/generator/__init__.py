"""The scale data of `make bench`: a health system of 50 sites, deterministic for a seed.

The build (`bench.generator.builder.build`) runs an ordered list of steps, `builder.STEPS`, one
per group of tables, each from its own module:

- `sites`: sites, their opening hours and regulatory identifiers;
- `people`: accounts and their site memberships (roles), the two people the cases sign in as;
- `locations`: the rooms of each site;
- `equipment`: the equipment in them, with makers, models, contracts and sealed sources;
- `status_history`: each piece of equipment's status changes, adoption first;
- `maintenance`: procedures, schedules, service records with their measurements and
  signatures, work orders;
- `training`: the shipped course catalog, each site's requirements, and people's signed
  training records;
- `work_orders`: the repair behind each trip out of service and routine faults, with their
  signed completions and verifications;
- `long_log`: one CT with years of daily and weekly work, whose equipment log holds at
  least 5,000 entries (the benchmark's log case), written with the maintenance step's helpers;
- `audit_chain`: the chained audit trail (with `audit_creations`, `audit_activity` and
  `audit_origin`), last, since it records the rows of every step before it.

`context` holds the build context every step writes through (`Build`) and the step a module
contributes (`Step`); `checks` runs the steps' rules after a build; `tables` reads the data
tables (names, makers and models, reasons, nuclides, room kinds, mixes) from `data/`, one or
more files per group (listed in `tables`).

How a new group plugs in (each issue that adds tables does this):

1. Write a module `bench/generator/<group>.py` with a `build_<group>(ctx)` function that
   appends rows with `ctx.copy(model, fields, rows)` (pass a list, so the audit step sees them)
   and keeps on `ctx` what later steps need. Put its word lists, mixes and tables in
   `data/<group>.json` (or `.csv`, one row per kind), read at import with
   `bench.generator.tables`, and list the file in that module's docstring.
2. End the module with `STEP = Step("<group>", build_<group>, sizes={...}, invariants={...},
   checks=(...))`: the sizes it reads from `ctx.sizes` at full scale (name in `unscaled` those
   that must not shrink with `--scale`), the rules the services enforce as SQL queries that
   count zero rows, and any checks of the finished build.
3. Add `<group>.STEP` to `builder.STEPS`, after the steps it reads from and before the audit
   chain. Rows of a regulated model get their creation events there without more code, given
   that the model has a `site_id` (as every site-scoped model does).
4. Bump `builder.GENERATOR_VERSION`. All steps draw from one random stream in order, so a new
   step changes the draws of the steps after it (the audit trail's activity) and the data is
   built again on the next run anyway: a database whose marker differs (version, seed, sizes,
   this package's code and data files, the audit key or the project's migrations) is rebuilt,
   which takes about a minute at full scale (most of it chaining the million audit events).

Rows go in with PostgreSQL's COPY, not through the services (this is test data, and the audited
models of DESIGN.md will refuse `bulk_create`), but they must be rows the services could have
written: the steps' invariants and checks run after every build, and the database's own
constraints (unique asset tags per site, inspectors' expiry) hold too. The random choices are
the same for a seed; dates are counted back from the day of the build, so that "due", "expired"
and "recent" mean the same thing on the day the numbers are taken.
"""
