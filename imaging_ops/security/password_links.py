"""One-time links by which a person chooses their own password: for new people and resets.

The link is built from PUBLIC_BASE_URL, never from the request's host (a forged Host header must
not send someone a link to another site). It opens Django's set-password page, which enforces the
password validators. The token is Django's: it stops working once the password changes or the
person signs in, and after PASSWORD_RESET_TIMEOUT seconds.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from imaging_ops.audit.trail import after_commit
from imaging_ops.models import User
from imaging_ops.sites.local_time import local_time_text

NEW_ACCOUNT = "registration/set_password_email"
RESET = "registration/password_reset_email"


def set_password_url(user) -> str:
    """The absolute one-time link to the page where the person chooses a password."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.PUBLIC_BASE_URL}{path}"


def _send_link(*, user, template: str, now: datetime) -> None:
    zone = user.home_site.zone if user.home_site_id else timezone.get_default_timezone()
    expires = now + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    context = {
        "user": user,
        "link": set_password_url(user),
        "expires": local_time_text(expires, zone),
        "login_url": f"{settings.PUBLIC_BASE_URL}{reverse('login')}",
        "forgot_url": f"{settings.PUBLIC_BASE_URL}{reverse('password_reset')}",
    }
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}.txt", context)
    send_mail(subject, body, None, [user.email])


def send_set_password_link(*, user, now: datetime) -> None:
    """Email a new person the one-time link to choose their password (sent after commit)."""
    if not user.is_active:
        raise ValidationError("This account is deactivated; reactivate it before inviting.")
    if not user.email:
        raise ValidationError(
            {"email": "This person has no email address to send the link to."}, code="no_email"
        )
    after_commit(lambda: _send_link(user=user, template=NEW_ACCOUNT, now=now))


def send_password_reset_links(*, email: str, now: datetime) -> int:
    """Email a reset link to each active account with this address and a password; how many.

    The caller answers the same whatever the count, so the page does not tell who has an
    account. Accounts that never had a password are invited by their manager instead.
    """
    users = [
        user
        for user in User.objects.filter(email__iexact=email.strip(), is_active=True)
        .select_related("home_site")
        .order_by("pk")
        if user.has_usable_password()
    ]
    for user in users:
        after_commit(lambda user=user: _send_link(user=user, template=RESET, now=now))
    return len(users)
