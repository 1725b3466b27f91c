"""Correcting a person's details: full name, credentials, email and employee id — never the
username. Needs `Action.MANAGE_PEOPLE` at a site where the person holds a role; every change is
audited with its reason. Signatures keep the printed name they were signed with.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError

from imaging_ops.access.permissions import ALL_SITES, Action, require, sites_where
from imaging_ops.audit.trail import after_commit, regulated_transaction
from imaging_ops.models import Site, SiteMembership, User
from imaging_ops.sites.local_time import local_time_text
from imaging_ops.text import BIDI_REFUSED, has_bidi_controls

DETAIL_FIELDS = ("full_name", "credentials", "email", "employee_id")


@dataclass(frozen=True)
class DetailsChange:
    user: User
    changed: tuple[str, ...]


def _refuse_administrator(*, actor, person: User) -> None:
    if person.is_superuser and not actor.is_superuser:
        raise PermissionDenied(
            "A system administrator's details are changed by a system administrator."
        )


def _clean_details(*, actor, person: User, details: dict, reason: str) -> dict:
    """The details stripped and checked, or every field error at once."""
    details = {name: (value or "").strip() for name, value in details.items()}
    details["email"] = User.objects.normalize_email(details["email"])
    errors: dict[str, list[str]] = {}
    for name, value in details.items():
        max_length = User._meta.get_field(name).max_length
        if len(value) > max_length:
            errors[name] = [f"At most {max_length} characters."]
        elif has_bidi_controls(value):
            errors[name] = [BIDI_REFUSED]
    if not details["full_name"]:
        errors["full_name"] = ["Enter the person's full name, as it is printed on records."]
    email = details["email"]
    if not email:
        errors["email"] = ["Enter the person's email address: password links go there."]
    elif "email" not in errors:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = ["Enter a valid email address, e.g. name@hospital.org."]
    if "email" not in errors and email.lower() != person.email.lower():
        if User.objects.filter(email__iexact=email).exclude(pk=person.pk).exists():
            errors["email"] = ["Another account already uses this email address."]
        elif not _may_change_email(actor, person):
            # Whoever sets the address can reset the password: only someone who manages every
            # site where the person holds a role may move it.
            errors["email"] = [
                "This person also holds a role at a site you do not manage; a manager of "
                "each of their sites, or a system administrator, can change their email."
            ]
    if not reason:
        errors["reason"] = ["Say why the details change; the reason is kept in the audit trail."]
    if errors:
        raise ValidationError(errors)
    return details


def validate_person_details(
    *,
    actor,
    person: User,
    full_name: str = "",
    credentials: str = "",
    email: str = "",
    employee_id: str = "",
    reason: str = "",
) -> dict:
    """The details as `update_person_details` would save them, or every field error at once;
    a form that did not parse asks it about the fields that did."""
    details = {
        "full_name": full_name,
        "credentials": credentials,
        "email": email,
        "employee_id": employee_id,
    }
    reason = (reason or "").strip()
    return _clean_details(actor=actor, person=person, details=details, reason=reason)


def _may_change_email(actor, person: User) -> bool:
    if actor.pk == person.pk:
        return True
    managed = sites_where(actor, Action.MANAGE_PEOPLE)
    if managed is ALL_SITES:
        return True
    their_sites = set(
        SiteMembership.objects.filter(user=person, is_active=True).values_list("site_id", flat=True)
    )
    return their_sites <= managed


def update_person_details(
    *,
    actor,
    site: Site,
    person: User,
    full_name: str,
    credentials: str,
    email: str,
    employee_id: str,
    reason: str,
    now: datetime,
) -> DetailsChange:
    """Correct a person's full name, credentials, email and employee id, with a reason.

    The username never changes. Signatures keep the printed name and credentials they were
    signed with. Nothing is written when nothing differs. A changed email is announced to the
    old address after commit, so a person learns at once if their account was redirected.
    """
    require(actor, Action.MANAGE_PEOPLE, site)
    if not SiteMembership.objects.filter(user=person, site=site).exists():
        raise ValidationError(f"{person.display_name} is not one of {site.code}'s people.")
    _refuse_administrator(actor=actor, person=person)
    reason = (reason or "").strip()
    try:
        with regulated_transaction(actor=actor):
            user = User.objects.select_for_update().get(pk=person.pk)
            details = validate_person_details(
                actor=actor,
                person=user,
                full_name=full_name,
                credentials=credentials,
                email=email,
                employee_id=employee_id,
                reason=reason,
            )
            changed = tuple(name for name in DETAIL_FIELDS if details[name] != getattr(user, name))
            if not changed:
                return DetailsChange(user=user, changed=())
            old_email = user.email
            for name in changed:
                setattr(user, name, details[name])
            user._audit_reason = reason
            user.save(update_fields=list(changed))
            if "email" in changed and old_email:
                notice = _email_changed_notice(
                    user=user, old=old_email, actor=actor, site=site, now=now
                )
                after_commit(lambda: send_mail(*notice, None, [old_email]))
    except IntegrityError as exc:
        # Another account took the address between the check and the save.
        raise ValidationError(
            {"email": "Another account already uses that email address."}
        ) from exc
    return DetailsChange(user=user, changed=changed)


def _email_changed_notice(*, user, old: str, actor, site: Site, now: datetime) -> tuple[str, str]:
    subject = "The email address of your Imaging Ops account was changed"
    body = (
        f"{actor.display_name} changed the email address of your Imaging Ops account "
        f"({user.username}) from {old} to {user.email} on {local_time_text(now, site.zone)} "
        f"at {site.code}.\n\n"
        "If you did not expect this, tell your manager or your security contact at once: "
        "password links now go to the new address.\n"
    )
    return subject, body


def may_edit_details(actor, person: User) -> bool:
    """Whether the pages offer to edit the person's details (the rule the service holds)."""
    return actor.is_superuser or not person.is_superuser
