"""Import past training records from CSV, as the equipment import does: the file read by
imaging_ops.csv_import (size and row limits, byte-order mark, header), every row judged and each
problem reported with its line, column and reason, and by default nothing saved unless every
row is valid; with `skip_invalid` the valid rows alone, with `dry_run` nothing.

One row a completion: `site` (code), `person` and `instructor` (an account's username or
e-mail address), `course` (its code: the site's own course, else the organisation catalog's),
`completed_on`, `passed` (yes/no), `score`, `instructor_name` (an outside instructor without an
account, instead of `instructor`) and `notes`. The expiry is computed from the course, never
read. A row naming a record that exists (same site, person, course and completion day, not
voided) is unchanged, so importing a file twice changes nothing. The rules are
training/services/past_training.py's; this module reads cells and finds what they name, with a
fixed number of queries per batch of rows.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from imaging_ops.access.permissions import Action, sites_where
from imaging_ops.access.scoping import scope
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.csv_import import Row, read_rows, width_error, yes_no
from imaging_ops.errors import Conflict
from imaging_ops.models import Site, SiteMembership, User
from training.models import Course, TrainingRecord
from training.selectors.records import courses_for
from training.services.past_training import (
    PastTraining,
    check_importer_signature,
    past_training_errors,
    record_past_training,
)
from training.services.sessions import clean_score

COLUMNS = (
    "site",
    "person",
    "course",
    "completed_on",
    "passed",
    "score",
    "instructor",
    "instructor_name",
    "notes",
)
REQUIRED_COLUMNS = ("site", "person", "course", "completed_on", "passed")
TEMPLATE_HINT = "download the template from the import page"
LOOKUP_BATCH = 500
# Each row is a record and a signature written through their services (about 13 statements):
# a file stays within a request's time.
MAX_ROWS = 2_000
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

TEMPLATE_ROWS = (
    COLUMNS,
    ("ALPHA", "jdoe", "MRI-SAFETY-L1", "2025-11-14", "yes", "92", "asmith", "", "Sign-in sheet"),
    ("ALPHA", "jdoe@example.org", "RS-19-12", "2025-06-02", "yes", "", "", "Dr. R. Outside", ""),
)


def template_csv() -> str:
    """The template file: the header and two example rows (an instructor with an account; an
    outside instructor by name)."""
    out = io.StringIO()
    csv.writer(out).writerows(TEMPLATE_ROWS)
    return out.getvalue()


def may_import(user) -> bool:
    """Importing records training: refused to people who may do that nowhere (trainees,
    inspectors)."""
    return bool(sites_where(user, Action.RECORD_TRAINING))


# --- the report ----------------------------------------------------------------------------


@dataclass
class RowError:
    line: int
    person: str
    column: str | None
    reason: str


@dataclass
class ImportReport:
    dry_run: bool
    skip_invalid: bool
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    saved: bool = False
    errors: list[RowError] = field(default_factory=list)

    @property
    def invalid(self) -> int:
        return len({error.line for error in self.errors})

    @property
    def summary(self) -> str:
        if self.saved:
            skipped = f"; {self.invalid} invalid rows skipped" if self.invalid else ""
            return (
                f"Saved: {self.created} training records created and signed, "
                f"{self.unchanged} unchanged{skipped}."
            )
        if self.dry_run:
            return (
                f"Dry run, nothing saved: {self.created} to create, {self.unchanged} unchanged; "
                f"{self.invalid} invalid."
            )
        return (
            f"Nothing was saved: {self.invalid} of {self.rows} rows are invalid. Correct them, "
            "or import with “skip invalid rows” to save the valid rows alone."
        )

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "skip_invalid": self.skip_invalid,
            "saved": self.saved,
            "summary": self.summary,
            "rows": self.rows,
            "created": self.created,
            "unchanged": self.unchanged,
            "invalid": self.invalid,
            "errors": [error.__dict__ for error in sorted(self.errors, key=lambda e: e.line)],
        }


# --- finding what the rows name ------------------------------------------------------------


def _batches(values: list, size: int = LOOKUP_BATCH):
    for start in range(0, len(values), size):
        yield values[start : start + size]


class _Lookups:
    """The importer's sites, the people, courses and existing records the file names: a fixed
    number of queries per batch of rows."""

    def __init__(self, actor, rows: list[Row], *, now: datetime):
        self.sites = {site.code.casefold(): site for site in scope(Site.objects.all(), actor)}
        self.recording = sites_where(actor, Action.RECORD_TRAINING)
        codes = {row.cells.get("site", "").casefold() for row in rows}
        self.site_ids = sorted(self.sites[code].pk for code in codes if code in self.sites)
        self.today = {site.pk: site.today(now) for site in self.sites.values()}

        # People: anyone holding a role at one of the importer's sites, by username or e-mail
        # (both unique ignoring case); an account elsewhere reads as unknown.
        names = sorted(
            {
                row.cells.get(column, "").lower()
                for row in rows
                for column in ("person", "instructor")
            }
            - {""}
        )
        at_your_sites = scope(SiteMembership.objects.held(), actor).values("user_id")
        self.people: dict[str, User] = {}
        by_email: dict[str, User] = {}
        for batch in _batches(names):
            found = (
                User.objects.annotate(username_key=Lower("username"), email_key=Lower("email"))
                .filter(Q(username_key__in=batch) | Q(email_key__in=batch))
                .filter(pk__in=at_your_sites)
            )
            for person in found:
                self.people[person.username.lower()] = person
                if person.email:
                    by_email[person.email.lower()] = person
        # A username wins over another account's identical e-mail address.
        self.people = {**by_email, **self.people}
        person_ids = sorted({person.pk for person in self.people.values()})

        # Who holds a role at each row's site on its own today.
        self.members: set[tuple[int, int]] = set()
        for batch in _batches(person_ids):
            held = SiteMembership.objects.held().filter(
                site_id__in=self.site_ids, user_id__in=batch
            )
            for membership in held.only("site_id", "user_id", "expires_on"):
                if not membership.has_expired(self.today[membership.site_id]):
                    self.members.add((membership.site_id, membership.user_id))

        # Courses: the site's own by code, else the organisation catalog's.
        course_codes = sorted({row.cells.get("course", "").lower() for row in rows} - {""})
        self.courses: dict[tuple[int | None, str], Course] = {}
        for batch in _batches(course_codes):
            found = (
                courses_for(actor)
                .annotate(code_key=Lower("code"))
                .filter(code_key__in=batch)
                .filter(Q(site__isnull=True) | Q(site_id__in=self.site_ids))
            )
            self.courses.update({(c.site_id, c.code.lower()): c for c in found})
        course_ids = sorted({course.pk for course in self.courses.values()})

        # The records already there, so that a row naming one is unchanged.
        self.existing: set[tuple[int, int, int, date]] = set()
        for batch in _batches(person_ids):
            found = TrainingRecord.objects.filter(
                site_id__in=self.site_ids,
                person_id__in=batch,
                course_id__in=course_ids,
                voided_at__isnull=True,
            ).values_list("site_id", "person_id", "course_id", "completed_on")
            self.existing.update(found)

    def course(self, site: Site, code: str) -> Course | None:
        key = code.lower()
        return self.courses.get((site.pk, key)) or self.courses.get((None, key))


# --- reading the rows ----------------------------------------------------------------------


@dataclass
class _Parsed:
    row: Row
    entry: PastTraining | None = None
    key: tuple | None = None
    errors: list[tuple[str | None, str]] = field(default_factory=list)

    @property
    def person_text(self) -> str:
        return self.row.cells.get("person", "")


def _date(text: str) -> date:
    if not text:
        raise ValueError("Give the day the training was completed (YYYY-MM-DD).")
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"“{text[:40]}” is not a date; write it as YYYY-MM-DD, e.g. 2025-03-04."
        ) from None


def _account(text: str, lookups: _Lookups, column: str, errors: list) -> User | None:
    if not text:
        return None
    person = lookups.people.get(text.lower())
    if person is None:
        hint = (
            "; name an outside instructor in instructor_name instead"
            if column == "instructor"
            else ""
        )
        errors.append(
            (column, f"No one at your sites has the username or e-mail address “{text}”{hint}.")
        )
    return person


def _course(code: str, site: Site | None, lookups: _Lookups, errors: list) -> Course | None:
    if not code:
        errors.append(("course", "Give the course's code."))
        return None
    if site is None:
        return None
    course = lookups.course(site, code)
    if course is None:
        errors.append(
            ("course", f"{site.code} has no course “{code}”, nor has the organisation catalog.")
        )
    return course


def _values(cells: dict, errors: list) -> tuple[date | None, bool | None, Decimal | None]:
    """The completion day, whether passed, and the score, as far as they can be read."""
    completed_on = passed = None
    try:
        completed_on = _date(cells.get("completed_on", ""))
    except ValueError as problem:
        errors.append(("completed_on", str(problem)))
    text = cells.get("passed", "")
    try:
        passed = yes_no(text, required=True)
    except ValueError:
        errors.append(
            (
                "passed",
                f"“{text[:40]}” is not yes or no: say whether the person passed."
                if text
                else "Say whether the person passed: yes or no.",
            )
        )
    score_errors: dict[str, str] = {}
    score = clean_score(cells.get("score", ""), score_errors, "score")
    errors.extend(score_errors.items())
    return completed_on, passed, score


def _parse(row: Row, lookups: _Lookups, header_width: int, *, actor) -> _Parsed:
    parsed = _Parsed(row=row)
    errors = parsed.errors
    if problem := width_error(row, header_width):
        errors.append((None, problem))
        return parsed
    cells = row.cells
    site_code = cells.get("site", "")
    site = lookups.sites.get(site_code.casefold())
    if not site_code:
        errors.append(("site", "Give the site's code."))
    elif site is None:
        # The same answer whether or not the site exists: nothing leaks about other sites.
        errors.append(("site", f"“{site_code}” is not one of your sites."))
    elif site.pk not in lookups.recording:
        errors.append(("site", f"You are not allowed to record training at {site.code}."))
        site = None

    person_text = cells.get("person", "")
    if not person_text:
        errors.append(("person", "Give the person's username or e-mail address."))
    person = _account(person_text, lookups, "person", errors)
    if site is not None and person is not None and (site.pk, person.pk) not in lookups.members:
        errors.append(("person", f"{person.username} holds no role at {site.code}."))
    instructor = _account(cells.get("instructor", ""), lookups, "instructor", errors)

    course = _course(cells.get("course", ""), site, lookups, errors)
    completed_on, passed, score = _values(cells, errors)
    if site is None or course is None or completed_on is None or passed is None:
        return parsed
    if person is None and person_text:
        return parsed
    parsed.entry = PastTraining(
        site=site,
        person=person,
        course=course,
        completed_on=completed_on,
        passed=passed,
        score=score,
        instructor=instructor,
        instructor_name=cells.get("instructor_name", ""),
        notes=cells.get("notes", ""),
    )
    if person is not None:
        parsed.key = (site.pk, person.pk, course.pk, completed_on)
    problems = past_training_errors(actor=actor, entry=parsed.entry, today=lookups.today[site.pk])
    if instructor is None and cells.get("instructor"):
        problems.pop("instructor", None)  # the unknown account is said already
    errors.extend(problems.items())
    return parsed


def _mark_duplicates(parsed_rows: list[_Parsed]) -> None:
    groups: dict[tuple, list[_Parsed]] = {}
    for parsed in parsed_rows:
        if parsed.key is not None:
            groups.setdefault(parsed.key, []).append(parsed)
    for group in groups.values():
        if len(group) < 2:
            continue
        entry = group[0].entry
        lines = ", ".join(str(p.row.line) for p in group[:-1]) + f" and {group[-1].row.line}"
        for parsed in group:
            parsed.errors.append(
                (
                    None,
                    f"{entry.course.code} completed by {entry.person.username} on "
                    f"{entry.completed_on:%Y-%m-%d} at {entry.site.code} is on lines {lines}; "
                    "list each completion once.",
                )
            )


def _service_errors(exc: Exception) -> list[tuple[str | None, str]]:
    if isinstance(exc, PermissionDenied | Conflict):
        return [(None, str(exc) or "You are not allowed to do this here.")]
    if not hasattr(exc, "error_dict"):
        return [(None, message) for message in exc.messages]
    return [
        (name if name in COLUMNS else None, message)
        for name, messages in exc.message_dict.items()
        for message in messages
    ]


class _RollBack(Exception):
    """Raised inside the import's transaction to undo it (a dry run, or invalid rows)."""


def import_training_records(
    *,
    actor,
    upload,
    now: datetime | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    signature: dict | None = None,
) -> ImportReport:
    """Import a CSV of past training and report on every row.

    Raises FileError when the file cannot be read at all, and the signature's ValidationError
    (`password`, `username`, `acknowledge_policy`) or PermissionDenied when it is refused;
    `signature` holds `password` (and `username`, `acknowledge_policy`, `session`, `via_api`)
    and may be left out of a dry run, which signs nothing. Otherwise every row is tried inside
    one regulated transaction, committed only when it is not a dry run and every row is valid
    or `skip_invalid` is set. Each created record is signed by the importer as reviewed.
    """
    if not may_import(actor):
        raise PermissionDenied("You are not allowed to record training at any of your sites.")
    now = now or timezone.now()
    header, rows = read_rows(
        upload, columns=COLUMNS, required=REQUIRED_COLUMNS, hint=TEMPLATE_HINT, max_rows=MAX_ROWS
    )
    signature = dict(signature or {})
    if not dry_run:
        check_importer_signature(actor=actor, now=now, **signature)
    lookups = _Lookups(actor, rows, now=now)
    report = ImportReport(dry_run=dry_run, skip_invalid=skip_invalid, rows=len(rows))
    parsed_rows = [_parse(row, lookups, len(header), actor=actor) for row in rows]
    _mark_duplicates(parsed_rows)
    acknowledge = bool(signature.get("acknowledge_policy"))
    try:
        with regulated_transaction(actor=actor):
            for parsed in parsed_rows:
                if parsed.errors:
                    continue
                if parsed.key in lookups.existing:
                    report.unchanged += 1
                    continue
                try:
                    record_past_training(
                        actor=actor,
                        entry=parsed.entry,
                        now=now,
                        sign=not dry_run,
                        # The policy is acknowledged with the first signature, when it must be.
                        acknowledge_policy=acknowledge and not report.created,
                        session=signature.get("session"),
                        via_api=signature.get("via_api", False),
                    )
                except (ValidationError, PermissionDenied, Conflict) as exc:
                    parsed.errors.extend(_service_errors(exc))
                    continue
                report.created += 1
            invalid = any(parsed.errors for parsed in parsed_rows)
            if dry_run or (invalid and not skip_invalid):
                raise _RollBack
            report.saved = True
    except _RollBack:
        pass
    report.errors = [
        RowError(line=p.row.line, person=p.person_text, column=column, reason=reason)
        for p in parsed_rows
        for column, reason in p.errors
    ]
    return report
