"""Managing a site's people: invite, add and remove roles, trainees, inspector expiry
(a person's own details: imaging_ops/person_details.py).

Every write here needs `Action.MANAGE_PEOPLE` at the site and runs in one regulated transaction,
so each change is audited field by field with the manager as actor. Memberships are deactivated,
never deleted. No password is ever set by a manager: a new person gets a one-time link and
chooses their own (21 CFR 11.200(a), 11.300). Two rules keep a site manageable: a manager never
changes their own manager role, and a site never loses its last standing manager.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse

from imaging_ops.access.permissions import Action, require
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.errors import FieldErrors
from imaging_ops.models import Site, SiteMembership, User
from imaging_ops.notifications.services import notify
from imaging_ops.security.password_links import send_set_password_link
from imaging_ops.vocabulary import Role

ROLE_GRANTED_NOTIFICATION = "role_granted"
# Access granted further ahead than this is almost always a mistyped year.
LONGEST_EXPIRY = timedelta(days=5 * 366)


@dataclass(frozen=True)
class Invitation:
    user: User
    membership: SiteMembership
    created_account: bool
    link_sent: bool


# --- rules shared by every write ------------------------------------------------------------


def _clean_expiry(
    *, site: Site, role: str, expires_on: date | None, now: datetime, changed: bool = True
) -> None:
    if role == Role.INSPECTOR and expires_on is None:
        raise ValidationError({"expires_on": "An inspector's access needs a last day."})
    if expires_on is None or not changed:
        return
    today = site.today(now)
    if expires_on < today:
        raise ValidationError(
            {
                "expires_on": f"The last day of access must be today ({today:%Y-%m-%d} at "
                f"{site.code}) or later."
            }
        )
    if expires_on > today + LONGEST_EXPIRY:
        raise ValidationError({"expires_on": "That is more than five years ahead: check the year."})


def _clean_trainee(role: str, is_trainee: bool) -> None:
    if is_trainee and role == Role.INSPECTOR:
        raise ValidationError({"is_trainee": "Inspectors are not trainees."})


def _refuse_own_manager_role(*, actor, user, role: str) -> None:
    if role == Role.MANAGER and actor.pk == user.pk:
        raise ValidationError(
            "You cannot change your own manager role; ask another manager of this site."
        )


def _keep_a_manager(*, membership: SiteMembership, now: datetime) -> None:
    """Refuse a change that would leave the site without a standing manager.

    Called inside the transaction after the site row is locked, with the membership as it
    would be after the change, so two concurrent removals cannot both pass.
    """
    today = membership.site.today(now)
    if membership.role != Role.MANAGER or membership.stands_as_manager(today):
        return
    others = (
        SiteMembership.objects.filter(site_id=membership.site_id)
        .standing_managers()
        .in_force(today)
        .exclude(pk=membership.pk)
    )
    if not others.exists():
        raise ValidationError(
            f"{membership.user.display_name} is the last manager of {membership.site.code}; "
            "give someone else the manager role first."
        )


def _lock_site(site: Site) -> None:
    Site.objects.select_for_update().filter(pk=site.pk).values_list("pk", flat=True).first()


def _save_membership(membership: SiteMembership, reason: str) -> None:
    membership._audit_reason = reason
    try:
        membership.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"role": "This person already holds that role at this site."}
        ) from exc


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
        _clean_trainee(role, is_trainee)
    with errors.collect():
        _clean_expiry(site=site, role=role, expires_on=expires_on, now=now)
    user = None
    if "username" not in errors:
        with errors.collect():
            user = _existing_account(username=username, email=email)
    if user is not None:
        with errors.collect():
            _refuse_own_manager_role(actor=actor, user=user, role=role)
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
            membership = _grant(
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
                _tell_of_new_role(membership, now=now)
    except IntegrityError as exc:
        # Another manager took the username between the check and the insert.
        raise ValidationError(
            {"username": "That username or email address is already in use. Check both."}
        ) from exc
    return Invitation(
        user=user, membership=membership, created_account=created, link_sent=link_sent
    )


def _grant(
    *, user: User, site: Site, role: str, is_trainee: bool, expires_on, reason: str
) -> SiteMembership:
    """A new active membership, or the deactivated one for the same role brought back."""
    membership = (
        SiteMembership.objects.select_for_update().filter(user=user, site=site, role=role).first()
    )
    if membership is not None and membership.is_active:
        raise ValidationError({"role": "This person already holds that role at this site."})
    if membership is None:
        membership = SiteMembership(user=user, site=site, role=role)
    membership.is_active = True
    membership.is_trainee = is_trainee
    membership.expires_on = expires_on
    _save_membership(membership, reason)
    return membership


def _tell_of_new_role(membership: SiteMembership, *, now: datetime) -> None:
    site = membership.site
    notify(
        user=membership.user,
        site=site,
        kind=ROLE_GRANTED_NOTIFICATION,
        title=f"You now have the {membership.get_role_display().lower()} role at {site.code}",
        body=f"{site.name}." + (" You act as a trainee there." if membership.is_trainee else ""),
        url=reverse("home"),
        now=now,
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


# --- roles at a site ------------------------------------------------------------------------


def add_role(
    *,
    actor,
    site: Site,
    user: User,
    role: str,
    is_trainee: bool = False,
    expires_on: date | None = None,
    reason: str = "",
    now: datetime,
) -> SiteMembership:
    """Give a person who is (or was) at the site another role there, or a former one back."""
    require(actor, Action.MANAGE_PEOPLE, site)
    if role not in Role.values:
        raise ValidationError({"role": "Choose a role."})
    if not SiteMembership.objects.filter(user=user, site=site).exists():
        raise ValidationError(
            f"{user.display_name} is not one of {site.code}'s people; invite them."
        )
    if not user.is_active:
        raise ValidationError(
            "This account is deactivated; a system administrator can reactivate it."
        )
    _refuse_own_manager_role(actor=actor, user=user, role=role)
    _clean_trainee(role, is_trainee)
    _clean_expiry(site=site, role=role, expires_on=expires_on, now=now)
    with regulated_transaction(actor=actor):
        membership = _grant(
            user=user,
            site=site,
            role=role,
            is_trainee=is_trainee,
            expires_on=expires_on,
            reason=reason.strip() or f"Role added at {site.code}",
        )
        _tell_of_new_role(membership, now=now)
    return membership


def update_membership(
    *,
    actor,
    membership: SiteMembership,
    is_trainee: bool,
    expires_on: date | None,
    reason: str = "",
    now: datetime,
) -> SiteMembership:
    """Mark or unmark a trainee and set the last day of access of one role at a site."""
    site = membership.site
    require(actor, Action.MANAGE_PEOPLE, site)
    if not membership.is_active:
        raise ValidationError("This role is deactivated; add it again to change it.")
    _refuse_own_manager_role(actor=actor, user=membership.user, role=membership.role)
    _clean_trainee(membership.role, is_trainee)
    _clean_expiry(
        site=site,
        role=membership.role,
        expires_on=expires_on,
        now=now,
        changed=expires_on != membership.expires_on,
    )
    with regulated_transaction(actor=actor):
        _lock_site(site)
        membership.is_trainee = is_trainee
        membership.expires_on = expires_on
        _keep_a_manager(membership=membership, now=now)
        _save_membership(membership, reason.strip())
    return membership


def deactivate_membership(
    *, actor, membership: SiteMembership, reason: str, now: datetime
) -> SiteMembership:
    """Remove one role of a person at a site: the row stays, deactivated, with the reason."""
    site = membership.site
    require(actor, Action.MANAGE_PEOPLE, site)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this role is removed."})
    if not membership.is_active:
        raise ValidationError("This role is already deactivated.")
    _refuse_own_manager_role(actor=actor, user=membership.user, role=membership.role)
    with regulated_transaction(actor=actor):
        _lock_site(site)
        membership.is_active = False
        _keep_a_manager(membership=membership, now=now)
        _save_membership(membership, reason)
    return membership


def may_change(actor, membership: SiteMembership) -> bool:
    """Whether the pages offer to change this row (the rule the services hold)."""
    return membership.is_active and not (
        membership.role == Role.MANAGER and membership.user_id == actor.pk
    )
