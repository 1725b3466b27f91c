"""Sites as scheduling sees them: unsaved `Site` rows, so the calendar is the site's own."""

import datetime
import zoneinfo

from imaging_ops.models import Site

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
UTC = datetime.UTC


def site(zone: str = "America/New_York", *, clinical_days=(0, 1, 2, 3, 4), opens=7, closes=19):
    return Site(
        code="S",
        name="Site",
        time_zone=zone,
        clinical_days=list(clinical_days),
        opens_at=datetime.time(opens, 0),
        closes_at=datetime.time(closes, 0),
    )


def local(zone, *args) -> datetime.datetime:
    """An aware moment as the site's clocks show it."""
    return datetime.datetime(*args, tzinfo=zone)
