"""Reads of training records that the pages and the API share."""

from django.db.models import Prefetch, Q

from imaging_ops.access.authority import user_site_ids
from imaging_ops.models import Signature
from training.models import Course, TrainingRecord, TrainingRecordVersion


def training_records():
    """Training records with what their pages and rows show, in a constant number of queries."""
    return TrainingRecord.objects.select_related(
        "person", "course", "site", "session", "current_version__instructor"
    ).prefetch_related(
        Prefetch(
            "versions",
            queryset=TrainingRecordVersion.objects.select_related("instructor").prefetch_related(
                Prefetch("signatures", queryset=Signature.objects.select_related("site"))
            ),
        )
    )


def courses_for(user):
    """The organisation catalog and the courses of the user's sites."""
    courses = Course.objects.select_related("site")
    if user.is_superuser:
        return courses
    return courses.filter(Q(site__isnull=True) | Q(site__in=user_site_ids(user)))


def site_training_history(site, *, until):
    """Every training record at `site` completed on or before `until`, with the person, the
    course, each version's instructor and signatures: a constant number of queries. The
    training log reads the period's records and each person's standing at its end from it."""
    return (
        training_records().filter(site=site, completed_on__lte=until).order_by("completed_on", "pk")
    )


def site_training_count(site, *, start, end) -> int:
    """How many training records at `site` were completed from `start` to `end` (both days)."""
    return TrainingRecord.objects.filter(
        site=site, completed_on__gte=start, completed_on__lte=end
    ).count()
