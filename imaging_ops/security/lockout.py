"""Account security: failed sign-ins and signatures, the lockout they lead to, and unlocking.

A person is locked for LOCKOUT_COOLDOWN_MINUTES after LOCKOUT_THRESHOLD failures (sign-ins and
signatures together) within LOCKOUT_WINDOW_MINUTES. `User.locked_until` holds the end of the
latest lock; failures before it never count again, so after the cool-down or an unlock the person
starts afresh. The lock is claimed with one conditional update, so only the failure that wins it
alerts the site's managers (in the app) and the security contact (by email, after commit).
Passwords are never logged or stored: the events carry the username tried and nothing else.
"""

import ipaddress
import logging
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from imaging_ops.access.permissions import ALL_SITES, Action, can, require, sites_where
from imaging_ops.audit.context import audit_context
from imaging_ops.audit.trail import AuditAction, after_commit, record_event, regulated_transaction
from imaging_ops.models import AuthFailure, SiteMembership, User
from imaging_ops.notifications.services import notify
from imaging_ops.sites.local_time import local_time_text

logger = logging.getLogger(__name__)

FAILURE_ACTIONS = {
    AuthFailure.Kind.LOGIN: AuditAction.FAILED_LOGIN,
    AuthFailure.Kind.SIGNATURE: AuditAction.FAILED_SIGNATURE,
}
LOCKOUT_NOTIFICATION = "account_locked"


def _clean_address(address: str | None) -> str | None:
    """An IP address as stored, or None for anything that is not one."""
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def _window() -> timedelta:
    return timedelta(minutes=settings.LOCKOUT_WINDOW_MINUTES)


def _cooldown() -> timedelta:
    return timedelta(minutes=settings.LOCKOUT_COOLDOWN_MINUTES)


def record_auth_failure(
    *, username: str, user, kind: str, address: str | None, now: datetime
) -> bool:
    """Record a failed sign-in or signature; True when this failure locks the account.

    `user` is the account the username names, or None when it names nobody (the failure is
    still recorded and audited). Failures while the account is locked are recorded but neither
    extend the lock nor count toward the next one.
    """
    if kind not in FAILURE_ACTIONS:
        raise ValueError(f"Unknown failure kind {kind!r}; use AuthFailure.Kind.")
    username = (username or "")[:150]
    address = _clean_address(address)
    with regulated_transaction():
        AuthFailure.objects.create(user=user, username=username, kind=kind, at=now, address=address)
        record_event(
            FAILURE_ACTIONS[kind],
            object_type=User._meta.label_lower,
            object_id=str(user.pk) if user else "",
            site_id=user.home_site_id if user else None,
            changes={"username": username},
        )
        if user is None:
            return False
        # The row lock makes concurrent failures of one person count one after the other.
        lock = User.objects.select_for_update().only("locked_until").get(pk=user.pk)
        if lock.is_locked(now):
            return False
        lock_end = lock.locked_until
        recent = AuthFailure.objects.filter(user=user, at__gt=now - _window(), at__lte=now)
        if lock_end:
            recent = recent.filter(at__gte=lock_end)
        failures = recent.count()
        if failures < settings.LOCKOUT_THRESHOLD:
            return False
        return _lock(user=user, previous=lock_end, failures=failures, address=address, now=now)


def _lock(*, user, previous, failures: int, address: str | None, now: datetime) -> bool:
    until = now + _cooldown()
    claimed = User.objects.filter(pk=user.pk).not_locked(now).update(locked_until=until)
    if not claimed:
        return False
    user.locked_until = until
    reason = (
        f"{failures} failed sign-ins or signatures within {settings.LOCKOUT_WINDOW_MINUTES} minutes"
    )
    record_event(
        AuditAction.LOCKOUT,
        target=user,
        site_id=user.home_site_id,
        changes={"locked_until": [previous, until]},
        reason=reason,
    )
    _notify_managers(user=user, until=until, reason=reason, now=now)
    contact = settings.SECURITY_CONTACT_EMAIL
    if contact:
        message = _lockout_email(user=user, until=until, reason=reason, address=address)
        after_commit(lambda: _send_security_email(contact, *message, username=user.username))
    return True


def _managers_of(user, now: datetime) -> list:
    """One membership per active manager of the person's sites (not the person), site order."""
    site_ids = SiteMembership.objects.filter(user=user, is_active=True).values("site_id")
    rows = (
        SiteMembership.objects.filter(site_id__in=site_ids)
        .held()
        .standing_managers()
        .exclude(user=user)
        .select_related("user", "site")
        .order_by("user_id", "site__code")
    )
    first_per_manager = {}
    for row in rows:
        if row.in_force_at(now):  # expiry counted in the site's own time zone
            first_per_manager.setdefault(row.user_id, row)
    return list(first_per_manager.values())


def _notify_managers(*, user, until: datetime, reason: str, now: datetime) -> None:
    for membership in _managers_of(user, now):
        notify(
            user=membership.user,
            site=membership.site,
            kind=LOCKOUT_NOTIFICATION,
            title=f"Account locked: {user.display_name} ({user.username})",
            body=(
                f"Locked after {reason}, until {local_time_text(until, membership.site.zone)}. "
                "Unlock it on the Locked accounts page if you know it was them; otherwise it "
                "unlocks itself then."
            ),
            url=reverse("locked_accounts"),
            now=now,
        )


def _lockout_email(*, user, until: datetime, reason: str, address: str | None):
    subject = f"Imaging Ops: account {user.username} locked"
    sites = ", ".join(
        SiteMembership.objects.filter(user=user, is_active=True)
        .order_by("site__code")
        .values_list("site__code", flat=True)
        .distinct()
    )
    body = "\n".join(
        [
            f"The account {user.username} ({user.display_name}) was locked after {reason}.",
            f"Locked until: {until.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
            f"Last attempt from: {address or 'unknown address'}",
            f"Sites: {sites or 'none'}",
            "",
            "If this was not the person themselves, someone may be guessing the password.",
            f"Locked accounts: {settings.PUBLIC_BASE_URL}{reverse('locked_accounts')}",
        ]
    )
    return subject, body


def _send_security_email(contact: str, subject: str, body: str, *, username: str) -> None:
    # After commit: a mail server that is down must not undo the lock or fail the request.
    try:
        send_mail(subject, body, None, [contact])
    except Exception:
        logger.exception("Could not email the security contact about the lockout of %s", username)


def _require_people_manager(actor, person) -> None:
    """A manager of one of the person's sites, or a system administrator; else PermissionDenied."""
    site_ids = sorted(
        SiteMembership.objects.filter(user=person, is_active=True)
        .values_list("site_id", flat=True)
        .distinct()
    )
    managed = [site_id for site_id in site_ids if can(actor, Action.MANAGE_PEOPLE, site_id)]
    # Site 0 does not exist: a person with no sites can be unlocked by administrators only.
    require(actor, Action.MANAGE_PEOPLE, managed[0] if managed else 0)


def unlock_account(*, user, actor, now: datetime) -> bool:
    """Unlock the person now; False if they were not locked. PermissionDenied unless allowed.

    The lock ends at `now`, so the failures that led to it no longer count.
    """
    _require_people_manager(actor, user)
    with regulated_transaction(actor=actor):
        previous = (
            User.objects.select_for_update()
            .filter(pk=user.pk)
            .values_list("locked_until", flat=True)
            .first()
        )
        claimed = User.objects.filter(pk=user.pk).locked(now).update(locked_until=now)
        if not claimed:
            return False
        user.locked_until = now
        record_event(
            AuditAction.UNLOCK,
            target=user,
            actor=actor,
            site_id=user.home_site_id,
            changes={"locked_until": [previous, now]},
        )
    return True


def locked_people(viewer, now: datetime):
    """People locked now at the sites where the viewer manages people (everyone, for admins)."""
    people = User.objects.locked(now)
    managed = sites_where(viewer, Action.MANAGE_PEOPLE)
    if managed is not ALL_SITES:
        people = people.filter(
            memberships__site_id__in=managed, memberships__is_active=True
        ).distinct()
    return people.order_by("username")


# --- Signal handlers: sign-in, sign-out and failed sign-in (connected in apps.py) -------------


def _http_request(request):
    # DRF passes its own Request; the Django request underneath has the address and user.
    return getattr(request, "_request", request)


def request_address(request) -> str | None:
    if request is None:
        return None
    return _clean_address(_http_request(request).META.get("REMOTE_ADDR"))


@contextmanager
def _request_audit_context(request):
    """Events carry the request's address and id, also when no middleware has set them."""
    http = _http_request(request) if request is not None else None
    with audit_context(
        actor_name="anonymous",
        user_getter=(lambda: getattr(http, "user", None)) if http is not None else None,
        address=request_address(request),
        request_id=getattr(http, "request_id", ""),
    ):
        yield


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    with _request_audit_context(request):
        record_event(AuditAction.LOGIN, target=user, actor=user, site_id=user.home_site_id)


def on_user_logged_out(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    with _request_audit_context(request):
        record_event(AuditAction.LOGOUT, target=user, actor=user, site_id=user.home_site_id)


def on_user_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get(User.USERNAME_FIELD) or "")
    user = User.objects.filter(username__iexact=username).first() if username else None
    with _request_audit_context(request):
        record_auth_failure(
            username=username,
            user=user,
            kind=AuthFailure.Kind.LOGIN,
            address=request_address(request),
            now=timezone.now(),
        )
