"""Reads of service records: the list and the record as the API and pages show them, in a
constant number of queries however many records, measurements and signatures there are."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Prefetch, Window
from django.db.models.functions import RowNumber

from equipment.models import (
    Check,
    Equipment,
    Measurement,
    RecordAttachment,
    ServiceRecord,
    ServiceRecordVersion,
)
from imaging_ops.models import Signature
from imaging_ops.records.prefetch import keep_prefetched


def service_records():
    """Records with their current version, its measurements (with their checks), instruments,
    attachments and signatures, and the schedule's clock."""
    current = ServiceRecordVersion.objects.select_related(
        "created_by", "procedure_version"
    ).prefetch_related(
        Prefetch(
            "measurements",
            queryset=Measurement.objects.select_related("procedure_check").order_by("position"),
        ),
        "instruments",
        "attachments",
        Prefetch("signatures", queryset=Signature.objects.select_related("site")),
    )
    return ServiceRecord.objects.select_related(
        "equipment__site", "procedure", "schedule"
    ).prefetch_related(Prefetch("versions", queryset=current))


def with_contents(records: list[ServiceRecord]) -> list[ServiceRecord]:
    """A page of records (read without prefetching) given what `service_records()` prefetches
    but the versions' authors, in one query per relation: their versions, and the versions'
    measurements (each check loaded once however many measurements name it), instruments,
    attachments and signatures."""
    versions = list(
        ServiceRecordVersion.objects.select_related("procedure_version").filter(record__in=records)
    )
    keep_prefetched(
        records,
        "versions",
        ServiceRecordVersion,
        versions,
        owner=lambda v: v.record_id,
        back="record",
    )
    if not versions:
        return records
    measurements = list(Measurement.objects.filter(version__in=versions).order_by("position"))
    checks = Check.objects.in_bulk({m.procedure_check_id for m in measurements})
    for measurement in measurements:
        measurement._state.fields_cache["procedure_check"] = checks[measurement.procedure_check_id]
    keep_prefetched(
        versions,
        "measurements",
        Measurement,
        measurements,
        owner=lambda m: m.version_id,
        back="version",
    )
    used = ServiceRecordVersion.instruments.through.objects.filter(
        servicerecordversion__in=versions
    ).select_related("equipment")
    keep_prefetched(
        versions,
        "instruments",
        Equipment,
        used.order_by("pk"),
        owner=lambda row: row.servicerecordversion_id,
        item=lambda row: row.equipment,
    )
    keep_prefetched(
        versions,
        "attachments",
        RecordAttachment,
        RecordAttachment.objects.filter(version__in=versions),
        owner=lambda a: a.version_id,
        back="version",
    )
    signatures = Signature.objects.select_related("site").filter(
        content_type=ContentType.objects.get_for_model(ServiceRecordVersion),
        object_id__in=[v.pk for v in versions],
    )
    keep_prefetched(versions, "signatures", Signature, signatures, owner=lambda s: s.object_id)
    return records


def record_list():
    """Records as a list shows them: machine and site, procedure, and the current version's
    performer and timeliness, joined, so a page of them runs no query per row."""
    return ServiceRecord.objects.select_related(
        "equipment__site", "procedure__current_version", "schedule", "current_version__created_by"
    )


def record_export():
    """The list's rows with the current version's measurements (and their checks), for a CSV
    read in chunks."""
    return record_list().prefetch_related(
        Prefetch(
            "current_version__measurements",
            queryset=Measurement.objects.select_related("procedure_check").order_by("position"),
        )
    )


def _on_current_versions(measurements, *, schedule=None, equipment=None, procedure=None):
    """Measurements of the current versions of records not voided: the schedule's records, or
    (ad hoc work) the machine's records of the procedure."""
    if schedule is not None:
        subject = {"version__record__schedule": schedule}
    else:
        subject = {"version__record__equipment": equipment, "version__record__procedure": procedure}
    return measurements.filter(
        **subject,
        version__record__current_version=F("version"),
        version__record__voided_at__isnull=True,
    )


def ranked_per_check(measurements, *, partition=("procedure_check__key",)):
    """Each measurement with its rank among its check's (by key, across procedure versions),
    newest performed first."""
    return measurements.annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F(name) for name in partition],
            order_by=[F("version__performed_at").desc(), F("pk").desc()],
        )
    )


def record_page():
    """One record with every version in full (measurements, instruments, attachments,
    signatures) and who voided it: what its page shows, in a constant number of queries."""
    return service_records().select_related("voided_by", "procedure__current_version")


# The latest values of each check are almost always in the subject's latest records: looked for
# there first, over the whole history only when that is not enough.
RECENT_RECORDS = 20


def recent_values(*, schedule=None, equipment=None, procedure=None, per_check: int = 5, keys=None):
    """The latest `per_check` values of each check, by check key, newest first. One query over
    the subject's latest `RECENT_RECORDS` records, and a second over all of them only when a
    check (of `keys`, or of those found) has fewer values there than asked (a short history,
    or a check added lately): at most two queries however many records there are."""
    subject = (
        {"schedule": schedule}
        if schedule is not None
        else {"equipment": equipment, "procedure": procedure}
    )
    latest_records = (
        ServiceRecord.objects.filter(**subject, voided_at__isnull=True)
        .order_by("-performed_at", "-pk")
        .values("pk")[:RECENT_RECORDS]
    )
    measurements = _on_current_versions(
        Measurement.objects.all(), schedule=schedule, equipment=equipment, procedure=procedure
    )
    nearby = _latest_per_check(
        measurements.filter(version__record__in=latest_records), per_check=per_check
    )
    wanted = set(nearby) | set(keys or ())
    if all(len(nearby.get(key, [])) >= per_check for key in wanted):
        return nearby
    return _latest_per_check(measurements, per_check=per_check)


def _latest_per_check(measurements, *, per_check: int) -> dict[str, list[Measurement]]:
    rows = (
        ranked_per_check(measurements)
        .filter(rank__lte=per_check)
        .select_related("procedure_check", "version")
        .order_by("procedure_check__key", "-version__performed_at", "-pk")
    )
    latest: dict[str, list[Measurement]] = {}
    for measurement in rows:
        latest.setdefault(measurement.procedure_check.key, []).append(measurement)
    return latest
