"""Pages for equipment and locations. Every write goes through equipment.services.registry."""

from urllib.parse import urlencode

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, ListView

from equipment.decay import source_activity
from equipment.filters import EquipmentFilter, LocationFilter, filter_params
from equipment.forms.registry import EquipmentForm, LocationForm
from equipment.forms.status import StatusChangeForm
from equipment.models import Equipment, Location, MissedOccurrence
from equipment.selectors.schedules import scheduled
from equipment.selectors.work import unannotated_missed
from equipment.services import registry as services
from equipment.services.grants import may_edit_equipment, may_edit_location
from equipment.services.schedules import INACTIVE_EQUIPMENT
from equipment.services.status import statuses_offered
from equipment.views.acceptance import acceptance_section
from equipment.views.events import events_section
from equipment.views.records import records_section
from equipment.views.schedules import row_of
from equipment.views.work_orders import work_orders_section
from imaging_ops.access.authority import user_site_ids
from imaging_ops.access.permissions import Action, can, require, sites_where
from imaging_ops.access.scoping import scope
from imaging_ops.audit.selectors import history_for
from imaging_ops.web.base import ScopedMixin, ServiceFormView

PAGE_SIZE = 50
RECENT = 10  # the latest records and missed days the equipment page shows


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
        context["filter_params"] = filter_params(self.request.GET, self.filterset)
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
        # ?status= preselects a status the person asked for (the "Return to service" button).
        asked = self.request.GET.get("status")
        context.update(equipment_page(self.request.user, self.object, asked_status=asked))
        return context


def schedules_section(user, equipment: Equipment) -> dict:
    """The machine's schedules with where each stands now, its latest records and missed
    days: one query each, however many there are."""
    now = timezone.now()
    return {
        "schedule_rows": [row_of(s) for s in scheduled(user, now=now).filter(equipment=equipment)],
        "may_add_schedule": may_add_schedule(user, equipment),
        "recent_records": list(equipment.service_records.select_related("procedure")[:RECENT]),
        "missed_days": list(
            MissedOccurrence.objects.filter(schedule__equipment=equipment)
            .select_related("schedule__procedure")
            .order_by("-day")[:RECENT]
        ),
    }


def may_add_schedule(user, equipment: Equipment) -> bool:
    """Whether the equipment page offers "Add a schedule": the person edits procedures at the
    machine's site (the RSO, radiation procedures only) and the machine is in use."""
    if equipment.status in INACTIVE_EQUIPMENT:
        return False
    try:
        require(user, Action.EDIT_PROCEDURES, equipment.site_id)
    except PermissionDenied:
        return False
    return True


def equipment_page(user, equipment: Equipment, *, status_form=None, asked_status=None) -> dict:
    """What the equipment page shows besides the machine: its status changes and the status
    form (`status_form`, bound, when a change was refused; else a new one with `asked_status`
    chosen if it is one the person may choose), the sections and the history."""
    allowed = statuses_offered(user, equipment)
    if status_form is None and allowed:
        initial = {"status": asked_status} if asked_status in allowed else {}
        status_form = StatusChangeForm(
            allowed=allowed, high_risk=equipment.high_risk, initial=initial
        )
    return {
        "unexplained_missed": unannotated_missed(user, equipment=equipment),
        # Inspectors read the missed days; those who perform the work say why.
        "may_explain_missed": can(user, Action.PERFORM_RECORDS, equipment.site_id),
        "history": equipment.status_changes.select_related("actor")[:100],
        "status_form": status_form,
        "may_edit": may_edit_equipment(user, equipment),
        "activity": source_activity(equipment),
        **acceptance_section(user, equipment),
        **events_section(user, equipment),
        **schedules_section(user, equipment),
        **records_section(user, equipment),
        **work_orders_section(user, equipment),
    }


# The equipment page is opened at the machine many times a day: its history follows the page
# (`EquipmentHistoryView`, loaded once the page has painted) with the newest events, and links
# the rest, in the audit search, for those who may search the trail.
PAGE_HISTORY = 10


def page_history(user, equipment: Equipment) -> dict:
    events = history_for(equipment, limit=PAGE_HISTORY)
    more = None
    if len(events) == PAGE_HISTORY and sites_where(user, Action.SEARCH_AUDIT):
        query = urlencode({"object_type": equipment._meta.label_lower, "object_id": equipment.pk})
        more = f"{reverse('audit')}?{query}"
    return {"audit_history": events, "audit_more_url": more}


class EquipmentHistoryView(LoginRequiredMixin, View):
    """The machine's newest audit events: the section the equipment page loads after itself
    (htmx), or a page of its own without JavaScript. Outside the person's sites: not found."""

    def get(self, request, pk):
        equipment = get_object_or_404(
            scope(Equipment.objects.select_related("site"), request.user), pk=pk
        )
        context = {"equipment": equipment, **page_history(request.user, equipment)}
        fragment = request.headers.get("HX-Request") == "true"
        template = "includes/audit_history.html" if fragment else "equipment/history_page.html"
        return render(request, template, context)


class EquipmentFormView(ServiceFormView):
    """Create (no pk) or edit (pk) equipment with field-level errors."""

    model = Equipment
    form_class = EquipmentForm
    template_name = "equipment/equipment_form.html"
    field_map = {"modalities": "primary_modality"}

    def check_permission(self):
        if self.object is None and not _sites_where_user_edits(self.request.user):
            raise PermissionDenied("You are not allowed to add equipment at any of your sites.")
        if self.object is not None and not may_edit_equipment(self.request.user, self.object):
            raise PermissionDenied("You are not allowed to edit this equipment.")

    def get_initial(self):
        if self.object is not None:
            return EquipmentForm.initial_for(self.object)
        return {"site": self.request.GET["site"]} if "site" in self.request.GET else {}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "equipment": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(equipment=self.object, **kwargs)

    def check_parsed(self, form):
        fields = form.service_fields(parsed_only=True)
        fields.pop("adoption_reason", None)
        fields.pop("record_relocation", None)
        services.validate_equipment_input(equipment=self.object, **fields)

    def call_service(self, form):
        if self.object is None:
            return services.create_equipment(actor=self.request.user, **form.service_fields())
        return services.update_equipment(
            actor=self.request.user, equipment=self.object, **form.service_fields()
        )

    def get_success_message(self, equipment):
        verb = "Saved" if self.object is not None else "Added"
        return f"{verb} {equipment.asset_tag}."

    def get_success_url(self, equipment):
        return reverse("equipment:detail", args=[equipment.pk])


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


class LocationFormView(ServiceFormView):
    """Create (no pk) or edit (pk) a location; its history below the edit form."""

    model = Location
    form_class = LocationForm
    template_name = "equipment/location_form.html"

    def check_permission(self):
        if self.object is None and not _sites_where_user_edits(self.request.user):
            raise PermissionDenied("You are not allowed to add locations at any of your sites.")
        if self.object is not None and not may_edit_location(self.request.user, self.object):
            raise PermissionDenied("You are not allowed to edit this location.")

    def get_initial(self):
        location = self.object
        if location is None:
            return {}
        return {
            "site": location.site_id,
            "building": location.building,
            "room": location.room,
            "area_class": location.area_class,
            "secured_storage": location.secured_storage,
        }

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "location": self.object}

    def get_context_data(self, **kwargs):
        location = self.object
        return super().get_context_data(
            location=location,
            audit_history=history_for(location) if location else None,
            **kwargs,
        )

    def call_service(self, form):
        data = {k: form.cleaned_data[k] for k in services.LOCATION_FIELDS}
        if self.object is None:
            return services.create_location(
                actor=self.request.user, site=form.cleaned_data["site"], **data
            )
        return services.update_location(actor=self.request.user, location=self.object, **data)

    def get_success_message(self, location):
        return f"Saved {location}."

    def get_success_url(self, location):
        return reverse("equipment:location_detail", args=[location.pk])
