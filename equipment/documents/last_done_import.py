"""Import "last done" dates from CSV: when a department moves in, each schedule's clock starts
from the work it last did, so the hard limit counts from the truth.

One row a schedule: `site` (code), `asset_tag`, `procedure` (the site's procedure code),
`last_done` (a date, read as the schedule's due time that day at the site, or a date and time
with its offset) and an optional `note`. The file is read as the equipment import reads it
(size and row limits, header, strict CSV); every row is judged, each problem reported with its
line and column, and by default nothing is saved unless every row is valid. The rules are
equipment/services/last_done.py's; this module reads cells and finds the rows they name, with
a fixed number of queries per batch of rows.
"""

import copy
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower

from equipment.documents.csv_io import Row, _FlagInput, read_rows
from equipment.models import Equipment, Procedure, Schedule
from equipment.scheduling.site_days import due_moment
from equipment.services.last_done import (
    FIRST_YEAR,
    LAST_YEAR,
    LastDone,
    is_unchanged,
    last_done_errors,
    latest_records,
    record_last_done_many,
)
from equipment.services.schedules import move_clock, site_closures
from imaging_ops.access.scoping import scope
from imaging_ops.models import Site
from imaging_ops.sites.local_time import local_time_text

COLUMNS = ("site", "asset_tag", "procedure", "last_done", "note")
REQUIRED_COLUMNS = ("site", "asset_tag", "procedure", "last_done")
TEMPLATE_HINT = "download the template from the import page"
LOOKUP_BATCH = 500
PREVIEW_ROWS = 200
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_MOMENT = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", re.I
)
# The service's names for what it refuses, as the file's columns.
SERVICE_COLUMNS = {
    "site": "site",
    "equipment": "asset_tag",
    "last_done": "last_done",
    "note": "note",
}

TEMPLATE_ROWS = (
    COLUMNS,
    ("ALPHA", "CT-1", "CT-DAILY", "2026-03-02", "From the paper log"),
    ("ALPHA", "SRC-CS137", "LEAK", "2025-11-14T10:30-05:00", ""),
)


def template_csv() -> str:
    """The template file: the header and two example rows (a date; a moment with offset)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(TEMPLATE_ROWS)
    return out.getvalue()


class CellError(ValueError):
    pass


def _year_error(year: int) -> CellError | None:
    if FIRST_YEAR <= year <= LAST_YEAR:
        return None
    return CellError(f"A last-done date falls between {FIRST_YEAR} and {LAST_YEAR}; {year} is not.")


def read_when(text: str) -> date | datetime:
    """A `last_done` cell: a date (YYYY-MM-DD), or a date and time with its offset from UTC
    (2026-03-04T09:30-05:00, or Z). A time without an offset is refused: whose clock it was
    read on is the question the offset answers."""
    if not text:
        raise CellError("Give the date the work was last done.")
    if ISO_DATE.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise CellError(f"“{text}” is not a date in the calendar.") from None
        if problem := _year_error(day.year):
            raise problem
        return day
    if ISO_MOMENT.fullmatch(text):
        try:
            moment = datetime.fromisoformat(text.upper().replace(" ", "T"))
        except ValueError:
            raise CellError(f"“{text}” is not a moment in the calendar.") from None
        if problem := _year_error(moment.year):
            raise problem
        if moment.tzinfo is None:
            raise CellError(
                f"“{text}” has no offset from UTC: write it like 2026-03-04T09:30-05:00 (or Z "
                "for UTC), or give the date alone for the schedule's due time that day."
            )
        return moment
    raise CellError(
        f"“{text[:40]}” is not a date: write YYYY-MM-DD (read as the schedule's due time that "
        "day at the site) or a date and time with its offset, e.g. 2026-03-04T09:30-05:00."
    )


def moment_for(when: date | datetime, schedule: Schedule) -> datetime:
    """A date as the schedule's due time that day on the site's clocks; a moment as it is."""
    if isinstance(when, datetime):
        return when
    return due_moment(when, calendar=schedule.equipment.site, due_time=schedule.due_at)


# --- the report ----------------------------------------------------------------------------


@dataclass
class RowError:
    line: int
    asset_tag: str
    column: str | None
    reason: str


@dataclass
class Change:
    """What a valid row does: the schedule's last done before and after, and its next due."""

    line: int
    site: str
    asset_tag: str
    procedure: str
    before: str
    after: str
    next_due: str
    hard_limit: str
    unchanged: bool


@dataclass
class LastDoneReport:
    dry_run: bool
    skip_invalid: bool
    rows: int = 0
    updated: int = 0
    unchanged: int = 0
    saved: bool = False
    errors: list[RowError] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def invalid(self) -> int:
        return len({error.line for error in self.errors})

    @property
    def summary(self) -> str:
        if self.saved:
            skipped = f"; {self.invalid} invalid rows skipped" if self.invalid else ""
            return f"Saved: {self.updated} schedules updated, {self.unchanged} unchanged{skipped}."
        counts = f"{self.updated} to update, {self.unchanged} unchanged"
        if self.dry_run:
            return f"Check only, nothing saved: {counts}; {self.invalid} invalid."
        return (
            f"Nothing was saved: {self.invalid} of {self.rows} rows are invalid. Correct them, "
            "or import with “save the valid rows” to save the others alone."
        )

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "skip_invalid": self.skip_invalid,
            "saved": self.saved,
            "summary": self.summary,
            "rows": self.rows,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "invalid": self.invalid,
            "errors": [error.__dict__ for error in sorted(self.errors, key=lambda e: e.line)],
        }


# --- reading the rows ----------------------------------------------------------------------


@dataclass
class _Parsed:
    row: Row
    site: Site | None = None
    asset_tag: str = ""
    code: str = ""
    equipment: Equipment | None = None
    schedule: Schedule | None = None
    when: date | datetime | None = None
    moment: datetime | None = None
    note: str = ""
    errors: list[tuple[str | None, str]] = field(default_factory=list)


def _batches(values: list, size: int = LOOKUP_BATCH):
    for start in range(0, len(values), size):
        yield values[start : start + size]


class _Lookups:
    """The importer's sites, and the equipment, procedures and schedules the file names, with
    the latest record of each schedule: a fixed number of queries per batch of rows."""

    def __init__(self, actor, rows: list[Row]):
        self.sites = {site.code.casefold(): site for site in scope(Site.objects.all(), actor)}
        codes = {row.cells.get("site", "").casefold() for row in rows}
        site_ids = [self.sites[code].pk for code in codes if code in self.sites]
        tags = sorted({row.cells.get("asset_tag", "").lower() for row in rows} - {""})
        self.equipment: dict[tuple[int, str], Equipment] = {}
        for batch in _batches(tags):
            found = (
                Equipment.objects.annotate(tag_key=Lower("asset_tag"))
                .filter(site_id__in=site_ids, tag_key__in=batch)
                .select_related("site")
            )
            self.equipment.update({(e.site_id, e.asset_tag.lower()): e for e in found})
        names = sorted({row.cells.get("procedure", "").lower() for row in rows} - {""})
        self.procedures: dict[tuple[int, str], Procedure] = {}
        for batch in _batches(names):
            found = Procedure.objects.annotate(code_key=Lower("code")).filter(
                site_id__in=site_ids, code_key__in=batch
            )
            self.procedures.update({(p.site_id, p.code.lower()): p for p in found})
        self.schedules: dict[tuple[int, int], Schedule] = {}
        procedure_ids = [p.pk for p in self.procedures.values()]
        for batch in _batches(sorted(e.pk for e in self.equipment.values())):
            found = Schedule.objects.filter(
                equipment_id__in=batch, procedure_id__in=procedure_ids
            ).select_related("equipment__site", "procedure__current_version")
            self.schedules.update({(s.equipment_id, s.procedure_id): s for s in found})
        self.latest = latest_records(s.pk for s in self.schedules.values())
        self._closures: dict[int, frozenset] = {}

    def closures(self, site: Site, *, now: datetime) -> frozenset:
        if site.pk not in self._closures:
            self._closures[site.pk] = site_closures(site, now=now)
        return self._closures[site.pk]


def _parse(row: Row, lookups: _Lookups, header_width: int, *, actor, now) -> _Parsed:
    parsed = _Parsed(row=row)
    cells = row.cells
    if row.width != header_width:
        parsed.errors.append(
            (None, f"This row has {row.width} cells; the header has {header_width} columns.")
        )
        return parsed
    site_code = cells.get("site", "")
    parsed.site = lookups.sites.get(site_code.casefold())
    if not site_code:
        parsed.errors.append(("site", "Give the site's code."))
    elif parsed.site is None:
        # The same answer whether or not the site exists: nothing leaks about other sites.
        parsed.errors.append(("site", f"“{site_code}” is not one of your sites."))
    parsed.asset_tag, parsed.code = cells.get("asset_tag", ""), cells.get("procedure", "")
    parsed.note = cells.get("note", "")
    if not parsed.asset_tag:
        parsed.errors.append(("asset_tag", "Give the asset tag."))
    if not parsed.code:
        parsed.errors.append(("procedure", "Give the procedure's code."))
    try:
        parsed.when = read_when(cells.get("last_done", ""))
    except CellError as problem:
        parsed.errors.append(("last_done", str(problem)))
    if parsed.site is None:
        return parsed
    site = parsed.site
    procedure = None
    if parsed.asset_tag:
        parsed.equipment = lookups.equipment.get((site.pk, parsed.asset_tag.lower()))
        if parsed.equipment is None:
            parsed.errors.append(
                ("asset_tag", f"{site.code} has no equipment with asset tag “{parsed.asset_tag}”.")
            )
    if parsed.code:
        procedure = lookups.procedures.get((site.pk, parsed.code.lower()))
        if procedure is None:
            parsed.errors.append(
                (
                    "procedure",
                    f"{site.code} has no procedure “{parsed.code}” (a library procedure is "
                    "scheduled through the site's copy).",
                )
            )
    if parsed.equipment is None or procedure is None:
        return parsed
    parsed.schedule = lookups.schedules.get((parsed.equipment.pk, procedure.pk))
    if parsed.schedule is None:
        parsed.errors.append(
            (
                "procedure",
                f"{parsed.equipment.asset_tag} has no schedule for {procedure.code}: assign the "
                "procedure first.",
            )
        )
        return parsed
    if parsed.when is None:
        return parsed
    parsed.moment = moment_for(parsed.when, parsed.schedule)
    problems = last_done_errors(
        actor=actor,
        schedule=parsed.schedule,
        last_done=parsed.moment,
        note=parsed.note,
        now=now,
        latest_record=lookups.latest.get(parsed.schedule.pk),
    )
    parsed.errors.extend(
        (SERVICE_COLUMNS.get(column), message) for column, message in problems.items()
    )
    return parsed


def _mark_duplicates(parsed_rows: list[_Parsed]) -> None:
    groups: dict[tuple[int, str, str], list[_Parsed]] = {}
    for parsed in parsed_rows:
        if parsed.site is not None and parsed.asset_tag and parsed.code:
            key = (parsed.site.pk, parsed.asset_tag.lower(), parsed.code.lower())
            groups.setdefault(key, []).append(parsed)
    for group in groups.values():
        if len(group) < 2:
            continue
        lines = ", ".join(str(p.row.line) for p in group[:-1]) + f" and {group[-1].row.line}"
        for parsed in group:
            parsed.errors.append(
                (
                    None,
                    f"{parsed.code} on {parsed.asset_tag} at {parsed.site.code} is on lines "
                    f"{lines}; give each schedule's last done once.",
                )
            )


def _change(parsed: _Parsed, lookups: _Lookups, *, now: datetime) -> Change:
    """What the row will do to its schedule, worked out on a copy (nothing is written)."""
    schedule, site = parsed.schedule, parsed.site
    unchanged = is_unchanged(LastDone(schedule, parsed.moment))
    after = copy.copy(schedule)
    after.last_done = after.baseline_done = parsed.moment
    move_clock(after, now=now, closures=lookups.closures(site, now=now))
    zone = site.zone
    return Change(
        line=parsed.row.line,
        site=site.code,
        asset_tag=parsed.equipment.asset_tag,
        procedure=schedule.procedure.code,
        before=local_time_text(schedule.last_done, zone) if schedule.last_done else "",
        after=local_time_text(parsed.moment, zone),
        next_due=local_time_text(after.next_due, zone),
        hard_limit=local_time_text(after.hard_limit_at, zone) if after.hard_limit_at else "",
        unchanged=unchanged,
    )


def import_last_done(
    *, actor, upload, now: datetime, dry_run: bool = False, skip_invalid: bool = False
) -> LastDoneReport:
    """Read a CSV of last-done dates and set them through the service, reporting every row.

    Raises FileError when the file cannot be read at all. Saved, all or none, only when it is
    not a dry run and every row is valid (or `skip_invalid`: the valid rows alone)."""
    header, rows = read_rows(upload, columns=COLUMNS, required=REQUIRED_COLUMNS, hint=TEMPLATE_HINT)
    lookups = _Lookups(actor, rows)
    report = LastDoneReport(dry_run=dry_run, skip_invalid=skip_invalid, rows=len(rows))
    parsed_rows = [_parse(r, lookups, len(header), actor=actor, now=now) for r in rows]
    _mark_duplicates(parsed_rows)
    valid = [parsed for parsed in parsed_rows if not parsed.errors]
    for parsed in valid:
        change = _change(parsed, lookups, now=now)
        if change.unchanged:
            report.unchanged += 1
        else:
            report.updated += 1
        if len(report.changes) < PREVIEW_ROWS:
            report.changes.append(change)
    may_save = not dry_run and (skip_invalid or len(valid) == len(parsed_rows))
    if may_save and valid:
        entries = [LastDone(p.schedule, p.moment, p.note) for p in valid]
        try:
            record_last_done_many(actor=actor, entries=entries, now=now)
            report.saved = True
        except ValidationError as refused:
            # Something changed since the rows were read (a record arrived): say where.
            for key, messages in refused.message_dict.items():
                index, name = key.split(".", 1)
                parsed = valid[int(index)]
                parsed.errors.extend((SERVICE_COLUMNS.get(name), m) for m in messages)
    elif may_save:
        report.saved = True
    report.errors = [
        RowError(line=p.row.line, asset_tag=p.asset_tag, column=column, reason=reason)
        for p in parsed_rows
        for column, reason in p.errors
    ]
    return report


class LastDoneImportForm(forms.Form):
    """The file and the options of a last-done import."""

    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 CSV with the columns site, asset_tag, procedure, last_done and note.",
        error_messages={"empty": "The file is empty.", "required": "Choose a CSV file."},
    )
    dry_run = forms.BooleanField(
        required=False, widget=_FlagInput, label="Check only (dry run): save nothing"
    )
    skip_invalid = forms.BooleanField(
        required=False,
        widget=_FlagInput,
        label="Save the valid rows even when others are invalid",
    )

    def options(self) -> dict:
        data = self.cleaned_data
        return {
            "upload": data["file"],
            "dry_run": data["dry_run"],
            "skip_invalid": data["skip_invalid"],
        }
