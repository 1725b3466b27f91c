"""Password sign-in that says nothing about a locked account's password.

A locked account is refused before its password counts: the right password and a wrong one get
the same answer while the lock lasts, so guessing during a lockout teaches nothing (11.300).
"""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.utils import timezone


class AccountBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        if user.is_locked(timezone.now()):
            return False
        return super().user_can_authenticate(user)


def sign_in_refused_message() -> str:
    """The one answer to a refused sign-in, whatever the reason (no oracle for guessers)."""
    return (
        "The username and password did not match, or the account is locked after repeated "
        f"failed attempts. A locked account opens again after {settings.LOCKOUT_COOLDOWN_MINUTES}"
        " minutes, or when a manager unlocks it."
    )
