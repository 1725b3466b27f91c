"""Loading the shipped course catalog into the organisation catalog (`manage.py load_courses`).

Keyed on the catalog code: what is missing is created; a course of an older catalog version
that nobody edited here takes the new version's fields; a course edited here (locally
modified) is never overwritten, and what differs is reported. Running it twice changes
nothing the second time.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied

from imaging_ops.audit.trail import regulated_transaction
from training.catalog.shipped import FIELDS, shipped_courses
from training.models import Course


@dataclass
class CatalogReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_local: list[tuple[str, list[str]]] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"Created {len(self.created)}, updated {len(self.updated)}, "
            f"unchanged {len(self.unchanged)}, kept as edited here {len(self.kept_local)}."
        ]
        out += [f"  created {code}" for code in self.created]
        out += [f"  updated {code}" for code in self.updated]
        for code, differences in self.kept_local:
            out.append(
                f"  kept {code} as edited here; the catalog differs in: {', '.join(differences)}"
            )
        if self.flagged:
            out.append(f"Verify locally before relying on: {', '.join(self.flagged)}.")
        return out


def load_courses(*, actor, now: datetime, dry_run: bool = False) -> CatalogReport:
    if not actor.is_superuser:
        raise PermissionDenied("The course catalog is loaded by a system administrator.")
    shipped = shipped_courses()
    existing = {
        course.catalog_code: course
        for course in Course.objects.filter(site__isnull=True).exclude(catalog_code="")
    }
    report = CatalogReport(flagged=[s.code for s in shipped if s.flagged])
    with regulated_transaction(actor=actor):
        for entry in shipped:
            course = existing.get(entry.code)
            if course is None:
                report.created.append(entry.code)
                if not dry_run:
                    course = Course(
                        site=None,
                        code=entry.code,
                        catalog_code=entry.code,
                        catalog_version=entry.version,
                        **entry.fields,
                    )
                    course.full_clean()
                    course.save()
                continue
            differences = [f for f in FIELDS if getattr(course, f) != entry.fields[f]]
            if not differences:
                report.unchanged.append(entry.code)
            elif course.locally_modified:
                report.kept_local.append((entry.code, differences))
            elif (course.catalog_version or 0) <= entry.version:
                report.updated.append(entry.code)
                if not dry_run:
                    for name in FIELDS:
                        setattr(course, name, entry.fields[name])
                    course.catalog_version = entry.version
                    course._audit_reason = f"Course catalog version {entry.version}"
                    course.full_clean()
                    course.save()
    return report
