"""Load the shipped regulatory catalog into the organisation library.

Keyed on (catalog code, catalog version). What is missing is created as a library procedure; a
newer catalog version of a library procedure still as shipped becomes its new version; a
library procedure edited here since it was loaded, and every site's copy, is never written:
the load says what differs instead. Every write goes through equipment.services.procedures,
so the content's validation and the audit trail apply. Loading twice changes nothing.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Prefetch

from compliance.catalog.shipped import (
    CatalogEntry,
    catalog_entries,
    snapshot_differences,
    snapshot_digest,
    version_snapshot,
)
from equipment.models import Check, Procedure
from equipment.services.procedures import create_procedure, new_procedure_version
from imaging_ops.audit.trail import regulated_transaction


class Outcome:
    """What a load did, or would do on a dry run, with one catalog procedure."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    KEPT_LOCAL = "kept_local"
    CONFLICT = "conflict"


WORDS = {
    Outcome.CREATED: "created in the library",
    Outcome.UPDATED: "new library version from the catalog",
    Outcome.UNCHANGED: "unchanged",
    Outcome.KEPT_LOCAL: "edited here: kept, not overwritten",
    Outcome.CONFLICT: "the library has its own procedure with this code: left alone",
}


@dataclass(frozen=True)
class CopyDifference:
    """A site's copy that says something other than the shipped version."""

    site_code: str
    catalog_version: str
    differences: tuple[tuple[str, object, object], ...]


@dataclass(frozen=True)
class EntryResult:
    entry: CatalogEntry
    outcome: str
    local_version: str = ""
    differences: tuple[tuple[str, object, object], ...] = ()
    copies: tuple[CopyDifference, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class LoadReport:
    results: tuple[EntryResult, ...]
    dry_run: bool

    def count(self, outcome: str) -> int:
        return sum(1 for result in self.results if result.outcome == outcome)

    @property
    def changed(self) -> bool:
        return any(r.outcome in (Outcome.CREATED, Outcome.UPDATED) for r in self.results)

    def lines(self) -> list[str]:
        """The report as a person reads it: each procedure's outcome and what differs."""
        lines = []
        for result in self.results:
            entry = result.entry
            head = f"{entry.code} v{entry.version}: {WORDS[result.outcome]}"
            if result.local_version and result.local_version != entry.version:
                head += f" (library at catalog version {result.local_version})"
            lines.append(head)
            lines += [_difference_line(d) for d in result.differences]
            for copy in result.copies:
                lines.append(
                    f"  copy at {copy.site_code} (catalog version {copy.catalog_version or '?'})"
                    " differs from the shipped version:"
                )
                lines += ["  " + _difference_line(d) for d in copy.differences]
        verb = "would be" if self.dry_run else "were"
        lines.append(
            f"{self.count(Outcome.CREATED)} {verb} created, {self.count(Outcome.UPDATED)} "
            f"{verb} updated, {self.count(Outcome.UNCHANGED)} unchanged, "
            f"{self.count(Outcome.KEPT_LOCAL)} kept as edited here, "
            f"{self.count(Outcome.CONFLICT)} left alone for a code in use."
        )
        return lines


def _difference_line(difference) -> str:
    what, shipped, local = difference
    return f"  {what}: shipped {shipped!r}, here {local!r}"


def _version_key(version: str) -> tuple:
    """Catalog versions compare as dotted numbers ("2" < "10"), text after numbers."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in version.split("."))


def _checks_prefetch(prefix: str = "") -> Prefetch:
    return Prefetch(f"{prefix}current_version__checks", queryset=Check.objects.order_by("position"))


def library_by_code(codes) -> dict[str, Procedure]:
    """The library procedures with these codes (case-insensitive), by lower-cased code, each
    with its current version, checks and site copies."""
    lowered = {code.lower() for code in codes}
    procedures = (
        Procedure.objects.filter(site__isnull=True)
        .select_related("current_version")
        .prefetch_related(
            _checks_prefetch(),
            Prefetch(
                "copies",
                queryset=Procedure.objects.select_related("site", "current_version")
                .prefetch_related(_checks_prefetch())
                .order_by("site__code"),
            ),
        )
    )
    return {p.code.lower(): p for p in procedures if p.code.lower() in lowered}


def is_locally_modified(version) -> bool:
    """Whether a version loaded from the catalog says something other than what was shipped
    (an edit here since the load, which carries the catalog's digest over)."""
    return snapshot_digest(version_snapshot(version)) != version.catalog_digest


def _copy_differences(entry: CatalogEntry, procedure: Procedure) -> tuple[CopyDifference, ...]:
    shipped = entry.snapshot()
    found = []
    for copy in procedure.copies.all():
        differences = snapshot_differences(shipped, version_snapshot(copy.current_version))
        if differences:
            found.append(
                CopyDifference(
                    site_code=copy.site.code,
                    catalog_version=copy.current_version.catalog_version,
                    differences=tuple(differences),
                )
            )
    return tuple(found)


def _plan(entry: CatalogEntry, procedure: Procedure | None) -> EntryResult:
    if procedure is None:
        return EntryResult(entry, Outcome.CREATED)
    current = procedure.current_version
    if current.catalog_code.lower() != entry.code.lower():
        return EntryResult(entry, Outcome.CONFLICT)
    copies = _copy_differences(entry, procedure)
    local = current.catalog_version
    differences = tuple(snapshot_differences(entry.snapshot(), version_snapshot(current)))
    if is_locally_modified(current):
        return EntryResult(entry, Outcome.KEPT_LOCAL, local, differences, copies)
    if _version_key(entry.version) > _version_key(local):
        return EntryResult(entry, Outcome.UPDATED, local, differences, copies)
    # The same version as shipped (or a later one than this code ships): nothing to write.
    return EntryResult(entry, Outcome.UNCHANGED, local, (), copies)


def load_catalog(
    *, actor, now: datetime, modalities=(), categories=(), dry_run: bool = False
) -> LoadReport:
    """Load the shipped catalog (the entries of `modalities` or `categories` when given) into
    the library as `actor`, a system administrator; all or nothing. A dry run plans the same
    and writes nothing."""
    entries = catalog_entries(modalities=modalities, categories=categories)
    library = library_by_code(entry.code for entry in entries)
    results = [_plan(entry, library.get(entry.code.lower())) for entry in entries]
    if dry_run:
        return LoadReport(results=tuple(results), dry_run=True)
    with regulated_transaction(actor=actor):
        for result in results:
            _apply(result, library, actor=actor, now=now)
    return LoadReport(results=tuple(results), dry_run=False)


def _apply(result: EntryResult, library: dict, *, actor, now: datetime) -> None:
    entry = result.entry
    try:
        if result.outcome == Outcome.CREATED:
            create_procedure(
                actor=actor,
                site=None,
                code=entry.code,
                kind=entry.kind,
                now=now,
                **entry.service_arguments(),
            )
        elif result.outcome == Outcome.UPDATED:
            new_procedure_version(
                actor=actor,
                procedure=library[entry.code.lower()],
                reason=f"Catalog version {entry.version} of {entry.code}.",
                now=now,
                **entry.service_arguments(),
            )
    except ValidationError as invalid:
        # A shipped file the services refuse: say which procedure, with every field's error.
        raise ValidationError(
            {f"{entry.code}.{k}": v for k, v in invalid.message_dict.items()}
        ) from None
