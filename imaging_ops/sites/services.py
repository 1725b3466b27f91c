"""A site's settings, closure dates and regulatory identifiers: the writes and their rules.

Managers change them (DESIGN.md's matrix has no row of its own for site settings; the manager's
"manage the site's people" grant is the manager-only one used here). Every write runs in one
regulated transaction and is audited field by field. Closures are never deleted: the model has
closures that have not begun can be cancelled with a reason, and stay on record.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError

from imaging_ops.access.permissions import Action, require
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.models import Site, SiteClosure, SiteIdentifier
from imaging_ops.models.sites import is_weekday_number, validate_opening_hours
from imaging_ops.vocabulary import IdentifierKind, QualificationGate

SETTINGS_ACTION = Action.MANAGE_PEOPLE
EXPIRY_WARNING_DAYS = 90
FURTHEST_AHEAD = timedelta(days=20 * 366)
PAST_CLOSURES_SHOWN = 50
# Backward-compatible aliases and POSIX-style names are left out of the list people pick from.
_LEGACY_PREFIXES = ("Etc/", "SystemV/", "US/", "Canada/", "Mexico/", "Brazil/", "Chile/")


def _time_zones() -> tuple[str, ...]:
    names = {
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(_LEGACY_PREFIXES)
    }
    return ("UTC", *sorted(names))


TIME_ZONES = _time_zones()


# --- settings -------------------------------------------------------------------------------


def _clean_clinical_days(value) -> list[int]:
    try:
        days = sorted({int(day) for day in value})
    except (TypeError, ValueError):
        days = None
    if days is None or not all(is_weekday_number(day) for day in days):
        raise ValidationError({"clinical_days": "Choose weekdays from Monday to Sunday."})
    if not days:
        raise ValidationError(
            {"clinical_days": "Choose at least one clinical day: daily QC is due on them."}
        )
    return days


def validate_site_settings(
    *,
    site: Site,
    time_zone: str = "",
    clinical_days=(),
    opens_at: time | None = None,
    closes_at: time | None = None,
    address: str = "",
    reason: str = "",
    qualification_gate: str = "",
) -> dict:
    """The settings as `update_site_settings` would save them, or every field error at once;
    a form that did not parse asks it about the fields that did."""
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    time_zone = (time_zone or "").strip()
    if time_zone != site.time_zone:
        if time_zone not in TIME_ZONES:
            errors["time_zone"] = [
                f"“{time_zone}” is not a time zone from the list, e.g. America/New_York."
            ]
        elif not reason:
            errors["reason"] = ["Changing the time zone moves every local due time: say why."]
    try:
        clinical_days = _clean_clinical_days(clinical_days)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if opens_at is None:
        errors["opens_at"] = ["Enter the opening time."]
    if closes_at is None:
        errors["closes_at"] = ["Enter the closing time."]
    try:
        validate_opening_hours(opens_at, closes_at)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    qualification_gate = qualification_gate or site.qualification_gate
    if qualification_gate not in QualificationGate.values:
        errors["qualification_gate"] = ["Choose what happens when a signer's training lapsed."]
    if errors:
        raise ValidationError(errors)
    return {
        "time_zone": time_zone,
        "clinical_days": clinical_days,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "address": (address or "").strip(),
        "qualification_gate": qualification_gate,
    }


def update_site_settings(
    *,
    actor,
    site: Site,
    time_zone: str,
    clinical_days,
    opens_at: time,
    closes_at: time,
    address: str = "",
    reason: str = "",
    qualification_gate: str = "",
    now: datetime,
) -> Site:
    """Change a site's time zone, clinical days, opening hours and address.

    A new time zone moves every local due time of the site, so it needs a reason; it must be
    one of `TIME_ZONES`. A zone the site already has is kept even if the list leaves it out.
    """
    require(actor, SETTINGS_ACTION, site)
    settings = validate_site_settings(
        site=site,
        time_zone=time_zone,
        clinical_days=clinical_days,
        opens_at=opens_at,
        closes_at=closes_at,
        address=address,
        reason=reason,
        qualification_gate=qualification_gate,
    )
    for field, value in settings.items():
        setattr(site, field, value)
    site.full_clean(validate_unique=False, validate_constraints=False)
    site._audit_reason = (reason or "").strip()
    with regulated_transaction(actor=actor):
        site.save()
    return site


# --- closures -------------------------------------------------------------------------------


def validate_closure(
    *, site: Site, now: datetime, date: date | None = None, reason: str = ""
) -> SiteClosure:
    """The closure `add_site_closure` would save, or every field error at once; a form that
    did not parse asks it about the fields that did."""
    closure = SiteClosure(site=site, date=date, reason=(reason or "").strip())
    errors: dict[str, list] = {}
    if not closure.reason:
        errors["reason"] = ["Say why the site is closed, e.g. public holiday."]
    today = site.today(now)
    if date is None:
        errors["date"] = ["Enter the day the site is closed."]
    elif date < today:
        errors["date"] = [
            f"Closures are entered ahead: choose today ({today:%Y-%m-%d} at {site.code}) or later."
        ]
    elif date > today + FURTHEST_AHEAD:
        errors["date"] = ["That is more than 20 years ahead: check the year."]
    elif SiteClosure.objects.in_force().filter(site=site, date=date).exists():
        errors["date"] = ["This site already has a closure on that date."]
    try:
        closure.full_clean(
            exclude=["site", *errors], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    return closure


def add_site_closure(*, actor, site: Site, date: date, reason: str, now: datetime) -> SiteClosure:
    """Close the site on a day from today on (in the site's time zone), with a reason.

    A past day without records is explained on its missed occurrences instead, so history is
    not rewritten by a closure entered afterwards.
    """
    require(actor, SETTINGS_ACTION, site)
    closure = validate_closure(site=site, now=now, date=date, reason=reason)
    closure._audit_reason = closure.reason
    try:
        with regulated_transaction(actor=actor):
            closure.save()
    except IntegrityError as exc:
        raise ValidationError({"date": "This site already has a closure on that date."}) from exc
    return closure


def cancel_site_closure(*, actor, closure: SiteClosure, reason: str, now: datetime) -> SiteClosure:
    """Cancel a closure that has not yet begun, with a reason; it stays on record, struck out.

    A closure whose day has come (in the site's time zone) stands: the schedule already acted on
    it, and a day without records is explained on its missed checks.
    """
    require(actor, SETTINGS_ACTION, closure.site_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"cancel_reason": "Say why the closure is cancelled."})
    if closure.is_cancelled:
        raise ValidationError({"cancel_reason": "This closure is already cancelled."})
    if closure.date <= closure.site.today(now):
        raise ValidationError(
            {"cancel_reason": "Only a closure that has not begun can be cancelled."}
        )
    closure.cancelled_at, closure.cancelled_by, closure.cancel_reason = now, actor, reason
    closure._audit_reason = reason
    with regulated_transaction(actor=actor):
        closure.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
    return closure


def closures_of(site: Site, now: datetime) -> tuple[list[SiteClosure], list[SiteClosure]]:
    """(upcoming closures from today, the latest past ones, newest first): two queries."""
    today = site.today(now)
    upcoming = list(
        site.closures.filter(date__gte=today).select_related("cancelled_by").order_by("date")
    )
    past = list(site.closures.filter(date__lt=today).order_by("-date")[:PAST_CLOSURES_SHOWN])
    return upcoming, past


# --- regulatory identifiers -----------------------------------------------------------------


def validate_identifier(
    *,
    site: Site,
    now: datetime,
    identifier: SiteIdentifier | None = None,
    kind: str = "",
    number: str = "",
    issuer: str = "",
    expires_on: date | None = None,
    reason: str = "",
) -> SiteIdentifier:
    """The identifier as it would be saved: a new one, or a corrected copy of `identifier`
    (which is left as it is). Otherwise every field error at once. `add_site_identifier` and
    `update_site_identifier` ask this first; a form that did not parse asks it too."""
    checked = SiteIdentifier(
        pk=identifier.pk if identifier else None,
        site=site,
        kind=kind,
        number=(number or "").strip(),
        issuer=(issuer or "").strip(),
        expires_on=expires_on,
    )
    errors: dict[str, list] = {}
    if identifier is not None and not (reason or "").strip():
        errors["reason"] = ["Say why it changes, e.g. renewed or typing error."]
    if checked.kind not in IdentifierKind.values:
        errors["kind"] = ["Choose what kind of identifier this is."]
    if not checked.number:
        errors["number"] = ["Enter the number as the issuer prints it."]
    if not checked.issuer:
        errors["issuer"] = ["Enter who issued it, e.g. the state or the accrediting body."]
    clash = SiteIdentifier.objects.filter(
        site_id=site.pk, kind=checked.kind, number__iexact=checked.number
    ).exclude(pk=checked.pk)
    if checked.number and clash.exists():
        errors["number"] = ["This site already has that identifier."]
    if expires_on is not None and (identifier is None or expires_on != identifier.expires_on):
        today = site.today(now)
        if expires_on < today:
            errors["expires_on"] = [
                "That date has passed: enter the expiry of the identifier in force now."
            ]
        elif expires_on > today + FURTHEST_AHEAD:
            errors["expires_on"] = ["That is more than 20 years ahead: check the year."]
    try:
        checked.full_clean(
            exclude=["site", *errors], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    return checked


def _save_identifier(identifier: SiteIdentifier, *, actor, reason: str) -> None:
    identifier._audit_reason = reason
    try:
        with regulated_transaction(actor=actor):
            identifier.save()
    except IntegrityError as exc:
        raise ValidationError({"number": "This site already has that identifier."}) from exc


def add_site_identifier(
    *,
    actor,
    site: Site,
    kind: str,
    number: str,
    issuer: str,
    expires_on: date | None = None,
    now: datetime,
) -> SiteIdentifier:
    """Record a licence, registration, certificate or accreditation of the site."""
    require(actor, SETTINGS_ACTION, site)
    identifier = validate_identifier(
        site=site, now=now, kind=kind, number=number, issuer=issuer, expires_on=expires_on
    )
    _save_identifier(identifier, actor=actor, reason="")
    return identifier


def update_site_identifier(
    *,
    actor,
    identifier: SiteIdentifier,
    kind: str,
    number: str,
    issuer: str,
    expires_on: date | None,
    reason: str,
    now: datetime,
) -> SiteIdentifier:
    """Correct or renew an identifier; the reason (e.g. "renewed") is audited with the change."""
    require(actor, SETTINGS_ACTION, identifier.site)
    checked = validate_identifier(
        site=identifier.site,
        now=now,
        identifier=identifier,
        kind=kind,
        number=number,
        issuer=issuer,
        expires_on=expires_on,
        reason=reason,
    )
    for field in ("kind", "number", "issuer", "expires_on"):
        setattr(identifier, field, getattr(checked, field))
    _save_identifier(identifier, actor=actor, reason=reason.strip())
    return identifier


@dataclass(frozen=True)
class IdentifierRow:
    identifier: SiteIdentifier
    days_left: int | None

    @property
    def expired(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def expiring_soon(self) -> bool:
        return self.days_left is not None and 0 <= self.days_left <= EXPIRY_WARNING_DAYS


def identifiers_of(site: Site, now: datetime) -> list[IdentifierRow]:
    """The site's identifiers with the days left before each expires (one query)."""
    today = site.today(now)
    return [
        IdentifierRow(
            identifier=identifier,
            days_left=(identifier.expires_on - today).days if identifier.expires_on else None,
        )
        for identifier in site.identifiers.order_by("kind", "number")
    ]
