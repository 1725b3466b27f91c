"""The training log as a plain snapshot: a site's people and courses over a period. Each
training record completed in the period (person, course, completed and expiry dates, the
instructor, passed or failed with the score, the signatures), and each person's standing in
each course at the period's end (the latest record that counts, current or expired). Read
through training's selectors in a constant number of queries."""

from datetime import datetime

from compliance.selectors.logs import Period, facility_of
from imaging_ops.sites.local_time import local_time_text
from training.selectors.records import site_training_count, site_training_history

SNAPSHOT_VERSION = 1


def training_log_count(*, site, period: Period) -> int:
    return site_training_count(site, start=period.start, end=period.end)


def _current(record):
    versions = list(record.versions.all())
    return next((v for v in versions if v.pk == record.current_version_id), versions[-1])


def _instructor(version) -> str:
    if version.instructor_id:
        return version.instructor.display_name
    return f"{version.instructor_name} (outside instructor)" if version.instructor_name else ""


def _entry(record, zone) -> dict:
    version = _current(record)
    return {
        "id": record.pk,
        "person": record.person.display_name,
        "course": f"{record.course.code} {record.course.title}",
        "completed_on": record.completed_on.isoformat(),
        "expires_on": record.expires_on.isoformat() if record.expires_on else "does not expire",
        "instructor": _instructor(version),
        "result": ("Passed" if version.passed else "Failed")
        + (f", score {version.score.normalize():f}" if version.score is not None else ""),
        "version": version.number,
        "imported": record.imported,
        "voided": record.void_reason if record.voided_at else "",
        "counts": record.counts,
        "signatures": [
            {
                "name": s.printed_name,
                "credentials": s.credentials,
                "meaning": s.get_meaning_display(),
                "signed_at": local_time_text(s.signed_at, zone),
            }
            for s in sorted(version.signatures.all(), key=lambda s: (s.signed_at, s.pk))
        ],
    }


def _standing(records, period: Period) -> list[dict]:
    """Per person and course: the latest record that counts by the period's end, and whether
    it is current then; a pair with none that counts is shown as not qualified."""
    latest: dict[tuple[int, int], object] = {}
    seen: dict[tuple[int, int], object] = {}
    for record in records:  # in completion order: the last one kept is the latest
        pair = (record.person_id, record.course_id)
        seen[pair] = record
        if record.counts:
            latest[pair] = record
    rows = []
    for pair, any_record in seen.items():
        record = latest.get(pair)
        if record is None:
            status, completed, expires = "Not qualified: no record that counts", "", ""
        else:
            current = record.expires_on is None or record.expires_on >= period.end
            status = "Current" if current else f"Expired {record.expires_on.isoformat()}"
            completed = record.completed_on.isoformat()
            expires = record.expires_on.isoformat() if record.expires_on else "does not expire"
        rows.append(
            {
                "person": any_record.person.display_name,
                "course": f"{any_record.course.code} {any_record.course.title}",
                "completed_on": completed,
                "expires_on": expires,
                "status": status,
                "current": status == "Current",
            }
        )
    return sorted(rows, key=lambda r: (r["person"].casefold(), r["course"]))


def training_log_snapshot(*, site, period: Period, now: datetime) -> dict:
    """Everything the training log prints for `site` over `period`, as of `now`."""
    records = site_training_history(site, until=period.end)
    return training_snapshot(records, site=site, period=period, now=now, title="Training log")


def training_snapshot(records, *, site, period: Period, now: datetime, title: str) -> dict:
    """The training log's snapshot of `records` (training records read by training's
    selectors, completed by the period's end, in completion order): those completed in the
    period, and each person's standing in each course at its end."""
    zone = site.zone
    records = list(records)
    in_period = [r for r in records if r.completed_on >= period.start]
    return {
        "format": SNAPSHOT_VERSION,
        "kind": "training",
        "title": title,
        "as_of": local_time_text(now, zone),
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "facility": facility_of(site),
        "records": [_entry(r, zone) for r in in_period],
        "standing": _standing(records, period),
    }
