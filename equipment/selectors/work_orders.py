"""Reads of work orders that pages, the API and the status gate share: the list with what each
row shows, one work order's page, the open work orders of a machine, the downtime of a page of
them from the equipment's status history, and the gate's two blockers.

Downtime is never typed: it is the time the equipment spent out of service between the work
order's opening and its close (verified or cancelled), or now while it is open, read from the
`EquipmentStatusChange` rows. A page of work orders reads those rows in one query, however many
work orders it holds.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import DecimalField, ExpressionWrapper, F, Prefetch, Sum
from django.db.models.functions import Coalesce

from equipment.models import (
    CLOSED_STATES,
    OPEN_STATES,
    Equipment,
    EquipmentStatus,
    EquipmentStatusChange,
    WorkOrder,
    WorkOrderCompletion,
    WorkOrderLine,
    WorkOrderState,
)
from imaging_ops.models import Signature

W = WorkOrderState
OUT = EquipmentStatus.OUT_OF_SERVICE
# The gate's open work orders: completed ones are the second blocker's.
STOP_USE_STATES = sorted(OPEN_STATES - {W.COMPLETED})


def _cost():
    line = ExpressionWrapper(
        F("lines__quantity") * F("lines__unit_cost"),
        output_field=DecimalField(max_digits=24, decimal_places=4),
    )
    return Coalesce(Sum(line), 0, output_field=DecimalField(max_digits=24, decimal_places=4))


def work_order_list():
    """Work orders as a list shows them: machine and site, reporter and assignee joined, and
    their lines' total cost summed in SQL, so a page runs no query per row."""
    return (
        WorkOrder.objects.select_related("equipment__site", "reporter", "assignee")
        .annotate(cost=_cost())
        .order_by("-opened_at", "-pk")
    )


def work_order_page():
    """One work order with its lines, attachments and every completion with its signatures."""
    completions = WorkOrderCompletion.objects.select_related("created_by").prefetch_related(
        Prefetch("signatures", queryset=Signature.objects.select_related("site"))
    )
    return WorkOrder.objects.select_related(
        "equipment__site",
        "reporter",
        "assignee",
        "source_record__procedure",
        "current_version",
    ).prefetch_related(
        Prefetch("lines", queryset=WorkOrderLine.objects.select_related("added_by")),
        "attachments",
        Prefetch("versions", queryset=completions),
    )


def open_work_orders(equipment: Equipment) -> list[WorkOrder]:
    """The machine's open work orders, newest first, as its page lists them."""
    return list(
        WorkOrder.objects.filter(equipment=equipment, state__in=sorted(OPEN_STATES))
        .select_related("assignee")
        .order_by("-opened_at", "-pk")
    )


def total_cost(work_order: WorkOrder):
    """From the list's annotation when there is one, else from the prefetched lines."""
    cost = getattr(work_order, "cost", None)
    if cost is not None:
        return cost
    return sum((line.total for line in work_order.lines.all()), start=0)


# --- Downtime ----------------------------------------------------------------------------------


def _window(work_order: WorkOrder, now: datetime) -> tuple[datetime, datetime]:
    end = (
        work_order.closed_at if work_order.state in CLOSED_STATES and work_order.closed_at else now
    )
    return work_order.opened_at, max(end, work_order.opened_at)


def downtime_of(
    *, start: datetime, end: datetime, changes: list[tuple[datetime, str, str]], status_now: str
) -> timedelta:
    """Time out of service within [start, end), from the changes (moment, from, to) in time
    order from `start` on; `status_now`, the equipment's status after the last of them, stands
    where no change follows. Pure: the boundaries are tested without a database."""
    later = [c for c in changes if c[0] >= start]
    status = later[0][1] if later else status_now
    total = timedelta()
    moment = start
    for at, _before, after in later:
        if at >= end:
            break
        if status == OUT:
            total += at - moment
        moment, status = at, after
    if status == OUT and end > moment:
        total += end - moment
    return total


def downtimes(work_orders, *, now: datetime) -> dict[int, timedelta]:
    """Each work order's downtime, by id, for a page of them: one query for the status changes
    of their equipment since the earliest opening, whatever the page holds."""
    work_orders = list(work_orders)
    if not work_orders:
        return {}
    earliest = min(w.opened_at for w in work_orders)
    equipment_ids = {w.equipment_id for w in work_orders}
    changes: dict[int, list] = defaultdict(list)
    rows = (
        EquipmentStatusChange.objects.filter(
            equipment_id__in=equipment_ids, changed_at__gte=earliest
        )
        .order_by("changed_at", "pk")
        .values_list("equipment_id", "changed_at", "from_status", "to_status")
    )
    for equipment_id, at, before, after in rows:
        changes[equipment_id].append((at, before, after))
    result = {}
    for work_order in work_orders:
        start, end = _window(work_order, now)
        result[work_order.pk] = downtime_of(
            start=start,
            end=end,
            changes=changes[work_order.equipment_id],
            status_now=work_order.equipment.status,
        )
    return result


def duration_text(duration: timedelta) -> str:
    """“2 d 3 h 5 min”, “45 min”, “none”."""
    minutes = int(duration.total_seconds() // 60)
    if minutes <= 0:
        return "none"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min"]
    return " ".join(p for p in parts if p and not (p == "0 min" and (days or hours)))


# --- The return-to-service gate ----------------------------------------------------------------


def _problem(work_order: WorkOrder) -> str:
    text = " ".join(work_order.problem.split())
    return text if len(text) <= 80 else text[:79] + "…"


def stop_use_blockers(equipment: Equipment) -> list[str]:
    """An open stop-use work order (not yet completed) holds the equipment out of service."""
    rows = WorkOrder.objects.filter(
        equipment_id=equipment.pk, stop_use=True, state__in=STOP_USE_STATES
    ).order_by("opened_at", "pk")
    return [
        f"Work order {w.pk} (“{_problem(w)}”) holds {equipment.asset_tag} out of service: it is "
        f"{w.get_state_display().lower()}; complete and verify the repair first."
        for w in rows
    ]


def unverified_completion_blockers(equipment: Equipment) -> list[str]:
    """A completed work order stays open until a physicist or manager verifies it."""
    rows = WorkOrder.objects.filter(equipment_id=equipment.pk, state=W.COMPLETED).order_by(
        "opened_at", "pk"
    )
    return [
        f"Work order {w.pk} (“{_problem(w)}”) is completed but not verified: a physicist or "
        "manager verifies the repair before service."
        for w in rows
    ]
