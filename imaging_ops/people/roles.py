"""A person's roles at a site: the rules every grant follows (expiry, trainees, a manager's own
role, the last standing manager), and adding, changing and removing a role.

Every write needs `Action.MANAGE_PEOPLE` at the site and runs in one regulated transaction.
Memberships are deactivated, never deleted. Invitations (imaging_ops/people/services.py) grant
their first role through `grant()` here.
"""

from datetime import date, datetime, timedelta

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError
from django.urls import reverse

from imaging_ops.access.permissions import Action, require
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.errors import FieldErrors
from imaging_ops.models import Site, SiteMembership, User
from imaging_ops.notifications.services import notify
from imaging_ops.vocabulary import Role

ROLE_GRANTED_NOTIFICATION = "role_granted"
# Access granted further ahead than this is almost always a mistyped year.
LONGEST_EXPIRY = timedelta(days=5 * 366)


def clean_expiry(
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


def clean_trainee(role: str, is_trainee: bool) -> None:
    if is_trainee and role == Role.INSPECTOR:
        raise ValidationError({"is_trainee": "Inspectors are not trainees."})


def refuse_own_manager_role(*, actor, user, role: str) -> None:
    if role == Role.MANAGER and actor.pk == user.pk:
        raise ValidationError(
            "You cannot change your own manager role; ask another manager of this site."
        )


def keep_a_manager(*, membership: SiteMembership, now: datetime) -> None:
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


def lock_site(site: Site) -> None:
    Site.objects.select_for_update().filter(pk=site.pk).values_list("pk", flat=True).first()


def save_membership(membership: SiteMembership, reason: str) -> None:
    membership._audit_reason = reason
    try:
        membership.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"role": "This person already holds that role at this site."}
        ) from exc


def grant(
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
    save_membership(membership, reason)
    return membership


def tell_of_new_role(membership: SiteMembership, *, now: datetime) -> None:
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


def validate_role_grant(
    *,
    actor,
    site: Site,
    user: User,
    now: datetime,
    role: str = "",
    is_trainee: bool = False,
    expires_on: date | None = None,
) -> None:
    """Every reason a role cannot be given, at once. `add_role` asks this first; a form that
    did not parse asks it about the fields that did."""
    errors = FieldErrors()
    if role not in Role.values:
        errors.add("role", "Choose a role.")
    if not SiteMembership.objects.filter(user=user, site=site).exists():
        errors.add(
            NON_FIELD_ERRORS,
            f"{user.display_name} is not one of {site.code}'s people; invite them.",
        )
    elif not user.is_active:
        errors.add(
            NON_FIELD_ERRORS,
            "This account is deactivated; a system administrator can reactivate it.",
        )
    with errors.collect():
        refuse_own_manager_role(actor=actor, user=user, role=role)
    with errors.collect():
        clean_trainee(role, is_trainee)
    with errors.collect():
        clean_expiry(site=site, role=role, expires_on=expires_on, now=now)
    errors.raise_any()


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
    validate_role_grant(
        actor=actor,
        site=site,
        user=user,
        now=now,
        role=role,
        is_trainee=is_trainee,
        expires_on=expires_on,
    )
    with regulated_transaction(actor=actor):
        membership = grant(
            user=user,
            site=site,
            role=role,
            is_trainee=is_trainee,
            expires_on=expires_on,
            reason=reason.strip() or f"Role added at {site.code}",
        )
        tell_of_new_role(membership, now=now)
    return membership


def validate_membership_change(
    *,
    actor,
    membership: SiteMembership,
    now: datetime,
    is_trainee: bool = False,
    expires_on: date | None = None,
) -> None:
    """Every reason this role cannot change so, at once. `update_membership` asks this first;
    a form that did not parse asks it about the fields that did."""
    if not membership.is_active:
        raise ValidationError("This role is deactivated; add it again to change it.")
    errors = FieldErrors()
    with errors.collect():
        refuse_own_manager_role(actor=actor, user=membership.user, role=membership.role)
    with errors.collect():
        clean_trainee(membership.role, is_trainee)
    with errors.collect():
        clean_expiry(
            site=membership.site,
            role=membership.role,
            expires_on=expires_on,
            now=now,
            changed=expires_on != membership.expires_on,
        )
    errors.raise_any()


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
    validate_membership_change(
        actor=actor, membership=membership, now=now, is_trainee=is_trainee, expires_on=expires_on
    )
    with regulated_transaction(actor=actor):
        lock_site(site)
        membership.is_trainee = is_trainee
        membership.expires_on = expires_on
        keep_a_manager(membership=membership, now=now)
        save_membership(membership, reason.strip())
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
    refuse_own_manager_role(actor=actor, user=membership.user, role=membership.role)
    with regulated_transaction(actor=actor):
        lock_site(site)
        membership.is_active = False
        keep_a_manager(membership=membership, now=now)
        save_membership(membership, reason)
    return membership


def may_change(actor, membership: SiteMembership) -> bool:
    """Whether the pages offer to change this row (the rule the services hold)."""
    return membership.is_active and not (
        membership.role == Role.MANAGER and membership.user_id == actor.pk
    )
