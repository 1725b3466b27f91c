"""Report a fault from the equipment page (the page a machine's QR label opens): open the
report, describe what is wrong (a priority and "take it out of service now" if wanted), send.
The report is a work order; taking the machine out of service happens in the same transaction
(equipment.services.work_orders.report_fault)."""

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from equipment.forms.work_orders import FaultReportForm
from equipment.models import Equipment, EquipmentStatus
from equipment.services.work_orders import report_fault
from equipment.views.registry import equipment_page
from equipment.views.work_orders import work_orders_section
from imaging_ops.access.permissions import Action, require
from imaging_ops.web.base import ServiceFormView


class FaultReportView(ServiceFormView):
    model = Equipment
    form_class = FaultReportForm
    template_name = "equipment/equipment_detail.html"

    def get_queryset(self):
        return Equipment.objects.select_related("site", "location")

    def check_permission(self):
        require(self.request.user, Action.TAKE_OUT_OF_SERVICE, self.object.site_id)

    def render_form(self, form, status: int = 200):
        equipment = Equipment.objects.select_related("site", "location").get(pk=self.object.pk)
        context = {
            "equipment": equipment,
            "object": equipment,
            **equipment_page(self.request.user, equipment),
            **work_orders_section(self.request.user, equipment, fault_form=form),
            "fault_open": True,
        }
        return render(self.request, self.template_name, context, status=status)

    def call_service(self, form):
        data = form.cleaned_data
        return report_fault(
            actor=self.request.user,
            equipment=self.object,
            problem=data["problem"],
            priority=data.get("priority") or None,
            take_out_of_service=data.get("take_out_of_service", False),
            now=timezone.now(),
        )

    def get_success_message(self, work_order):
        message = f"Fault reported: work order {work_order.pk}."
        if work_order.equipment.status == EquipmentStatus.OUT_OF_SERVICE and work_order.stop_use:
            message += f" {work_order.equipment.asset_tag} is out of service."
        return message

    def get_success_url(self, work_order):
        return reverse("equipment:detail", args=[self.object.pk])
