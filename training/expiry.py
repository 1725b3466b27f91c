"""When training expires and what state it is in on a day: pure rules, no database.

A completion valid for N months expires N calendar months after it was completed, clamped to
the end of a shorter month (31 January + 1 month is the last day of February; 29 February + 12
months is 28 February). It is current up to and including its expiry day.
"""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.db import models

EXPIRING_WITHIN_DAYS = 30


class TrainingStatus(models.TextChoices):
    CURRENT = "current", "Current"
    EXPIRING = "expiring", "Expiring within 30 days"
    EXPIRED = "expired", "Expired"
    MISSING = "missing", "Missing"


def expires_on(completed_on: date, validity_months: int | None) -> date | None:
    """The last day the completion is current, or None when it never expires."""
    if validity_months is None:
        return None
    return completed_on + relativedelta(months=validity_months)


# The statuses as module constants: the matrix of a large site asks thousands of times, and
# reading a member off the enum class each time is most of the cost of the answer.
_CURRENT, _EXPIRING = TrainingStatus.CURRENT, TrainingStatus.EXPIRING
_EXPIRED, _MISSING = TrainingStatus.EXPIRED, TrainingStatus.MISSING


def status_on(expiry: date | None, on: date, *, held: bool = True) -> str:
    """The status of a completion with `expiry` on day `on`; `held`: there is one at all."""
    if not held:
        return _MISSING
    if expiry is None:
        return _CURRENT
    if on > expiry:
        return _EXPIRED
    if (expiry - on).days <= EXPIRING_WITHIN_DAYS:
        return _EXPIRING
    return _CURRENT


def is_current(expiry: date | None, on: date) -> bool:
    return expiry is None or on <= expiry
