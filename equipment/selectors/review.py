"""The review queue: the signed records waiting for a reviewer that this person may review.

One indexed query (the partial index `record_review_queue`): records with `awaiting_review`
at the sites where the person reviews records — every record where they review fully
(physicist, manager), radiation records only where their grant is the RSO's — never a record
they performed (recorded, or signed as performed) or have reviewed already. See docs/review.md.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q

from equipment.limits import Outcome
from equipment.models import Category, Equipment, ProcedureKind, ServiceRecord, ServiceRecordVersion
from equipment.models.procedures import RADIATION_CALIBRATION_CATEGORIES, RADIATION_KINDS
from imaging_ops.access.authority import memberships_in_force
from imaging_ops.access.permissions import (
    FULL,
    NONE,
    RADIATION_RECORDS,
    Action,
    grant_for,
    grants,
)
from imaging_ops.access.scoping import scope
from imaging_ops.models import Meaning, Signature
from imaging_ops.records.signatures import PERFORMING_MEANINGS

# Instruments whose calibration vouches for what was measured with them.
INSTRUMENT_CATEGORIES = frozenset({Category.RADIATION_INSTRUMENT, Category.QA_INSTRUMENT})
OUT_OF_TOLERANCE = (Outcome.TOLERANCE, Outcome.ACTION)


def radiation_records() -> Q:
    """The records of radiation procedures (the RSO's), as a filter: what
    `is_radiation_procedure` says, in SQL on the current version's procedure version."""
    calibrations = Q(procedure__kind=ProcedureKind.CALIBRATION) & Q(
        current_version__procedure_version__categories=sorted(RADIATION_CALIBRATION_CATEGORIES)
    )
    return Q(procedure__kind__in=sorted(RADIATION_KINDS)) | calibrations


def reviewable_sites(user) -> tuple[set[int], set[int]]:
    """The sites where the person reviews every record, and those where radiation records
    only; read from their roles in memory."""
    full, radiation = set(), set()
    for site_id in {g.site_id for g in memberships_in_force(user)}:
        grant = grant_for(user, Action.REVIEW_RECORDS, site_id)
        if grant is FULL:
            full.add(site_id)
        elif grant is not NONE and grants(grant, RADIATION_RECORDS):
            radiation.add(site_id)
    return full, radiation


def not_theirs_to_review(user):
    """Records whose current version the person recorded or signed as performed (never
    theirs to review), or has reviewed already (a person signs a version once per meaning:
    a record put back in review by an instrument calibration goes to another reviewer)."""
    signed = Signature.objects.filter(
        content_type=ContentType.objects.get_for_model(ServiceRecordVersion),
        object_id=OuterRef("current_version_id"),
        signer=user,
        meaning__in=sorted(PERFORMING_MEANINGS | {Meaning.REVIEWED}),
    )
    return Q(current_version__created_by=user) | Q(Exists(signed))


def queue_rows(queryset):
    """What a queue row shows, joined: machine and site, procedure, performer, and the
    calibration that put it in the queue."""
    return queryset.select_related(
        "equipment__site",
        "procedure",
        "current_version__created_by",
        "current_version__procedure_version",
        "suspect_since__equipment",
    ).order_by("-performed_at", "-pk")


def review_queue(user):
    """The records waiting for review that `user` may review, newest first."""
    waiting = scope(ServiceRecord.objects.filter(awaiting_review=True), user)
    if not user.is_superuser:
        full, radiation = reviewable_sites(user)
        waiting = waiting.filter(
            Q(equipment__site_id__in=full)
            | (Q(equipment__site_id__in=radiation) & radiation_records())
        )
    return queue_rows(waiting.exclude(not_theirs_to_review(user)))


def records_to_review_after(calibration: ServiceRecord):
    """The records made with a calibration's instrument since its last good calibration, for
    the calibration's page: empty unless the calibration found the instrument out of tolerance."""
    if not is_instrument_found_out_of_tolerance(calibration):
        return ServiceRecord.objects.none()
    return queue_rows(records_made_with(calibration))


def is_instrument_found_out_of_tolerance(record: ServiceRecord) -> bool:
    """A calibration of an instrument whose outcome ("as found") is tolerance or action."""
    return (
        record.procedure.kind == ProcedureKind.CALIBRATION
        and record.equipment.category in INSTRUMENT_CATEGORIES
        and record.outcome in OUT_OF_TOLERANCE
        and not record.is_voided
    )


def last_good_calibration(instrument: Equipment, *, before):
    """The instrument's latest passing calibration that counts, performed before `before`."""
    return (
        ServiceRecord.objects.filter(
            equipment=instrument,
            procedure__kind=ProcedureKind.CALIBRATION,
            outcome=Outcome.PASS,
            counts=True,
            performed_at__lt=before,
        )
        .order_by("-performed_at", "-pk")
        .first()
    )


def records_made_with(calibration: ServiceRecord):
    """The records (not voided) whose current version used the calibrated instrument, after
    its last good calibration and up to this one: what a calibration found out of tolerance
    calls into question. A queryset, unordered."""
    instrument = calibration.equipment
    since = last_good_calibration(instrument, before=calibration.performed_at)
    window = Q(performed_at__lte=calibration.performed_at)
    if since is not None:
        window &= Q(performed_at__gt=since.performed_at)
    return (
        ServiceRecord.objects.filter(window, current_version__instruments=instrument)
        .filter(voided_at__isnull=True)
        .exclude(pk=calibration.pk)
    )
