"""Inviting people to a site: a new account with a one-time link, or a role for a person who
already has an account (their roles: imaging_ops/people/roles.py; their own details:
imaging_ops/people/details.py).

Every write here needs `Action.MANAGE_PEOPLE` at the site and runs in one regulated transaction,
so each change is audited field by field with the manager as actor. Memberships are deactivated,
never deleted. No password is ever set by a manager: a new person gets a one-time link and
chooses their own (21 CFR 11.200(a), 11.300). Two rules keep a site manageable: a manager never
changes their own manager role, and a site never loses its last standing manager.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError

from imaging_ops.access.permissions import Action, require
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.errors import FieldErrors
from imaging_ops.models import Site, SiteMembership, User
from imaging_ops.people.roles import (
    clean_expiry,
    clean_trainee,
    grant,
    refuse_own_manager_role,
    tell_of_new_role,
)
from imaging_ops.security.password_links import send_set_password_link
from imaging_ops.vocabulary import Role


@dataclass(frozen=True)
class Invitation:
    user: User
    membership: SiteMembership
    created_account: bool
    link_sent: bool


# --- invitations ----------------------------------------------------------------------------


def _clean_username(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": "Enter a username."})
    max_length = User._meta.get_field("username").max_length
    if len(username) > max_length:
        raise ValidationError({"username": f"At most {max_length} characters."})
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise ValidationError({"username": exc.messages}) from exc
    return username


def _existing_account(*, username: str, email: str) -> User | None:
    """The account the invitation names, None for a new person, or a field error."""
    holder = User.objects.filter(username__iexact=username).first()
    if holder is not None:
        if holder.email.lower() != email.lower():
            raise ValidationError(
                {
                    "username": "That username is taken. Choose another, or enter the email "
                    "address of that account to give its holder a role here."
                }
            )
        if not holder.is_active:
            raise ValidationError(
                {
                    "username": "This account is deactivated; a system administrator can "
                    "reactivate it."
                }
            )
        return holder
    if email and User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            {
                "email": "Another account already uses this email address. To give that person "
                "a role here, enter their username."
            }
        )
    return None


def validate_invitation(
    *,
    actor,
    site: Site,
    now: datetime,
    role: str = "",
    email: str = "",
    username: str = "",
    identity_verified_by: str = "",
    full_name: str = "",
    credentials: str = "",
    employee_id: str = "",
    is_trainee: bool = False,
    expires_on: date | None = None,
) -> User:
    """The account an invitation gives the role to (the one it names, or a new one, checked and
    not saved), or one ValidationError with every field error at once. `invite_person` asks
    this first; a form that did not parse asks it about the fields that did."""
    errors = FieldErrors()
    if role not in Role.values:
        errors.add("role", "Choose a role.")
    email = User.objects.normalize_email((email or "").strip())
    if not email:
        errors.add("email", "Enter the person's email address: the link goes there.")
    with errors.collect():
        username = _clean_username(username)
    if not (identity_verified_by or "").strip():
        errors.add("identity_verified_by", "Say how you checked who this person is, e.g. ID badge.")
    with errors.collect():
        clean_trainee(role, is_trainee)
    with errors.collect():
        clean_expiry(site=site, role=role, expires_on=expires_on, now=now)
    user = None
    if "username" not in errors:
        with errors.collect():
            user = _existing_account(username=username, email=email)
    if user is not None:
        with errors.collect():
            refuse_own_manager_role(actor=actor, user=user, role=role)
    else:
        user = User(
            username=username,
            email=email,
            full_name=(full_name or "").strip(),
            credentials=(credentials or "").strip(),
            employee_id=(employee_id or "").strip(),
            home_site=site,
        )
        user.set_unusable_password()
        with errors.collect():
            user.full_clean(
                exclude=["password", "home_site", *errors],
                validate_unique=False,
                validate_constraints=False,
            )
    errors.raise_any()
    return user


def invite_person(
    *,
    actor,
    site: Site,
    role: str,
    email: str,
    username: str,
    identity_verified_by: str,
    full_name: str = "",
    credentials: str = "",
    employee_id: str = "",
    is_trainee: bool = False,
    expires_on: date | None = None,
    now: datetime,
) -> Invitation:
    """Give a person a role at the site, creating their account if the username is new.

    A new account has no usable password; its holder is emailed a one-time link (after commit)
    to choose one. An existing account (same username and email) gets the role and an in-app
    notification, and a new link only if it never chose a password. `identity_verified_by`
    says how the manager checked who the person is (21 CFR 11.100(b)); it is audited.
    """
    require(actor, Action.MANAGE_PEOPLE, site)
    user = validate_invitation(
        actor=actor,
        site=site,
        now=now,
        role=role,
        email=email,
        username=username,
        identity_verified_by=identity_verified_by,
        full_name=full_name,
        credentials=credentials,
        employee_id=employee_id,
        is_trainee=is_trainee,
        expires_on=expires_on,
    )
    created = user.pk is None
    reason = f"Invited to {site.code}; identity verified: {identity_verified_by.strip()}"
    try:
        with regulated_transaction(actor=actor):
            if created:
                user._audit_reason = reason
                user.save()
            membership = grant(
                user=user,
                site=site,
                role=role,
                is_trainee=is_trainee,
                expires_on=expires_on,
                reason=reason,
            )
            link_sent = not user.has_usable_password()
            if link_sent:
                send_set_password_link(user=user, now=now)
            if not created:
                tell_of_new_role(membership, now=now)
    except IntegrityError as exc:
        # Another manager took the username between the check and the insert.
        raise ValidationError(
            {"username": "That username or email address is already in use. Check both."}
        ) from exc
    return Invitation(
        user=user, membership=membership, created_account=created, link_sent=link_sent
    )


def resend_invitation(*, actor, site: Site, user: User, now: datetime) -> None:
    """Send a new one-time link to a person of the site who has not chosen a password yet."""
    require(actor, Action.MANAGE_PEOPLE, site)
    if not SiteMembership.objects.filter(user=user, site=site, is_active=True).exists():
        raise ValidationError(f"{user.display_name} holds no role at {site.code}.")
    if user.has_usable_password():
        raise ValidationError(
            f"{user.display_name} has already chosen a password; they can use "
            "“Forgot your password?” on the sign-in page."
        )
    with regulated_transaction(actor=actor):
        send_set_password_link(user=user, now=now)
