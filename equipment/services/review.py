"""Reviewing service records: one, or several with one password, signed "reviewed".

A review is the existing countersignature (equipment.services.records.sign_service_record with
the meaning Reviewed): the signature service holds who may review (physicists and managers, the
RSO radiation records only, nobody their own record) and signs the version's content as it is,
so the performer's signature stays valid. The review columns and, for an outside performer's
record, whether it counts are moved in the same transaction. A bulk review asks every record's
rules first and signs nothing unless all pass.
"""

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from equipment.models import ServiceRecord, ServiceRecordVersion
from equipment.services.records import settle_signed, sign_service_record
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.errors import Conflict
from imaging_ops.models import Meaning, Signature
from imaging_ops.records.signatures import (
    check_signature,
    check_signing_authority,
    write_signature,
)

BULK_LIMIT = 200
ALREADY_REVIEWED = "You have reviewed this version already; another reviewer reviews it again."


def review_record(
    *,
    record: ServiceRecord,
    reviewer,
    now: datetime,
    password: str,
    username: str | None = None,
    session=None,
    via_api: bool = False,
    acknowledge_policy: bool = False,
    version_number: int | None = None,
):
    """Sign the record's current version as reviewed; the signature written."""
    return sign_service_record(
        record=record,
        signer=reviewer,
        now=now,
        version_number=version_number,
        meaning=Meaning.REVIEWED,
        password=password,
        username=username,
        session=session,
        via_api=via_api,
        acknowledge_policy=acknowledge_policy,
    )


def _label(record: ServiceRecord) -> str:
    return f"{record.procedure.code} on {record.equipment.asset_tag} (record {record.pk})"


def review_records(
    *,
    records,
    reviewer,
    now: datetime,
    password: str,
    username: str | None = None,
    session=None,
    via_api: bool = False,
    acknowledge_policy: bool = False,
) -> list:
    """Review several records with one signature request: every record's rules are asked
    first (a ValidationError on `records` names each refused record and why), the password
    once, then all are signed in one transaction; the signatures written."""
    records = list(records)
    if not records:
        raise ValidationError({"records": "Choose the records to review."})
    if len(records) > BULK_LIMIT:
        raise ValidationError({"records": f"Review at most {BULK_LIMIT} records at once."})
    refused = []
    reviewed = set(
        Signature.objects.filter(
            content_type=ContentType.objects.get_for_model(ServiceRecordVersion),
            object_id__in=[r.current_version_id for r in records],
            signer=reviewer,
            meaning=Meaning.REVIEWED,
        ).values_list("object_id", flat=True)
    )
    for record in records:
        if record.current_version_id in reviewed:
            refused.append(f"{_label(record)}: {ALREADY_REVIEWED}")
            continue
        try:
            check_signing_authority(
                version=record.current_version, signer=reviewer, meaning=Meaning.REVIEWED, now=now
            )
        except (PermissionDenied, Conflict) as exc:
            refused.append(f"{_label(record)}: {exc}")
    if refused:
        raise ValidationError({"records": ["Nothing was signed.", *refused]})
    check_signature(
        version=records[0].current_version,
        signer=reviewer,
        meaning=Meaning.REVIEWED,
        password=password,
        username=username,
        session=session,
        via_api=via_api,
        acknowledge_policy=acknowledge_policy,
        now=now,
    )
    written = []
    with regulated_transaction(actor=reviewer):
        for n, record in enumerate(records):
            written.append(
                write_signature(
                    version=record.current_version,
                    signer=reviewer,
                    meaning=Meaning.REVIEWED,
                    # The policy is acknowledged with the first signature, when it must be.
                    acknowledge_policy=acknowledge_policy and n == 0,
                    session=session,
                    via_api=via_api,
                    now=now,
                )
            )
            settle_signed(record, now=now, actor=reviewer)
    return written
