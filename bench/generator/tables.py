"""The generator's data tables, read from `bench/generator/data/`.

Word lists, mixes and nested tables are JSON; flat tables with one row per kind are CSV with a
header row, read as dictionaries of strings (each module converts its own columns). A share or
weight is relative: `random.choices` draws by them. The files, by the module that reads them:

- `sites.json` (sites): site tiers (share of the sites, weight for equipment, people and rooms),
  the kind and opening hours of a site of each tier, towns, time zones, and the regulatory
  identifiers a site holds (number, issuer, expiry range in days from the build);
- `people.json` (people): first and last names, credentials by role, and the mix of main roles;
- `rooms.csv` (locations): room kinds, with building, room name, area class, secured storage,
  and the weight of extra rooms of the kind;
- `catalog.csv`, `equipment_models.csv`, `sealed_sources.csv`, `equipment.json` (equipment):
  the kinds of equipment by how common they are (modalities space-separated, primary first),
  their makers and models, the sealed sources' radionuclides and reference activities, the
  mix of final statuses and the modalities whose failure could seriously harm (high risk);
- `status_history.json` (status_history): how many times equipment went out of service and
  back, by weight, the reasons given for each status, and the reason of adoption;
- `audit.json` (audit_activity): the mix of activity between the creations and the reasons and
  filters its edits and exports carry.

The order of rows and list items is part of the data: the draws pick by position, so reordering
a file changes the build (and its code fingerprint rebuilds the database).
"""

import csv
import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def read_json(name: str):
    """The contents of `data/<name>.json`."""
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def read_csv(name: str) -> list[dict[str, str]]:
    """The rows of `data/<name>.csv`, each a dictionary of its header's columns."""
    with (DATA / f"{name}.csv").open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))
