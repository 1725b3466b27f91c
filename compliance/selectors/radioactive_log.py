"""The radioactive materials log as a plain snapshot: a site's sealed-source inventory (the
radionuclide, the certified reference activity and date, the activity decayed to the site's
today, the secured location) and, over the period, its leak tests, the calibrations of its
radiation measurement instruments and its area surveys with their results and signatures (the
NRC part 35 procedures of the regulatory catalog). A constant number of queries."""

from datetime import datetime

from django.db.models import Q

from compliance.selectors.logs import (
    Calibrations,
    Period,
    facility_of,
    record_entry,
    service_records,
)
from equipment.decay import source_activity
from equipment.models import Equipment, EquipmentStatus, ProcedureKind, ServiceRecord
from equipment.models.registry import Category
from imaging_ops.sites.local_time import local_time_text

SNAPSHOT_VERSION = 1

# The log's sections: which service records each holds, in the order printed.
SECTIONS = (
    ("leak_tests", "Leak tests", Q(procedure__kind=ProcedureKind.LEAK_TEST)),
    (
        "calibrations",
        "Instrument calibrations",
        Q(
            procedure__kind=ProcedureKind.CALIBRATION,
            equipment__category=Category.RADIATION_INSTRUMENT,
        ),
    ),
    ("area_surveys", "Area surveys", Q(procedure__kind=ProcedureKind.AREA_SURVEY)),
)


SECTION_OF_KIND = {
    ProcedureKind.LEAK_TEST: "leak_tests",
    ProcedureKind.CALIBRATION: "calibrations",
    ProcedureKind.AREA_SURVEY: "area_surveys",
}


def _in_log(site) -> Q:
    either = Q()
    for _key, _title, where in SECTIONS:
        either |= where
    return Q(equipment__site=site) & either


def radioactive_log_count(*, site, period: Period) -> int:
    start, end = period.bounds(site)
    return ServiceRecord.objects.filter(
        _in_log(site), performed_at__gte=start, performed_at__lt=end
    ).count()


def _source(equipment: Equipment, now: datetime) -> dict:
    activity = source_activity(equipment, now=now)
    location = equipment.location
    return {
        "id": equipment.pk,
        "asset_tag": equipment.asset_tag,
        "name": equipment.name,
        "serial_number": equipment.serial_number,
        "status": equipment.get_status_display(),
        "radionuclide": activity.radionuclide if activity else equipment.radionuclide,
        "half_life": activity.half_life if activity else "",
        "reference": activity.reference if activity else "reference not recorded",
        "reference_date": activity.reference_date.isoformat() if activity else "",
        "activity_on": activity.on.isoformat() if activity else "",
        "activity": activity.current if activity else "",
        "location": str(location) if location else "not recorded",
        "secured": bool(location and location.secured_storage),
    }


def _section_of(record) -> str:
    """Which section a record of the log goes in: by its procedure's kind (the query has
    already kept calibrations to radiation instruments)."""
    return SECTION_OF_KIND[record.procedure.kind]


def radioactive_log_snapshot(*, site, period: Period, now: datetime) -> dict:
    """Everything the radioactive materials log prints for `site` over `period`, as of `now`."""
    zone = site.zone
    start, end = period.bounds(site)
    sources = (
        Equipment.objects.filter(site=site, category=Category.SEALED_SOURCE)
        .exclude(status=EquipmentStatus.DISPOSED)
        .select_related("site", "location")
        .order_by("asset_tag", "pk")
    )
    rows = service_records(_in_log(site), start, end)
    calibrations = Calibrations(rows, end)
    grouped: dict[str, list[dict]] = {key: [] for key, _title, _where in SECTIONS}
    for record in rows:
        entry = record_entry(record, zone, calibrations)
        entry["equipment"] = f"{record.equipment.asset_tag} {record.equipment.name}"
        grouped[_section_of(record)].append(entry)
    return {
        "format": SNAPSHOT_VERSION,
        "kind": "radioactive_materials",
        "title": "Radioactive materials log",
        "as_of": local_time_text(now, zone),
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "facility": facility_of(site),
        "sources": [_source(s, now) for s in sources],
        "sections": [
            {"key": key, "title": title, "records": grouped[key]} for key, title, _where in SECTIONS
        ],
    }
