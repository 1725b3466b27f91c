"""Recording a session: the course, the day, who attended and the instructor's signature in
one form (training.services.sessions.record_session)."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from imaging_ops.access.scoping import scope
from imaging_ops.models import Site
from imaging_ops.records.signatures import POLICY_TEXT, has_acknowledged_policy, needs_username
from imaging_ops.web.base import ServiceFormView
from training.forms.sessions import SessionForm
from training.services.sessions import Attendance, record_session, require_instructor


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class RecordSessionView(ServiceFormView):
    form_class = SessionForm
    template_name = "training/session_form.html"
    field_map = {"signature": "password"}

    def get_object(self):
        self.site = get_object_or_404(
            scope(Site.objects.all(), self.request.user), code=self.kwargs["site_code"]
        )
        return None

    def check_permission(self):
        require_instructor(self.request.user, self.site)

    def get_initial(self):
        return {"held_on": self.site.today(timezone.now())}

    def get_form_kwargs(self):
        user = self.request.user
        return {
            **super().get_form_kwargs(),
            "site": self.site,
            "user": user,
            "today": self.site.today(timezone.now()),
            "ask_username": needs_username(
                signer=user, session=self.request.session, via_api=False
            ),
            "ask_policy": not has_acknowledged_policy(user),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(site=self.site, policy_text=POLICY_TEXT, **kwargs)

    def call_service(self, form):
        data = form.cleaned_data
        failed = {p.pk for p in data.get("not_passed") or ()}
        return record_session(
            actor=self.request.user,
            site=self.site,
            course=data["course"],
            held_on=data["held_on"],
            location=data.get("location", ""),
            notes=data.get("notes", ""),
            attendees=[Attendance(person=p, passed=p.pk not in failed) for p in data["attendees"]],
            signature={
                "password": data["password"],
                "username": data.get("username"),
                "acknowledge_policy": data.get("acknowledge_policy", False),
                "session": self.request.session,
            },
            now=timezone.now(),
        )

    def get_success_message(self, session):
        count = session.records.count()
        return f"Recorded {session.course.code} for {count} {'person' if count == 1 else 'people'}."

    def get_success_url(self, session):
        return reverse("training:matrix", args=[self.site.code])
