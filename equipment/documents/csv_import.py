"""Import equipment from CSV: every row through `create_equipment` / `update_equipment`, so
each rule lives in the services, and a report of rows created, updated, unchanged, and each
invalid row's line, column and reason. By default the whole file is one regulated transaction,
saved only if every row is valid; a dry run rolls everything back.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models.functions import Lower

from equipment.documents.csv_io import (
    COLUMNS,
    FIELD_COLUMNS,
    CellError,
    Row,
    cell_value,
    location_key,
    read_rows,
)
from equipment.models import Equipment, Location
from equipment.services import registry as services
from imaging_ops.access.scoping import scope
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.models import Site

LOOKUP_BATCH = 500  # asset tags per query when loading the equipment a file names


@dataclass
class RowError:
    line: int
    asset_tag: str
    column: str | None
    reason: str


@dataclass
class ImportReport:
    dry_run: bool
    skip_invalid: bool
    adopt_in_service: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    saved: bool = False
    errors: list[RowError] = field(default_factory=list)

    @property
    def invalid(self) -> int:
        return len({error.line for error in self.errors})

    @property
    def summary(self) -> str:
        counts = f"{self.created} to create, {self.updated} to update, {self.unchanged} unchanged"
        if self.saved:
            done = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
            skipped = f"; {self.invalid} invalid rows skipped" if self.invalid else ""
            return f"Saved: {done}{skipped}."
        if self.dry_run:
            return f"Dry run, nothing saved: {counts}; {self.invalid} invalid."
        return (
            f"Nothing was saved: {self.invalid} of {self.rows} rows are invalid. Correct them, "
            "or import with “skip invalid rows” to save the valid rows alone."
        )

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "skip_invalid": self.skip_invalid,
            "adopt_in_service": self.adopt_in_service,
            "saved": self.saved,
            "summary": self.summary,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "invalid": self.invalid,
            "errors": [error.__dict__ for error in sorted(self.errors, key=lambda e: e.line)],
        }


@dataclass
class _Parsed:
    row: Row
    site: Site | None = None
    asset_tag: str = ""
    values: dict = field(default_factory=dict)
    errors: list[tuple[str | None, str]] = field(default_factory=list)


class _Lookups:
    """The importer's sites, and the locations and equipment the file names: a few queries."""

    def __init__(self, actor, rows: list[Row]):
        self.sites = {site.code.casefold(): site for site in scope(Site.objects.all(), actor)}
        codes = {row.cells.get("site", "").casefold() for row in rows}
        site_ids = [self.sites[code].pk for code in codes if code in self.sites]
        self.locations: dict[int, dict[str, Location | None]] = {pk: {} for pk in site_ids}
        for location in Location.objects.filter(site_id__in=site_ids):
            rooms = self.locations[location.site_id]
            key = location_key(str(location))
            rooms[key] = None if key in rooms else location  # None: two rooms read the same
        tags = sorted({row.cells.get("asset_tag", "").lower() for row in rows})
        self.equipment: dict[tuple[int, str], Equipment] = {}
        for start in range(0, len(tags), LOOKUP_BATCH):
            found = (
                Equipment.objects.annotate(tag_key=Lower("asset_tag"))
                .filter(site_id__in=site_ids, tag_key__in=tags[start : start + LOOKUP_BATCH])
                .select_related("site", "location")
            )
            for equipment in found:
                self.equipment[(equipment.site_id, equipment.asset_tag.lower())] = equipment


def _parse(row: Row, lookups: _Lookups, header_width: int) -> _Parsed:
    parsed = _Parsed(row=row)
    cells = row.cells
    if row.width != header_width:
        parsed.errors.append(
            (None, f"This row has {row.width} cells; the header has {header_width} columns.")
        )
        return parsed
    code = cells.get("site", "")
    parsed.site = lookups.sites.get(code.casefold())
    if not code:
        parsed.errors.append(("site", "Give the site's code."))
    elif parsed.site is None:
        # The same answer whether or not the site exists: nothing leaks about other sites.
        parsed.errors.append(("site", f"“{code}” is not one of your sites."))
    parsed.asset_tag = cells.get("asset_tag", "")
    if not parsed.asset_tag:
        parsed.errors.append(("asset_tag", "Give the asset tag."))
    for column in FIELD_COLUMNS:
        if column not in row.cells:
            continue
        text = cells.get(column, "")
        if column == "location":
            if text and parsed.site is not None:
                rooms = lookups.locations[parsed.site.pk]
                location = rooms.get(location_key(text))
                if location is None:
                    problem = (
                        f"More than one room at {parsed.site.code} reads “{text}”; rename one."
                        if location_key(text) in rooms
                        else _unknown_location(text, parsed.site)
                    )
                    parsed.errors.append(("location", problem))
                parsed.values["location"] = location
            elif not text:
                parsed.values["location"] = None
            continue
        try:
            parsed.values[column] = cell_value(column, text)
        except CellError as exc:
            parsed.errors.append((column, str(exc)))
    return parsed


def _unknown_location(text: str, site: Site) -> str:
    return (
        f"{site.code} has no location “{text}” (write it as “Building / Room”; add the room "
        "under Locations first)."
    )


def _mark_duplicates(parsed_rows: list[_Parsed]) -> None:
    lines: dict[tuple[int, str], list[_Parsed]] = {}
    for parsed in parsed_rows:
        if parsed.site is not None and parsed.asset_tag:
            lines.setdefault((parsed.site.pk, parsed.asset_tag.lower()), []).append(parsed)
    for group in lines.values():
        if len(group) > 1:
            numbers = ", ".join(str(p.row.line) for p in group[:-1]) + f" and {group[-1].row.line}"
            for parsed in group:
                parsed.errors.append(
                    (
                        "asset_tag",
                        f"Asset tag “{parsed.asset_tag}” at {parsed.site.code} is on lines "
                        f"{numbers}; list each piece of equipment once.",
                    )
                )


def _differs(equipment: Equipment, column: str, value) -> bool:
    if column == "location":
        return equipment.location_id != (value.pk if value else None)
    current = getattr(equipment, column)
    if isinstance(current, str) or (current is None and isinstance(value, str)):
        return (current or "").strip() != value
    return current != value


def _service_errors(exc: Exception) -> list[tuple[str | None, str]]:
    if isinstance(exc, PermissionDenied):
        return [(None, str(exc) or "You are not allowed to do this here.")]
    if isinstance(exc, IntegrityError):
        return [("asset_tag", "This site already has equipment with that asset tag.")]
    if not hasattr(exc, "error_dict"):
        return [(None, message) for message in exc.messages]
    errors = []
    for name, messages in exc.message_dict.items():
        column = "modalities" if name == "modality" else name
        errors.extend((column if column in COLUMNS else None, m) for m in messages)
    return errors


class _RollBack(Exception):
    """Raised inside the import's transaction to undo it (a dry run, or invalid rows)."""


def _apply(parsed: _Parsed, lookups: _Lookups, report: ImportReport, *, actor, reason) -> None:
    existing = lookups.equipment.get((parsed.site.pk, parsed.asset_tag.lower()))
    try:
        if existing is not None:
            changes = {
                column: value
                for column, value in {"asset_tag": parsed.asset_tag, **parsed.values}.items()
                if _differs(existing, column, value)
            }
            if not changes:
                report.unchanged += 1
                return
            services.update_equipment(actor=actor, equipment=existing, **changes)
            report.updated += 1
            return
        details = {k: v for k, v in parsed.values.items() if v not in ("", None, [])}
        details.setdefault("name", "")
        services.create_equipment(
            actor=actor,
            site=parsed.site,
            asset_tag=parsed.asset_tag,
            adopt_in_service=report.adopt_in_service,
            adoption_reason=reason,
            **details,
        )
        report.created += 1
    except (ValidationError, PermissionDenied, IntegrityError) as exc:
        parsed.errors.extend(_service_errors(exc))


def import_equipment(
    *,
    actor,
    upload,
    dry_run: bool = False,
    skip_invalid: bool = False,
    adopt_in_service: bool = False,
    adoption_reason: str = "",
) -> ImportReport:
    """Import a CSV of equipment through the services and report on every row.

    Raises FileError when the file cannot be read at all. Otherwise every row is tried inside
    one regulated transaction, committed only when it is not a dry run and either every row is
    valid or `skip_invalid` is set. New equipment awaits acceptance, or is adopted in service
    (a manager's decision for the whole file, with a reason). Status is never imported.
    """
    header, rows = read_rows(upload)
    lookups = _Lookups(actor, rows)
    report = ImportReport(
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        adopt_in_service=adopt_in_service,
        rows=len(rows),
    )
    parsed_rows = [_parse(row, lookups, len(header)) for row in rows]
    _mark_duplicates(parsed_rows)
    try:
        with regulated_transaction(actor=actor):
            for parsed in parsed_rows:
                if not parsed.errors:
                    _apply(parsed, lookups, report, actor=actor, reason=adoption_reason)
            invalid = [parsed for parsed in parsed_rows if parsed.errors]
            if dry_run or (invalid and not skip_invalid):
                raise _RollBack
            report.saved = True
    except _RollBack:
        pass
    report.errors = [
        RowError(line=parsed.row.line, asset_tag=parsed.asset_tag, column=column, reason=reason)
        for parsed in parsed_rows
        for column, reason in parsed.errors
    ]
    return report
