"""Pages for equipment and locations. Every write goes through equipment.services.registry."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, ListView

from equipment.decay import source_activity
from equipment.filters import EquipmentFilter, LocationFilter
from equipment.forms.registry import EquipmentForm, LocationForm
from equipment.forms.status import StatusChangeForm
from equipment.models import Equipment, Location
from equipment.services import registry as services
from equipment.services.grants import may_edit_equipment, may_edit_location
from equipment.services.status import (
    ACTION_FOR_STATUS,
    allowed_transitions,
)
from equipment.views.acceptance import acceptance_section
from imaging_ops.access.authority import user_site_ids
from imaging_ops.access.permissions import Action, can, sites_where
from imaging_ops.access.scoping import scope
from imaging_ops.audit.selectors import history_for
from imaging_ops.web.base import ScopedMixin, add_service_errors

PAGE_SIZE = 50


class EquipmentListView(ScopedMixin, ListView):
    model = Equipment
    template_name = "equipment/equipment_list.html"
    context_object_name = "equipment_list"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        queryset = super().get_queryset().select_related("site", "location")
        self.filterset = EquipmentFilter(self.request.GET, queryset=queryset, request=self.request)
        return self.filterset.qs.order_by("site__code", "asset_tag")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["location_choices"] = self._location_choices()
        context["may_create"] = bool(_sites_where_user_edits(self.request.user))
        return context

    def _location_choices(self):
        """The rooms offered in the location filter: those of one site, never of all sites.

        The site chosen in the filter, else the site of the chosen room, else the user's only
        site. A person with many sites picks a site first (a thousand rooms in one menu cost
        more than the rest of the page and help nobody on a phone).
        """
        data = self.filterset.form.cleaned_data if self.filterset.is_valid() else {}
        site = data.get("site") or (data["location"].site_id if data.get("location") else None)
        rooms = scope(Location.objects.order_by("building", "room"), self.request.user)
        if site is not None:
            return list(rooms.filter(site=site))
        return list(rooms) if len(user_site_ids(self.request.user)) == 1 else []


def _sites_where_user_edits(user):
    return sites_where(user, Action.EDIT_EQUIPMENT)


class EquipmentDetailView(ScopedMixin, DetailView):
    model = Equipment
    template_name = "equipment/equipment_detail.html"
    context_object_name = "equipment"

    def get_queryset(self):
        return super().get_queryset().select_related("site", "location")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        equipment = self.object
        user = self.request.user
        context["history"] = equipment.status_changes.select_related("actor")[:100]
        allowed = [
            status
            for status in allowed_transitions(equipment)
            if can(user, ACTION_FOR_STATUS[status], equipment.site_id)
        ]
        context["status_form"] = kwargs.get("status_form") or (
            StatusChangeForm(allowed=allowed) if allowed else None
        )
        context["may_edit"] = may_edit_equipment(user, equipment)
        context["activity"] = source_activity(equipment)
        context.update(acceptance_section(user, equipment))
        context["audit_history"] = history_for(equipment)
        return context


class EquipmentFormView(ScopedMixin, View):
    """Create (no pk) or edit (pk) equipment with field-level errors."""

    template_name = "equipment/equipment_form.html"

    def _equipment(self, pk):
        if pk is None:
            return None
        return get_object_or_404(scope(Equipment.objects.all(), self.request.user), pk=pk)

    def _render(self, form, equipment, status=200):
        return render(
            self.request,
            self.template_name,
            {"form": form, "equipment": equipment},
            status=status,
        )

    def get(self, request, pk=None):
        equipment = self._equipment(pk)
        if equipment is None and not _sites_where_user_edits(request.user):
            raise PermissionDenied("You are not allowed to add equipment at any of your sites.")
        if equipment is not None and not may_edit_equipment(request.user, equipment):
            raise PermissionDenied("You are not allowed to edit this equipment.")
        initial = EquipmentForm.initial_for(equipment) if equipment else {}
        if equipment is None and "site" in request.GET:
            initial["site"] = request.GET["site"]
        form = EquipmentForm(initial=initial, user=request.user, equipment=equipment)
        return self._render(form, equipment)

    def post(self, request, pk=None):
        equipment = self._equipment(pk)
        initial = EquipmentForm.initial_for(equipment) if equipment else None
        form = EquipmentForm(request.POST, initial=initial, user=request.user, equipment=equipment)
        if form.is_valid():
            try:
                if equipment is None:
                    equipment = services.create_equipment(
                        actor=request.user, **form.service_fields()
                    )
                    messages.success(request, f"Added {equipment.asset_tag}.")
                else:
                    services.update_equipment(
                        actor=request.user, equipment=equipment, **form.service_fields()
                    )
                    messages.success(request, f"Saved {equipment.asset_tag}.")
                return redirect("equipment:detail", pk=equipment.pk)
            except ValidationError as exc:
                add_service_errors(form, exc, {"modalities": "primary_modality"})
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
                return self._render(form, equipment, status=403)
        return self._render(form, equipment, status=400)


class LocationListView(ScopedMixin, ListView):
    model = Location
    template_name = "equipment/location_list.html"
    context_object_name = "locations"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        queryset = (
            super()
            .get_queryset()
            .select_related("site")
            .annotate(equipment_count=Count("equipment"))
        )
        self.filterset = LocationFilter(self.request.GET, queryset=queryset, request=self.request)
        return self.filterset.qs.order_by("site__code", "building", "room")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["may_create"] = bool(_sites_where_user_edits(self.request.user))
        for location in context["locations"]:
            location.may_edit = may_edit_location(self.request.user, location)
        return context


class LocationDetailView(ScopedMixin, DetailView):
    """A room: its facts, what stands in it (paginated, with status) and its audit history."""

    model = Location
    template_name = "equipment/location_detail.html"
    context_object_name = "location"

    def get_queryset(self):
        return super().get_queryset().select_related("site")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        location = self.object
        paginator = Paginator(location.equipment.order_by("asset_tag"), PAGE_SIZE)
        try:
            page = paginator.page(self.request.GET.get("page") or 1)
        except InvalidPage as exc:
            raise Http404("There is no such page of equipment here.") from exc
        context.update(
            {
                "paginator": paginator,
                "page_obj": page,
                "is_paginated": page.has_other_pages(),
                "equipment_list": page.object_list,
                "may_edit": may_edit_location(self.request.user, location),
                "audit_history": history_for(location),
            }
        )
        return context


class LocationFormView(ScopedMixin, View):
    template_name = "equipment/location_form.html"

    def _location(self, pk):
        if pk is None:
            return None
        return get_object_or_404(scope(Location.objects.all(), self.request.user), pk=pk)

    def _render(self, form, location, status=200):
        context = {
            "form": form,
            "location": location,
            "audit_history": history_for(location) if location else None,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk=None):
        location = self._location(pk)
        if location is None and not _sites_where_user_edits(request.user):
            raise PermissionDenied("You are not allowed to add locations at any of your sites.")
        if location is not None and not may_edit_location(request.user, location):
            raise PermissionDenied("You are not allowed to edit this location.")
        initial = {}
        if location is not None:
            initial = {
                "site": location.site_id,
                "building": location.building,
                "room": location.room,
                "area_class": location.area_class,
                "secured_storage": location.secured_storage,
            }
        return self._render(
            LocationForm(initial=initial, user=request.user, location=location), location
        )

    def post(self, request, pk=None):
        location = self._location(pk)
        initial = {"site": location.site_id} if location else None
        form = LocationForm(request.POST, initial=initial, user=request.user, location=location)
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in services.LOCATION_FIELDS}
            try:
                if location is None:
                    location = services.create_location(
                        actor=request.user, site=form.cleaned_data["site"], **data
                    )
                else:
                    services.update_location(actor=request.user, location=location, **data)
                messages.success(request, f"Saved {location}.")
                return redirect(reverse("equipment:location_detail", args=[location.pk]))
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
                return self._render(form, location, status=403)
        return self._render(form, location, status=400)
