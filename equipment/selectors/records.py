"""Reads of service records: the list and the record as the API and pages show them, in a
constant number of queries however many records, measurements and signatures there are."""

from django.db.models import Prefetch

from equipment.models import Measurement, ServiceRecord, ServiceRecordVersion
from imaging_ops.models import Signature


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
