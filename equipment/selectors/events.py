"""Reads of a machine's events and what they require, for its page and the status gate.

A procedure is required after an event when its current version names the event's kind in
`required_after` and it applies to the machine: the machine's site's procedures, and the
organisation library's that the site has not copied, whose modalities (when it names any)
include one of the machine's and whose categories (when it names any) include its category.
It is satisfied by a record of it on the machine, signed (an outside performer's: reviewed),
not voided, not at action level, performed after the latest event that requires it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from equipment.limits import Outcome
from equipment.models import Equipment, EquipmentEvent, Procedure, ServiceRecord
from imaging_ops.sites.local_time import local_time_text


@dataclass(frozen=True)
class Requirement:
    procedure: Procedure
    event: EquipmentEvent  # the latest event that requires it
    satisfied_by: ServiceRecord | None
    awaiting_review: ServiceRecord | None  # a passing outside record not yet countersigned


def event_history(equipment: Equipment):
    """The machine's events, newest first, with who recorded them: one query."""
    return EquipmentEvent.objects.filter(equipment=equipment).select_related("actor")


def applies_to(version, equipment: Equipment) -> bool:
    """Whether a procedure version fits the machine by modality and category."""
    if version.modalities and not set(version.modalities) & set(equipment.modalities or ()):
        return False
    return not (version.categories and equipment.category not in version.categories)


def _candidates(equipment: Equipment) -> list[Procedure]:
    """The site's procedures and the library's not copied here, with current versions."""
    procedures = list(
        Procedure.objects.filter(
            Q(site_id=equipment.site_id) | Q(site__isnull=True),
            voided_at__isnull=True,
            current_version__isnull=False,
        ).select_related("current_version")
    )
    copied = {p.copied_from_id for p in procedures if p.site_id is not None and p.copied_from_id}
    return [p for p in procedures if p.site_id is not None or p.pk not in copied]


def _latest_events(equipment: Equipment) -> dict[str, EquipmentEvent]:
    latest: dict[str, EquipmentEvent] = {}
    for event in EquipmentEvent.objects.filter(equipment=equipment).order_by("occurred_at", "pk"):
        latest[event.kind] = event
    return latest


def since(event: EquipmentEvent) -> datetime:
    """From when a record counts as done after the event: its minute, the resolution work is
    recorded in (a test typed in the minute the repair was signed off is after it)."""
    return event.occurred_at.replace(second=0, microsecond=0)


def requirements(equipment: Equipment) -> list[Requirement]:
    """Each procedure the machine's events require, with the record that satisfies it (or
    none): a fixed number of queries however many events, procedures and records."""
    latest = _latest_events(equipment)
    if not latest:
        return []
    needed: list[tuple[Procedure, EquipmentEvent]] = []
    for procedure in _candidates(equipment):
        version = procedure.current_version
        events = [latest[k] for k in version.required_after or () if k in latest]
        if events and applies_to(version, equipment):
            needed.append((procedure, max(events, key=lambda e: (e.occurred_at, e.pk))))
    if not needed:
        return []
    earliest = min(since(event) for _, event in needed)
    passing = (
        ServiceRecord.objects.filter(
            equipment=equipment,
            procedure_id__in=[p.pk for p, _ in needed],
            voided_at__isnull=True,
            performed_at__gte=earliest,
        )
        .exclude(outcome=Outcome.ACTION)
        .select_related("procedure", "current_version")
        .order_by("performed_at", "pk")
    )
    counted: dict[int, list[ServiceRecord]] = {}
    for record in passing:
        counted.setdefault(record.procedure_id, []).append(record)
    found = []
    for procedure, event in needed:
        after = [r for r in counted.get(procedure.pk, []) if r.performed_at >= since(event)]
        satisfied = next((r for r in after if r.counts), None)
        waiting = next((r for r in after if not r.counts and r.current_version.is_external), None)
        found.append(Requirement(procedure, event, satisfied, waiting))
    return found


def _when(moment: datetime, equipment: Equipment) -> str:
    return local_time_text(moment, equipment.site.zone)


def event_blockers(equipment: Equipment) -> list[str]:
    """The gate's sentences for procedures required by events and not yet satisfied."""
    sentences = []
    for need in requirements(equipment):
        if need.satisfied_by is not None:
            continue
        procedure, event = need.procedure, need.event
        sentence = (
            f"{procedure.code} ({procedure.current_version.name}) is required after the "
            f"{event.get_kind_display().lower()} of {_when(event.occurred_at, equipment)}: "
            "record it, passing and signed, after that."
        )
        if need.awaiting_review is not None:
            sentence += (
                f" The outside performer's record of "
                f"{_when(need.awaiting_review.performed_at, equipment)} counts once it is "
                "reviewed."
            )
        sentences.append(sentence)
    return sentences


def event_evidence(equipment: Equipment) -> list[dict]:
    """The records that satisfy the machine's event requirements, as a status change keeps
    them."""
    return [
        evidence(
            need.satisfied_by,
            because=f"required after the {need.event.get_kind_display().lower()} of "
            f"{_when(need.event.occurred_at, equipment)}",
        )
        for need in requirements(equipment)
        if need.satisfied_by is not None
    ]


def evidence(record: ServiceRecord, *, because: str) -> dict:
    """One record that satisfied the gate, as plain values (stored on the status change)."""
    return {
        "record": record.pk,
        "procedure": record.procedure.code,
        "performed_at": record.performed_at.isoformat(),
        "performed": local_time_text(record.performed_at, record.equipment.site.zone),
        "because": because,
    }
