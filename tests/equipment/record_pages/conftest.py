"""What the record page tests share: the daily CT QC of the record tests, records made through
the record service, and many more copied in bulk for the query counts."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from equipment.models import Measurement, ServiceRecord, ServiceRecordVersion
from equipment.services.records import create_service_record
from imaging_ops.audit.mixin import audited_bulk_writes
from tests.equipment.conftest import NOW
from tests.equipment.records.conftest import PDF, daily, sign, values_for  # noqa: F401


def record(schedule, actor, *, now=NOW, performed_at=None, signature=True, **kwargs):
    """A record of `schedule` made and (by default) signed through the record service."""
    if "values" not in kwargs:
        kwargs["values"] = values_for(schedule)
    return create_service_record(
        actor=actor,
        schedule=schedule,
        performed_at=performed_at or now - timedelta(minutes=10),
        now=now,
        signature=sign(username=actor.username) if signature else None,
        **kwargs,
    )


def pdf(name="report.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def copy_records(template: ServiceRecord, count: int, *, step=timedelta(hours=1)) -> None:
    """`count` more records like `template` (its current version and measurements), each an
    hour earlier than the last, written in bulk."""
    version = template.current_version
    measurements = list(version.measurements.all())
    record_fields = {
        f.attname: getattr(template, f.attname)
        for f in ServiceRecord._meta.concrete_fields
        if not f.primary_key and f.attname not in ("current_version_id", "performed_at")
    }
    version_fields = {
        f.attname: getattr(version, f.attname)
        for f in ServiceRecordVersion._meta.concrete_fields
        if not f.primary_key and f.attname not in ("record_id", "performed_at")
    }
    with audited_bulk_writes():
        records = ServiceRecord.objects.bulk_create(
            ServiceRecord(**record_fields, performed_at=template.performed_at - step * (i + 1))
            for i in range(count)
        )
        versions = ServiceRecordVersion.objects.bulk_create(
            ServiceRecordVersion(**version_fields, record=r, performed_at=r.performed_at)
            for r in records
        )
        Measurement.objects.bulk_create(
            Measurement(
                **{
                    f.attname: getattr(m, f.attname)
                    for f in Measurement._meta.concrete_fields
                    if not f.primary_key and f.attname != "version_id"
                },
                version=v,
            )
            for v in versions
            for m in measurements
        )
        for r, v in zip(records, versions, strict=True):
            r.current_version = v
        ServiceRecord.objects.bulk_update(records, ["current_version"])
