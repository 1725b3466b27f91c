"""Electronic signatures (21 CFR 11.50, 11.70, 11.200): signing, verifying, and the manifestation.

A signature stores the SHA-256 of the version's `signed_content()` (sorted JSON, decimals as
strings, times in UTC ISO form; workflow state is not part of it), so it verifies only while the
version says exactly what was signed, and never on another record. In the browser the first
signature of a login session needs the username and password, later ones the password alone;
logout or the idle timeout ends the session. Through the API both go with every signature. A
wrong password signs nothing and counts toward the lockout. The password is checked with
`check_password` and never stored or written into an event.
"""

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from imaging_ops.access.authority import account_may_act
from imaging_ops.access.permissions import FULL, RADIATION_RECORDS, Action, grants, require
from imaging_ops.audit.context import current_context
from imaging_ops.audit.trail import AuditAction, canonical_text, record_event, regulated_transaction
from imaging_ops.errors import Conflict
from imaging_ops.models import AuthFailure, Meaning, PolicyAcknowledgement, Signature
from imaging_ops.records.versioning import REVIEW_MEANINGS, record_site_id
from imaging_ops.security.lockout import record_auth_failure
from imaging_ops.sites.local_time import local_time_text

POLICY_VERSION = "1"
POLICY_TEXT = (
    "My electronic signature is the legally binding equivalent of my handwritten signature "
    "(21 CFR 11.100(c)). I will not share my password or let anyone sign as me, and I will "
    "report at once any use of my account that was not mine."
)
# Set in the login session after a signature with username and password; logout and the idle
# timeout flush the session, so the next signature needs both again.
SIGNING_SESSION_KEY = "imaging_ops_signing_user"
VOIDED_NOT_SIGNED = "This record is voided; a voided record is not signed."

PERFORMING_MEANINGS = frozenset(
    {Meaning.PERFORMED, Meaning.CORRECTIVE_ACTION_VERIFIED, Meaning.RETURNED_TO_SERVICE}
)


def signed_content_hash(version) -> str:
    """SHA-256 of the version's signed content as canonical (sorted, compact) JSON."""
    return hashlib.sha256(canonical_text(version.signed_content()).encode()).hexdigest()


def signature_is_valid(signature, version=None) -> bool:
    """Whether the signed version still says exactly what was signed.

    Pass the version when it is already loaded (a list of records); a signature moved onto
    another record is checked against that record, whose content (and identity) differ.
    """
    version = version if version is not None else signature.version
    if version is None:
        return False
    return signature.content_hash == signed_content_hash(version)


def manifestation(signature) -> str:
    """Jane Doe, RT(R) — 2026-03-04 14:22 EST (UTC\u221205:00) — Performed, in the site's zone.

    The one rendering of a signature for pages, the API and PDFs (11.50): printed name and
    credentials as stored at signing, local date and time with abbreviation and offset, meaning.
    """
    name = signature.printed_name
    if signature.credentials:
        name = f"{name}, {signature.credentials}"
    when = local_time_text(signature.signed_at, signature.site.zone)
    return f"{name} — {when} — {signature.get_meaning_display()}"


@dataclass(frozen=True)
class SignatureState:
    signature: Signature
    valid: bool
    manifestation: str


def signature_states(version) -> list[SignatureState]:
    """Each signature of a version with its validity and manifestation; the content is hashed
    once. With `signatures` prefetched (and their sites), this runs no query."""
    current = signed_content_hash(version)
    return [
        SignatureState(signature=s, valid=s.content_hash == current, manifestation=manifestation(s))
        for s in version.signatures.all()
    ]


def has_acknowledged_policy(user) -> bool:
    return PolicyAcknowledgement.objects.filter(user=user, policy_version=POLICY_VERSION).exists()


def needs_username(*, signer, session, via_api: bool) -> bool:
    """Whether this signature needs the username as well as the password (11.200(a)(1))."""
    if via_api or session is None:
        return True
    return session.get(SIGNING_SESSION_KEY) != signer.pk


def printed_name(user) -> str:
    return user.full_name or user.get_full_name() or user.get_username()


# --- Rules ----------------------------------------------------------------------------------


def _require_signable(version) -> None:
    record = version.record
    if record.is_voided:
        raise Conflict(VOIDED_NOT_SIGNED)
    if record.current_version_id != version.pk:
        raise Conflict(
            f"Version {version.number} has been superseded; sign the current version of the "
            "record instead."
        )


def _require_authority(*, version, signer, meaning: str) -> None:
    """Performers need PERFORM_RECORDS at the site; reviewers REVIEW_RECORDS, never their own."""
    site_id = record_site_id(version.record)
    if meaning not in REVIEW_MEANINGS:
        require(signer, Action.PERFORM_RECORDS, site_id)
        return
    grant = require(signer, Action.REVIEW_RECORDS, site_id)
    if grant is not FULL and not (
        grants(grant, RADIATION_RECORDS) and version.record.is_radiation_record()
    ):
        raise PermissionDenied("You may review only radiation records at this site.")
    signatures = list(version.signatures.all())
    performed_by = {s.signer_id for s in signatures if s.meaning in PERFORMING_MEANINGS}
    if version.created_by_id == signer.pk or signer.pk in performed_by:
        raise PermissionDenied("You cannot review your own record; another person reviews it.")
    # An outside performer's record (getattr: only service records have them) has no
    # performer's signature: the internal review is its signature.
    if not performed_by and not getattr(version, "is_external", False):
        raise Conflict(
            "Nobody has signed this version as performed yet; review follows that signature."
        )


def _check_request(
    *, version, signer, meaning, username, session, via_api, acknowledge_policy
) -> None:
    errors = {}
    if meaning not in version.signature_meanings:
        allowed = ", ".join(Meaning(m).label for m in version.signature_meanings)
        errors["meaning"] = f"Choose the meaning of your signature: {allowed}."
    if (
        needs_username(signer=signer, session=session, via_api=via_api)
        and not (username or "").strip()
    ):
        errors["username"] = (
            "Enter your username with your password: signing through the API needs both every time."
            if via_api
            else "Enter your username and password: the first signature after signing in needs "
            "both."
        )
    if not acknowledge_policy and not has_acknowledged_policy(signer):
        errors["acknowledge_policy"] = (
            "Confirm that you have read the electronic signature policy before your first "
            "signature."
        )
    if errors:
        raise ValidationError(errors)


def _verify_credentials(*, signer, username, password, now) -> None:
    """The signer's own username (when given) and password, or a counted failure."""
    username = (username or "").strip()
    wrong_person = bool(username) and username.casefold() != signer.get_username().casefold()
    if not wrong_person and signer.has_usable_password() and signer.check_password(password or ""):
        return
    locked = record_auth_failure(
        username=username or signer.get_username(),
        user=signer,
        kind=AuthFailure.Kind.SIGNATURE,
        address=current_context().address,
        now=now,
    )
    if wrong_person:
        message = {"username": "Sign as yourself: that is not the username you are signed in as."}
    else:
        message = {"password": "That password is not correct. Nothing was signed."}
    if locked:
        key = next(iter(message))
        message[key] += " Your account is now locked after repeated failed attempts."
    raise ValidationError(message)


# --- The service ------------------------------------------------------------------------------


def sign_record(
    *,
    version,
    signer,
    meaning: str,
    password: str,
    username: str | None = None,
    session=None,
    via_api: bool = False,
    acknowledge_policy: bool = False,
    now: datetime,
) -> Signature:
    """Sign one version of a record with a meaning from the controlled list.

    Raises ValidationError (field errors: a missing username, a wrong password, no policy
    acknowledgement), PermissionDenied (no authority, one's own record as reviewer) or Conflict
    (a superseded or voided record, a duplicate signature). Nothing is signed unless all pass.
    """
    check_signature(
        version=version,
        signer=signer,
        meaning=meaning,
        password=password,
        username=username,
        session=session,
        via_api=via_api,
        acknowledge_policy=acknowledge_policy,
        now=now,
    )
    return write_signature(
        version=version,
        signer=signer,
        meaning=meaning,
        acknowledge_policy=acknowledge_policy,
        session=session,
        via_api=via_api,
        now=now,
    )


def check_signature(
    *,
    version,
    signer,
    meaning: str,
    password: str,
    username: str | None = None,
    session=None,
    via_api: bool = False,
    acknowledge_policy: bool = False,
    now: datetime,
) -> None:
    """Everything `sign_record` checks, the password included, without writing the signature:
    for a service that writes it with `write_signature` in the transaction of what the signature
    moves. A version not saved yet (a record being created and signed at once) is checked as a
    performer's signature at the record's site.

    Run it outside any transaction: a wrong password is recorded though nothing is signed.
    """
    allowed, why = account_may_act(signer, now)
    if not allowed:
        raise PermissionDenied(why)
    if version.pk is None:
        if meaning in REVIEW_MEANINGS:
            raise Conflict("A record is reviewed after it is saved and signed as performed.")
        require(signer, Action.PERFORM_RECORDS, record_site_id(version.record))
    else:
        _require_signable(version)
        _require_authority(version=version, signer=signer, meaning=meaning)
    _check_request_and_password(
        version=version,
        signer=signer,
        meaning=meaning,
        password=password,
        username=username,
        session=session,
        via_api=via_api,
        acknowledge_policy=acknowledge_policy,
        now=now,
    )


def _check_request_and_password(
    *, version, signer, meaning, password, username, session, via_api, acknowledge_policy, now
) -> None:
    _check_request(
        version=version,
        signer=signer,
        meaning=meaning,
        username=username,
        session=session,
        via_api=via_api,
        acknowledge_policy=acknowledge_policy,
    )
    _verify_credentials(signer=signer, username=username, password=password, now=now)


def check_credentials(
    *,
    version,
    signer,
    meaning: str,
    password: str,
    username: str | None = None,
    session=None,
    via_api: bool = False,
    acknowledge_policy: bool = False,
    now: datetime,
) -> None:
    """What `check_signature` asks of the signer and the request — the account may act, the
    meaning is one this kind of record takes, the username when it is needed, the policy, the
    password — and not who may sign this version: for a service whose own rule says that (the
    training import, where whoever may record training at a site attests the evidence of past
    training as reviewed). `version` may be unsaved: only its kind is read. Run it outside any
    transaction: a wrong password is recorded though nothing is signed."""
    allowed, why = account_may_act(signer, now)
    if not allowed:
        raise PermissionDenied(why)
    _check_request_and_password(
        version=version,
        signer=signer,
        meaning=meaning,
        password=password,
        username=username,
        session=session,
        via_api=via_api,
        acknowledge_policy=acknowledge_policy,
        now=now,
    )


def check_signing_authority(*, version, signer, meaning: str, now: datetime) -> None:
    """The rules `check_signature` holds about the signer and the version, without the
    credentials: the account may act, the version is current and not voided, and the signer
    may sign it with `meaning` (a reviewer never their own). For a service that signs several
    versions with one password (a bulk review): it asks this of each, then `check_signature`
    once."""
    allowed, why = account_may_act(signer, now)
    if not allowed:
        raise PermissionDenied(why)
    _require_signable(version)
    _require_authority(version=version, signer=signer, meaning=meaning)


def write_signature(
    *, version, signer, meaning, acknowledge_policy, now, session=None, via_api=False
) -> Signature:
    """Write a signature that `check_signature` passed (inside the caller's transaction, or in
    its own)."""
    signature = _write_signature(
        version=version,
        signer=signer,
        meaning=meaning,
        acknowledge_policy=acknowledge_policy,
        now=now,
    )
    if session is not None and not via_api:
        session[SIGNING_SESSION_KEY] = signer.pk
    return signature


def _address() -> str | None:
    try:
        return str(ipaddress.ip_address(current_context().address or ""))
    except ValueError:
        return None


def _write_signature(*, version, signer, meaning, acknowledge_policy, now) -> Signature:
    model = type(version)
    with regulated_transaction(actor=signer):
        # Lock the version so nothing changes it between hashing and signing.
        locked = model.objects.select_for_update().get(pk=version.pk)
        _require_signable(locked)
        return _store_signature(
            target=locked,
            site_id=record_site_id(locked.record),
            signer=signer,
            meaning=meaning,
            acknowledge_policy=acknowledge_policy,
            now=now,
            already=f"You have already signed version {locked.number} as {Meaning(meaning).label}.",
        )


def _store_signature(
    *, target, site_id, signer, meaning, acknowledge_policy, now, already: str
) -> Signature:
    """The policy acknowledgement at a first signature, the signature and its event, in the
    caller's regulated transaction, with `target` locked."""
    content_type = ContentType.objects.get_for_model(type(target))
    if Signature.objects.filter(
        content_type=content_type, object_id=target.pk, signer=signer, meaning=meaning
    ).exists():
        raise Conflict(already)
    if not has_acknowledged_policy(signer):
        if not acknowledge_policy:
            raise ValidationError({"acknowledge_policy": "Confirm the signature policy."})
        PolicyAcknowledgement.objects.create(
            user=signer,
            policy_version=POLICY_VERSION,
            acknowledged_at=now,
            address=_address(),
        )
        record_event(
            AuditAction.ACKNOWLEDGE_POLICY,
            target=signer,
            actor=signer,
            site_id=signer.home_site_id,
            changes={"policy_version": POLICY_VERSION},
        )
    signature = Signature.objects.create(
        content_type=content_type,
        object_id=target.pk,
        site_id=site_id,
        signer=signer,
        printed_name=printed_name(signer),
        credentials=signer.credentials,
        meaning=meaning,
        signed_at=now,
        content_hash=signed_content_hash(target),
    )
    record_event(
        AuditAction.SIGN,
        target=target,
        actor=signer,
        changes={
            "meaning": meaning,
            "signature_id": signature.pk,
            "content_hash": signature.content_hash,
        },
    )
    return signature


# --- Documents: signed things that are not versioned records (an issued regulatory log) -----


def check_document_signature(
    *,
    document,
    signer,
    meaning: str,
    password: str,
    username: str | None = None,
    session=None,
    via_api: bool = False,
    acknowledge_policy: bool = False,
    now: datetime,
) -> None:
    """What `check_signature` asks of the signer and the request for a document that is not a
    versioned record: the account may act, the meaning is one of the document's
    `signature_meanings`, the username (first signature of a session, every API signature), the
    policy, and the password. The document's own service checks the signer's authority (its
    Action) and the document's state. Run it outside any transaction, as `check_signature`."""
    allowed, why = account_may_act(signer, now)
    if not allowed:
        raise PermissionDenied(why)
    _check_request(
        version=document,
        signer=signer,
        meaning=meaning,
        username=username,
        session=session,
        via_api=via_api,
        acknowledge_policy=acknowledge_policy,
    )
    _verify_credentials(signer=signer, username=username, password=password, now=now)


def write_document_signature(
    *, document, site_id, signer, meaning, acknowledge_policy, now, session=None, via_api=False
) -> Signature:
    """Write a signature that `check_document_signature` passed, inside the caller's regulated
    transaction with `document` locked. Its hash covers the document's `signed_content()`."""
    signature = _store_signature(
        target=document,
        site_id=site_id,
        signer=signer,
        meaning=meaning,
        acknowledge_policy=acknowledge_policy,
        now=now,
        already=f"You have already signed this as {Meaning(meaning).label}.",
    )
    if session is not None and not via_api:
        session[SIGNING_SESSION_KEY] = signer.pk
    return signature
