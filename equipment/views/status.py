"""The status change: a reason, along the transition table, through the return-to-service gate."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from equipment.forms.status import StatusChangeForm
from equipment.models import Equipment
from equipment.services.status import (
    allowed_transitions,
    change_equipment_status,
    statuses_offered,
    unconfirmed_high_risk,
)
from equipment.views.registry import equipment_page
from imaging_ops.web.base import ServiceFormView


class EquipmentStatusView(ServiceFormView):
    """POST: change the status with a reason; errors are shown on the equipment page."""

    http_method_names = ["post", "options"]  # the form lives on the equipment page
    form_class = StatusChangeForm
    template_name = "equipment/equipment_detail.html"

    def get_queryset(self):
        return Equipment.objects.select_related("site", "location")

    def check_permission(self):
        if not statuses_offered(self.request.user, self.object):
            raise PermissionDenied("You are not allowed to change this equipment's status.")

    def check_parsed(self, form):
        status = form.cleaned_data.get("status")
        if status:
            errors = unconfirmed_high_risk(
                self.object,
                to=status,
                confirmed=form.cleaned_data.get("confirm_high_risk", False),
            )
            if errors:
                raise ValidationError(errors)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "allowed": allowed_transitions(self.object),
            "high_risk": self.object.high_risk,
        }

    def get_context_data(self, **kwargs):
        equipment = self.object
        form = kwargs.pop("form")
        return super().get_context_data(
            object=equipment,
            equipment=equipment,
            **equipment_page(self.request.user, equipment, status_form=form),
            **kwargs,
        )

    def call_service(self, form):
        return change_equipment_status(
            equipment=self.object,
            to=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            actor=self.request.user,
            confirm_high_risk=form.cleaned_data.get("confirm_high_risk", False),
        )

    def get_success_message(self, result):
        equipment = self.object
        return f"{equipment.asset_tag} is now {equipment.get_status_display()}."

    def get_success_url(self, result):
        return reverse("equipment:detail", args=[self.object.pk])
