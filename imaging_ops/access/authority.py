"""Who a person is at each site, read once per request, and whether their account may act."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from imaging_ops.vocabulary import Role


@dataclass(frozen=True)
class Grant:
    site_id: int
    role: str
    is_trainee: bool


def _active_memberships(user) -> list:
    """The user's active membership rows with their sites: one query, cached on the user."""
    rows = getattr(user, "_membership_rows", None)
    if rows is None:
        rows = list(user.memberships.filter(is_active=True).select_related("site"))
        user._membership_rows = rows
    return rows


def memberships_in_force(user, now: datetime | None = None) -> tuple[Grant, ...]:
    """The user's active, unexpired roles (expiry counted in each site's own time zone)."""
    if not user.is_authenticated:
        return ()
    now = now or timezone.now()
    # Roles expire at the end of a day: within one minute, for the same rows, the answer stands,
    # so a request that asks a dozen times (each scoped query, each permission) works it out
    # once. The rows' own facts are part of the key: a row changed in place is read again.
    rows = _active_memberships(user)
    key = (
        now.replace(second=0, microsecond=0),
        tuple((m.pk, m.role, m.is_trainee, m.expires_on, m.is_active) for m in rows),
    )
    cached = getattr(user, "_grants_in_force", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    grants = tuple(
        Grant(site_id=m.site_id, role=m.role, is_trainee=m.is_trainee)
        for m in rows
        if m.in_force_at(now)
    )
    user._grants_in_force = (key, grants)
    return grants


def roles_at(user, site_id: int) -> frozenset[str]:
    return frozenset(g.role for g in memberships_in_force(user) if g.site_id == site_id)


def user_site_ids(user) -> frozenset[int]:
    return frozenset(g.site_id for g in memberships_in_force(user))


def inspector_only(user, now: datetime | None = None) -> bool:
    """Whether the person holds roles in force and every one is an inspector role (never a
    system administrator): whose every page read is audited (imaging_ops.audit.viewing)."""
    if not user.is_authenticated or user.is_superuser:
        return False
    grants = memberships_in_force(user, now)
    return bool(grants) and all(g.role == Role.INSPECTOR for g in grants)


def sites_in_force(user, now: datetime | None = None) -> dict:
    """The sites of the person's roles in force, by id, from the rows read once per request."""
    ids = {g.site_id for g in memberships_in_force(user, now)}
    return {m.site_id: m.site for m in _active_memberships(user) if m.site_id in ids}


def account_may_act(user, now: datetime) -> tuple[bool, str]:
    """Whether the account may sign in or call the API now, and if not, why, in plain words.

    One check for session and token authentication alike: the account is active, not locked,
    and a person whose only roles are inspector roles still has unexpired access.
    """
    if not user.is_active:
        return False, "This account is deactivated."
    if user.is_locked(now):
        return False, "This account is locked after repeated failed attempts."
    if user.is_superuser:
        return True, ""
    held = _active_memberships(user)
    inspector_only = held and all(m.role == Role.INSPECTOR for m in held)
    if inspector_only and not any(m.in_force_at(now) for m in held):
        return False, "Your inspector access has expired."
    return True, ""
