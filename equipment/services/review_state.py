"""Whether a service record waits for a reviewer, and why: the columns the review queue reads.

Moved by the record services in the transaction that signs, countersigns, amends or voids a
record (`settle_review`), and by an instrument calibration found out of tolerance "as found",
which puts every record made with that instrument since its last good calibration in the queue
(`flag_instrument_records`). A record waits when it has a reason (ReviewReason), is signed as
performed (or, done outside, saved for its countersignature), is not voided, and its current
version has no review signature since the reason arose. See docs/review.md.
"""

from equipment.limits import Outcome
from equipment.models import ReviewReason, ServiceRecord, ServiceRecordVersion
from equipment.selectors.review import is_instrument_found_out_of_tolerance, records_made_with
from imaging_ops.models import Meaning, SiteMembership
from imaging_ops.records.versioning import REVIEW_MEANINGS

# Records that may be reviewed: the columns below change with them.
REVIEW_DERIVED = ["review_reasons", "awaiting_review", "suspect_since"]


def _performed_by_trainee(record: ServiceRecord, signatures) -> bool:
    """Whether the person who signed as performed holds the procedure's roles at the record's
    site only as a trainee (their membership says so), on the day they signed."""
    performed = next((s for s in signatures if s.meaning == Meaning.PERFORMED), None)
    if performed is None:
        return False
    site = record.equipment.site
    memberships = SiteMembership.objects.in_force(site.today(performed.signed_at))
    memberships = memberships.filter(user_id=performed.signer_id, site_id=site.pk)
    allowed = set(record.current_version.procedure_version.performer_roles or ())
    if allowed:
        memberships = memberships.filter(role__in=allowed)
    trainee = list(memberships.values_list("is_trainee", flat=True))
    return bool(trainee) and all(trainee)


def reasons_for(record: ServiceRecord, version: ServiceRecordVersion, signatures) -> list[str]:
    """The reasons this version waits for a reviewer, in ReviewReason's order; an instrument
    found out of tolerance stays a reason of the record across its versions."""
    found = set()
    if version.outcome == Outcome.TOLERANCE:
        found.add(ReviewReason.TOLERANCE)
    if version.is_external:
        found.add(ReviewReason.EXTERNAL)
    elif _performed_by_trainee(record, signatures):
        found.add(ReviewReason.TRAINEE)
    if record.suspect_since_id is not None:
        found.add(ReviewReason.INSTRUMENT)
    if record.qualification_review:
        found.add(ReviewReason.QUALIFICATION)
    return [reason for reason in ReviewReason.values if reason in found]


def _reviewed(record: ServiceRecord, signatures) -> bool:
    """A review signature on the current version, and, for a record put back in review by an
    instrument calibration, one made after that calibration was recorded."""
    reviews = [s for s in signatures if s.meaning in REVIEW_MEANINGS]
    if record.suspect_since_id is not None:
        flagged = record.suspect_since.current_version.recorded_at
        reviews = [s for s in reviews if s.signed_at >= flagged]
    return bool(reviews)


def settle_review(record: ServiceRecord, version: ServiceRecordVersion) -> None:
    """Set the record's review columns from its current version (the caller saves them)."""
    signatures = list(version.signatures.all())
    record.review_reasons = reasons_for(record, version, signatures)
    ready = version.is_external or any(s.meaning == Meaning.PERFORMED for s in signatures)
    record.awaiting_review = bool(
        record.review_reasons
        and ready
        and not record.is_voided
        and not _reviewed(record, signatures)
    )


def flag_instrument_records(calibration: ServiceRecord) -> int:
    """Put every record made with a calibration's instrument since its last good calibration
    in the review queue (reason: instrument), inside the caller's transaction; the count
    flagged. Nothing happens unless the calibration found the instrument out of tolerance and
    is signed as performed (or saved for countersigning, done outside)."""
    if not is_instrument_found_out_of_tolerance(calibration):
        return 0
    version = calibration.current_version
    signed = version.is_external or version.signatures.filter(meaning=Meaning.PERFORMED).exists()
    if not signed:
        return 0
    flagged = 0
    suspects = records_made_with(calibration).select_related(
        "equipment__site", "current_version__procedure_version"
    )
    for record in suspects.exclude(suspect_since=calibration).select_for_update(of=("self",)):
        record.suspect_since = calibration
        settle_review(record, record.current_version)
        record.save(update_fields=REVIEW_DERIVED)
        flagged += 1
    return flagged
