"""`User.is_locked(now)` and its query twin `User.objects.locked(now)`, at the lock's end."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from imaging_ops.models import User

pytestmark = pytest.mark.django_db

LOCK_ENDS = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)


def locked_usernames(now) -> set[str]:
    return set(User.objects.locked(now).values_list("username", flat=True))


@pytest.mark.parametrize(
    ("moment", "locked"),
    [
        (LOCK_ENDS - timedelta(seconds=1), True),
        (LOCK_ENDS, False),  # the lock ends at locked_until, exactly
        (LOCK_ENDS + timedelta(minutes=1), False),
    ],
)
def test_an_account_is_locked_until_the_lock_ends(tech, moment, locked):
    tech.locked_until = LOCK_ENDS
    tech.save()

    with time_machine.travel(moment, tick=False):
        now = timezone.now()
        assert tech.is_locked(now) is locked
        assert (locked_usernames(now) == {"tess"}) is locked
        assert (
            set(User.objects.not_locked(now).values_list("username", flat=True)) == {"tess"}
        ) is (not locked)


def test_an_account_never_locked_is_not_locked(tech):
    now = timezone.now()

    assert tech.locked_until is None
    assert not tech.is_locked(now)
    assert locked_usernames(now) == set()
