"""Failed procedures that hold a machine out of service, for the status gate.

A schedule's procedure has failed when the latest record of it on the machine that counts
(signed as performed, an outside performer's reviewed, not voided) is at action level; it
clears when a record of it that counts and is not at action level is performed after that
failure. Two aggregate queries however many schedules and records.
"""

from django.db.models import Max, Q

from equipment.limits import Outcome
from equipment.models import Equipment, EquipmentStatus, Schedule, ServiceRecord
from equipment.selectors.events import evidence
from imaging_ops.sites.local_time import local_time_text


def _latest(equipment: Equipment, procedure_ids) -> dict[int, tuple]:
    """Per procedure: the latest failure and the latest pass that count, on the machine."""
    rows = (
        ServiceRecord.objects.filter(
            equipment=equipment, procedure_id__in=procedure_ids, counts=True
        )
        .values("procedure_id")
        .annotate(
            failed=Max("performed_at", filter=Q(outcome=Outcome.ACTION)),
            passed=Max("performed_at", filter=~Q(outcome=Outcome.ACTION)),
        )
        .order_by()
    )
    return {row["procedure_id"]: (row["failed"], row["passed"]) for row in rows}


def _schedules(equipment: Equipment) -> list[Schedule]:
    return list(
        Schedule.objects.filter(equipment=equipment)
        .select_related("procedure__current_version")
        .order_by("procedure__code")
    )


def failed_procedure_blockers(equipment: Equipment) -> list[str]:
    """One sentence per scheduled procedure whose latest record that counts failed."""
    schedules = _schedules(equipment)
    latest = _latest(equipment, [s.procedure_id for s in schedules])
    sentences = []
    for schedule in schedules:
        failed, passed = latest.get(schedule.procedure_id, (None, None))
        if failed is None or (passed is not None and passed > failed):
            continue
        procedure = schedule.procedure
        sentences.append(
            f"{procedure.code} ({procedure.current_version.name}) failed at action level on "
            f"{local_time_text(failed, equipment.site.zone)}: record it again, passing and "
            "signed, after the repair."
        )
    return sentences


def failure_evidence(equipment: Equipment) -> list[dict]:
    """The passing records that cleared failures since the machine was last in service."""
    since = (
        equipment.status_changes.filter(to_status=EquipmentStatus.IN_SERVICE)
        .order_by("-changed_at")
        .values_list("changed_at", flat=True)
        .first()
    )
    schedules = _schedules(equipment)
    latest = _latest(equipment, [s.procedure_id for s in schedules])
    cleared = {
        procedure_id: failed
        for procedure_id, (failed, passed) in latest.items()
        if failed is not None
        and passed is not None
        and passed > failed
        and (since is None or failed > since)
    }
    if not cleared:
        return []
    records = (
        ServiceRecord.objects.filter(equipment=equipment, procedure_id__in=cleared, counts=True)
        .exclude(outcome=Outcome.ACTION)
        .filter(performed_at__gt=min(cleared.values()))
        .select_related("procedure")
        .order_by("performed_at", "pk")
    )
    first = {}
    for record in records:
        if record.performed_at > cleared[record.procedure_id]:
            first.setdefault(record.procedure_id, record)
    return [
        evidence(
            record,
            because="passed after the failure of "
            f"{local_time_text(cleared[pid], equipment.site.zone)}",
        )
        for pid, record in first.items()
    ]
