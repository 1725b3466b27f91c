"""Managing a site's courses and requirements: create a course, require a course for a
modality, an area class or a role, retire a requirement with a reason. Managers; the RSO for
radiation-safety courses (the service says which)."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from imaging_ops.access.permissions import Action, can, require
from imaging_ops.access.scoping import scope
from imaging_ops.models import Site
from imaging_ops.web.base import ServiceFormView
from training.forms.courses import CourseForm, RequirementForm, RetireForm
from training.models import Requirement
from training.selectors.qualifications import requirements_in_force
from training.services import courses as services


class SitePageMixin:
    def get_object(self):
        self.site = get_object_or_404(
            scope(Site.objects.all(), self.request.user), code=self.kwargs["site_code"]
        )
        return None

    def check_permission(self):
        require(self.request.user, Action.MANAGE_COURSES, self.site)


class CourseCreateView(SitePageMixin, ServiceFormView):
    form_class = CourseForm
    template_name = "training/course_form.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(site=self.site, **kwargs)

    def call_service(self, form):
        return services.create_course(
            actor=self.request.user, site=self.site, now=timezone.now(), **form.content()
        )

    def get_success_message(self, course):
        return f"Course {course.code} created."

    def get_success_url(self, course):
        return reverse("training:requirements", args=[self.site.code])


class RequirementsView(SitePageMixin, ServiceFormView):
    """The site's requirements in force, and the form that adds one."""

    form_class = RequirementForm
    template_name = "training/requirements.html"
    field_map = {"basis": "required_for", "subject": "required_for"}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "site": self.site}

    def check_permission(self):
        if self.request.method == "POST":
            super().check_permission()
        else:
            require(self.request.user, Action.VIEW_RECORDS, self.site)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            site=self.site,
            requirements=requirements_in_force(self.site),
            may_manage=can(self.request.user, Action.MANAGE_COURSES, self.site),
            **kwargs,
        )

    def call_service(self, form):
        basis, subject = form.subject()
        return services.create_requirement(
            actor=self.request.user,
            site=self.site,
            course=form.cleaned_data["course"],
            basis=basis,
            subject=subject,
            now=timezone.now(),
        )

    def get_success_message(self, requirement):
        return f"{requirement.course.code} is now required {requirement.subject_label}."

    def get_success_url(self, requirement):
        return reverse("training:requirements", args=[self.site.code])


class RetireRequirementView(ServiceFormView):
    model = Requirement
    form_class = RetireForm
    template_name = "training/requirement_retire.html"

    def get_queryset(self):
        return Requirement.objects.select_related("course", "site")

    def check_permission(self):
        require(self.request.user, Action.MANAGE_COURSES, self.object.site_id)

    def get_context_data(self, **kwargs):
        return super().get_context_data(requirement=self.object, **kwargs)

    def call_service(self, form):
        return services.retire_requirement(
            actor=self.request.user,
            requirement=self.object,
            reason=form.cleaned_data["reason"],
            now=timezone.now(),
        )

    def get_success_message(self, requirement):
        return f"{requirement.course.code} is no longer required {requirement.subject_label}."

    def get_success_url(self, requirement):
        return reverse("training:requirements", args=[requirement.site.code])
