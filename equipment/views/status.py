"""The status change: a reason, along the transition table, through the return-to-service gate."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from equipment.forms.status import StatusChangeForm
from equipment.models import Equipment
from equipment.services.status import allowed_transitions, change_equipment_status
from equipment.views.registry import EquipmentDetailView
from imaging_ops.access.scoping import scope
from imaging_ops.web.base import ScopedMixin, add_service_errors


class EquipmentStatusView(ScopedMixin, View):
    """POST: change the status with a reason; errors are shown on the equipment page."""

    def post(self, request, pk):
        equipment = get_object_or_404(
            scope(Equipment.objects.select_related("site", "location"), request.user), pk=pk
        )
        form = StatusChangeForm(request.POST, allowed=allowed_transitions(equipment))
        if form.is_valid():
            try:
                change_equipment_status(
                    equipment=equipment,
                    to=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, f"{equipment.asset_tag} is now {equipment.get_status_display()}."
                )
                return redirect("equipment:detail", pk=equipment.pk)
        view = EquipmentDetailView()
        view.setup(request, pk=pk)
        view.object = equipment
        context = view.get_context_data(object=equipment, status_form=form)
        return render(request, view.template_name, context, status=400)
