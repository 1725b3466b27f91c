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


def record_page():
    """One record with every version in full (measurements, instruments, attachments,
    signatures) and who voided it: what its page shows, in a constant number of queries."""
    return service_records().select_related("voided_by", "procedure__current_version")
