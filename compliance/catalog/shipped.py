"""The shipped catalog as plain values: each data file read with tomllib into `CatalogSource`
and `CatalogEntry` rows, every key checked, nothing from the database.

An entry knows the keyword arguments the equipment procedure services take
(`service_arguments()`); its `snapshot()` is what a loaded version is compared with, in the
same words as `version_snapshot()` gives for a version in the database.
"""

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from equipment.models.procedures import LIMIT_FIELDS
from equipment.services.procedures import CHECK_FIELDS, CONTENT_FIELDS

DATA_DIR = Path(__file__).resolve().parent / "data"

ENTRY_KEYS = {
    "code",
    "version",
    "kind",
    "name",
    "modalities",
    "categories",
    "citation",
    "instructions",
    "performer_roles",
    "external_allowed",
    "required_after",
    "verify_locally",
    "verify_locally_note",
    "recurrence",
    "check",
}
# A recurrence in the data, and the version field each key fills.
RECURRENCE_KEYS = {
    "anchor": "default_anchor",
    "interval_months": "default_interval_months",
    "interval_weeks": "default_interval_weeks",
    "interval_days": "default_interval_days",
    "preset": "default_preset",
    "weekday": "default_weekday",
    "early_days": "default_early_days",
    "grace_days": "default_grace_days",
    "hard_limit_months": "default_hard_limit_months",
    "due_time": "default_due_time",
}
CONTENT_KEYS = (
    "name",
    "modalities",
    "categories",
    "citation",
    "instructions",
    "performer_roles",
    "external_allowed",
    "required_after",
)
# What a comparison covers: a version's content, the recurrence's due time and the flag; not
# the catalog's own bookkeeping (code, version, digest).
SNAPSHOT_FIELDS = (*CONTENT_FIELDS, "default_due_time", "verify_locally", "verify_locally_note")
RECURRENCE_DEFAULTS = {
    "default_anchor": "",
    "default_interval_months": 0,
    "default_interval_weeks": 0,
    "default_interval_days": 0,
    "default_preset": "",
    "default_weekday": None,
    "default_early_days": 0,
    "default_grace_days": 0,
    "default_hard_limit_months": None,
    "default_due_time": "opening",
}


class CatalogFileError(ValueError):
    """A data file that does not say what the catalog expects: the file, the entry and why."""


@dataclass(frozen=True)
class CatalogEntry:
    """One shipped procedure at one catalog version."""

    source_key: str
    code: str
    version: str
    kind: str
    content: dict
    checks: tuple[dict, ...]
    verify_locally: bool
    verify_locally_note: str
    recurrence: dict = field(default_factory=dict)

    @property
    def modalities(self) -> list[str]:
        return self.content.get("modalities", [])

    @property
    def categories(self) -> list[str]:
        return self.content.get("categories", [])

    @property
    def citation(self) -> str:
        return self.content.get("citation", "")

    @property
    def checks_to_verify(self) -> list[str]:
        return [check["name"] for check in self.checks if check.get("verify_locally")]

    @property
    def flagged(self) -> bool:
        """Whether anything in it is marked "verify locally"."""
        return self.verify_locally or bool(self.checks_to_verify)

    def catalog_fields(self) -> dict:
        return {
            "default_due_time": self.recurrence.get("default_due_time", "opening"),
            "catalog_code": self.code,
            "catalog_version": self.version,
            "catalog_digest": self.digest(),
            "verify_locally": self.verify_locally,
            "verify_locally_note": self.verify_locally_note,
        }

    def version_content(self) -> dict:
        """The content fields as create_procedure and new_procedure_version take them."""
        recurrence = {k: v for k, v in self.recurrence.items() if k != "default_due_time"}
        return {**self.content, **recurrence}

    def service_arguments(self) -> dict:
        """Keyword arguments of equipment.services.procedures' writes (less actor, site, now)."""
        return {
            **self.version_content(),
            "checks": [dict(check) for check in self.checks],
            "catalog": self.catalog_fields(),
        }

    def snapshot(self) -> dict:
        """What this entry says, in the words `version_snapshot` uses for a stored version."""
        values = {**dict.fromkeys(CONTENT_KEYS, ""), **RECURRENCE_DEFAULTS}
        values.update({"modalities": [], "categories": [], "performer_roles": []})
        values.update({"required_after": [], "external_allowed": False})
        values.update(self.content)
        values.update(self.recurrence)
        values.update(
            verify_locally=self.verify_locally, verify_locally_note=self.verify_locally_note
        )
        return {
            **{name: _plain(values[name]) for name in SNAPSHOT_FIELDS},
            "checks": [_check_snapshot(check) for check in self.checks],
        }

    def digest(self) -> str:
        return snapshot_digest(self.snapshot())


@dataclass(frozen=True)
class CatalogSource:
    """One source document's data file and its procedures, in the file's order."""

    key: str
    title: str
    path: Path
    entries: tuple[CatalogEntry, ...]


CHECK_DEFAULTS = {
    "unit": "",
    "band_mode": "absolute",
    "choices": [],
    "passing_choices": [],
    "stop_use": False,
    "correct_within_days": None,
    "citation": "",
    "verify_locally": False,
    **dict.fromkeys(LIMIT_FIELDS),
    **{f"{limit}_inclusive": True for limit in LIMIT_FIELDS},
}


def _plain(value):
    """A value as comparison and JSON take it: decimals without trailing zeros, as text."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _check_snapshot(check: dict) -> dict:
    values = {**CHECK_DEFAULTS, **check}
    for limit in LIMIT_FIELDS:
        if values[limit] is not None:
            values[limit] = Decimal(str(values[limit]))
    return {name: _plain(values[name]) for name in CHECK_FIELDS}


def version_snapshot(version) -> dict:
    """What a stored ProcedureVersion says, comparable with `CatalogEntry.snapshot()`; its
    checks in order (prefetched as `checks` when the caller did)."""
    checks = sorted(version.checks.all(), key=lambda check: check.position)
    return {
        **{name: _plain(getattr(version, name)) for name in SNAPSHOT_FIELDS},
        "checks": [
            {name: _plain(getattr(check, name)) for name in CHECK_FIELDS} for check in checks
        ],
    }


def snapshot_digest(snapshot: dict) -> str:
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def snapshot_differences(shipped: dict, local: dict) -> list[tuple[str, object, object]]:
    """(what, shipped value, local value) for each difference, checks named by their key."""
    differences = [
        (name, shipped[name], local[name])
        for name in SNAPSHOT_FIELDS
        if shipped.get(name) != local.get(name)
    ]
    shipped_checks = {check["key"]: check for check in shipped["checks"]}
    local_checks = {check["key"]: check for check in local["checks"]}
    for key, check in shipped_checks.items():
        if key not in local_checks:
            differences.append((f"checks.{key}", "present", "missing"))
            continue
        mine = local_checks[key]
        differences += [
            (f"checks.{key}.{name}", check[name], mine[name])
            for name in CHECK_FIELDS
            if name != "key" and check[name] != mine[name]
        ]
    differences += [
        (f"checks.{key}", "missing", "present") for key in local_checks if key not in shipped_checks
    ]
    if [c["key"] for c in shipped["checks"] if c["key"] in local_checks] != [
        c["key"] for c in local["checks"] if c["key"] in shipped_checks
    ]:
        differences.append(("checks (order)", _keys(shipped), _keys(local)))
    return differences


def _keys(snapshot: dict) -> str:
    return ", ".join(check["key"] for check in snapshot["checks"])


def _entry(source_key: str, path: Path, raw: dict, index: int) -> CatalogEntry:
    where = f"{path.name}, procedure {index + 1}"
    if not isinstance(raw, dict):
        raise CatalogFileError(f"{where}: a procedure is a table.")
    code = raw.get("code")
    if isinstance(code, str) and code:
        where = f"{path.name}, {code}"
    unknown = set(raw) - ENTRY_KEYS
    if unknown:
        raise CatalogFileError(f"{where}: unknown keys {', '.join(sorted(unknown))}.")
    for key in ("code", "version", "kind", "name", "citation"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise CatalogFileError(f"{where}: “{key}” must be non-empty text.")
    recurrence = raw.get("recurrence", {})
    if not isinstance(recurrence, dict):
        raise CatalogFileError(f"{where}: “recurrence” must be a table.")
    if unknown := set(recurrence) - set(RECURRENCE_KEYS):
        raise CatalogFileError(f"{where}: unknown recurrence keys {', '.join(sorted(unknown))}.")
    checks = raw.get("check", [])
    if not isinstance(checks, list) or not all(isinstance(c, dict) for c in checks):
        raise CatalogFileError(f"{where}: each “check” must be a table.")
    verify = raw.get("verify_locally", False)
    if not isinstance(verify, bool):
        raise CatalogFileError(f"{where}: “verify_locally” must be true or false.")
    for check in checks:
        if unknown := set(check) - set(CHECK_FIELDS):
            raise CatalogFileError(f"{where}: unknown check keys {', '.join(sorted(unknown))}.")
        for limit in LIMIT_FIELDS:
            if limit in check and not isinstance(check[limit], str):
                # Text keeps the digits as written: 0.90 stays 0.90, never a float.
                raise CatalogFileError(f'{where}: write the limit “{limit}” as text, e.g. "5".')
    return CatalogEntry(
        source_key=source_key,
        code=raw["code"].strip(),
        version=raw["version"].strip(),
        kind=raw["kind"].strip(),
        content={key: raw[key] for key in CONTENT_KEYS if key in raw},
        checks=tuple(checks),
        verify_locally=verify,
        verify_locally_note=raw.get("verify_locally_note", ""),
        recurrence={RECURRENCE_KEYS[key]: value for key, value in recurrence.items()},
    )


def read_source(path: Path) -> CatalogSource:
    """One data file, every key checked; CatalogFileError names the file and the entry."""
    with path.open("rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as problem:
            raise CatalogFileError(f"{path.name}: {problem}") from None
    source = data.get("source")
    if not isinstance(source, dict) or not source.get("key") or not source.get("title"):
        raise CatalogFileError(f"{path.name}: a [source] table with key and title is needed.")
    raw_entries = data.get("procedure", [])
    entries = tuple(_entry(source["key"], path, raw, n) for n, raw in enumerate(raw_entries))
    return CatalogSource(key=source["key"], title=source["title"], path=path, entries=entries)


@cache
def shipped_catalog(data_dir: Path = DATA_DIR) -> tuple[CatalogSource, ...]:
    """Every data file of the catalog, by file name; a code used twice is refused."""
    sources = tuple(read_source(path) for path in sorted(data_dir.glob("*.toml")))
    seen: dict[str, str] = {}
    for source in sources:
        for entry in source.entries:
            if entry.code.lower() in seen:
                raise CatalogFileError(
                    f"{source.path.name}: {entry.code} is also in {seen[entry.code.lower()]}."
                )
            seen[entry.code.lower()] = source.path.name
    return sources


def catalog_entries(
    *, modalities=(), categories=(), data_dir: Path = DATA_DIR
) -> list[CatalogEntry]:
    """The shipped entries, those of any of `modalities` or `categories` when either is given
    (a procedure naming no modality, such as a leak test, is reached by its category)."""
    entries = [entry for source in shipped_catalog(data_dir) for entry in source.entries]
    if not modalities and not categories:
        return entries
    return [
        entry
        for entry in entries
        if set(entry.modalities) & set(modalities) or set(entry.categories) & set(categories)
    ]
