"""The site QC summary as a plain snapshot: per piece of equipment at a site, the on-time share
of its scheduled completions in the period, its schedules overdue now, its action-level
failures in the period and its open work orders, by the dashboard's own selectors
(compliance.selectors.dashboard), so the summary's numbers are the dashboard's. A constant
number of queries."""

from datetime import datetime

from compliance.selectors.dashboard import (
    INACTIVE_EQUIPMENT,
    DashboardScope,
    EquipmentFigures,
    figures_by_equipment,
)
from compliance.selectors.logs import Period, facility_of
from equipment.models import Equipment
from imaging_ops.sites.local_time import local_time_text

SNAPSHOT_VERSION = 1


def site_qc_scope(*, site, period: Period, now: datetime, actor) -> DashboardScope:
    """The dashboard's scope of one site over the log's period, as `actor` sees it."""
    start, end = period.bounds(site)
    return DashboardScope(
        user=actor, site_ids=frozenset({site.pk}), modality="", start=start, end=end, now=now
    )


def site_qc_count(*, site, period: Period) -> int:
    """The summary's rows: the site's equipment in use or awaiting acceptance."""
    return Equipment.objects.filter(site=site).exclude(status__in=INACTIVE_EQUIPMENT).count()


def _share(figures: EquipmentFigures) -> str:
    share = figures.on_time_share
    if share is None:
        return "no scheduled completions"
    return f"{share:.0%} ({figures.on_time} of {figures.completions})"


def site_qc_snapshot(*, site, period: Period, now: datetime, actor) -> dict:
    """Everything the site QC summary prints for `site` over `period`, as of `now`."""
    figures = figures_by_equipment(site_qc_scope(site=site, period=period, now=now, actor=actor))
    equipment = (
        Equipment.objects.filter(site=site)
        .exclude(status__in=INACTIVE_EQUIPMENT)
        .order_by("asset_tag", "pk")
    )
    rows = []
    for machine in equipment:
        f = figures.get(machine.pk, EquipmentFigures())
        rows.append(
            {
                "id": machine.pk,
                "equipment": f"{machine.asset_tag} {machine.name}",
                "modality": machine.modality,
                "status": machine.get_status_display(),
                "schedules": f.schedules,
                "overdue": f.overdue,
                "completions": f.completions,
                "on_time": f.on_time,
                "on_time_share": _share(f),
                "failures": f.failures,
                "open_work_orders": f.open_work_orders,
            }
        )
    return {
        "format": SNAPSHOT_VERSION,
        "kind": "site_qc_summary",
        "title": "Site QC summary",
        "as_of": local_time_text(now, site.zone),
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "facility": facility_of(site),
        "equipment": rows,
        "totals": {
            key: sum(r[key] for r in rows)
            for key in (
                "schedules",
                "overdue",
                "completions",
                "on_time",
                "failures",
                "open_work_orders",
            )
        },
    }
