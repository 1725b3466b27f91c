"""A person's training page, "my training", and the courses list."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views import View

from imaging_ops.access.permissions import ALL_SITES, Action, sites_where
from imaging_ops.access.scoping import scope
from imaging_ops.models import Site, SiteMembership, User
from training.documents.records_import import may_import
from training.expiry import status_on
from training.selectors.records import courses_for, training_records


def _rows(records, today):
    return [
        {
            "record": record,
            "version": record.current(),
            "status": status_on(record.expires_on, today) if record.counts else None,
        }
        for record in records
    ]


def _page(request, person, *, mine: bool):
    today = timezone.localdate()
    records = training_records().filter(person=person)
    if not mine:
        records = scope(records, request.user)
    recording = sites_where(request.user, Action.RECORD_TRAINING)
    sites = Site.objects.all() if recording is ALL_SITES else Site.objects.filter(pk__in=recording)
    return render(
        request,
        "training/person.html",
        {
            "person": person,
            "mine": mine,
            "rows": _rows(records, today),
            "recording_sites": list(sites),
            "matrix_sites": list(scope(Site.objects.all(), request.user)),
        },
    )


class MyTrainingView(LoginRequiredMixin, View):
    def get(self, request):
        return _page(request, request.user, mine=True)


class PersonTrainingView(LoginRequiredMixin, View):
    """Another person's training as recorded at the viewer's sites; a person who holds no role
    at any of them answers 404."""

    def get(self, request, pk):
        people = User.objects.filter(
            pk__in=scope(SiteMembership.objects.all(), request.user).values("user_id")
        )
        person = get_object_or_404(people, pk=pk)
        return _page(request, person, mine=False)


class CourseListView(LoginRequiredMixin, View):
    def get(self, request):
        courses = courses_for(request.user).order_by("site__code", "code")
        context = {"courses": courses, "may_import": may_import(request.user)}
        return render(request, "training/course_list.html", context)
