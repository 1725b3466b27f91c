"""A moment as a person reads it: the local date and time with the zone's abbreviation and offset.

One rendering for signature manifestations and the audit trail: "2026-03-04 14:22 EST
(UTC\u221205:00)". Times are stored in UTC; people read them in a site's time zone.
"""

import datetime as dt
import zoneinfo

from django.utils import timezone

MINUS = "\u2212"


def utc_offset_text(local: dt.datetime) -> str:
    """The offset from UTC, e.g. "UTC\u221205:00" for New York in winter."""
    minutes = int(local.utcoffset().total_seconds() // 60)
    sign = MINUS if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def local_time_text(moment: dt.datetime, zone: zoneinfo.ZoneInfo, *, seconds: bool = False) -> str:
    """The moment in `zone`: date, time (to the minute, or the second), abbreviation, offset."""
    local = timezone.localtime(moment, zone)
    clock = f"{local:%Y-%m-%d %H:%M:%S}" if seconds else f"{local:%Y-%m-%d %H:%M}"
    return f"{clock} {local.tzname()} ({utc_offset_text(local)})"
