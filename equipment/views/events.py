"""Recording an event on a machine (installation, relocation, major repair, a repair that
opened the enclosure, a software change) from its page: equipment.services.events."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from equipment.forms.events import EquipmentEventForm
from equipment.models import Equipment, EquipmentEvent, EquipmentStatus
from equipment.selectors.events import event_history, requirements
from equipment.services.events import record_equipment_event, validate_event
from imaging_ops.access.permissions import Action, can
from imaging_ops.sites.local_time import local_time_text
from imaging_ops.web.base import ServiceFormView


def may_record_event(user, equipment: Equipment) -> bool:
    """Whether the page offers "Record an event": the rule the service holds."""
    return can(user, Action.TAKE_OUT_OF_SERVICE, equipment.site_id)


class EquipmentEventView(ServiceFormView):
    template_name = "equipment/event_form.html"
    form_class = EquipmentEventForm

    def get_queryset(self):
        return Equipment.objects.select_related("site")

    def check_permission(self):
        if not may_record_event(self.request.user, self.object):
            raise PermissionDenied("You are not allowed to record events on this equipment.")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.request.method == "GET":
            now = timezone.now().astimezone(self.object.site.zone)
            kwargs["initial"] = {"occurred_at": now.replace(second=0, microsecond=0, tzinfo=None)}
        return {**kwargs, "site": self.object.site}

    def get_context_data(self, **kwargs):
        return super().get_context_data(equipment=self.object, **kwargs)

    def check_parsed(self, form):
        data = form.cleaned_data
        try:
            validate_event(
                kind=data.get("kind", ""),
                occurred_at=data.get("occurred_at", timezone.now()),
                note=data.get("note", ""),
                now=timezone.now(),
            )
        except ValidationError as exc:
            raise ValidationError({f: m for f, m in exc.message_dict.items() if f in data}) from exc

    def call_service(self, form):
        data = form.cleaned_data
        return record_equipment_event(
            self.object,
            kind=data["kind"],
            actor=self.request.user,
            occurred_at=data["occurred_at"],
            note=data["note"],
        )

    def get_success_message(self, event):
        needed = [r.procedure.code for r in requirements(self.object) if r.satisfied_by is None]
        text = f"Recorded the {event.get_kind_display().lower()} of {self.object.asset_tag}."
        if needed:
            text += f" Required before service: {', '.join(needed)}."
        return text

    def get_success_url(self, event):
        return reverse("equipment:detail", args=[self.object.pk]) + "#events"


# The newest events on the equipment page; a machine has a handful in its life.
PAGE_EVENTS = 50


@dataclass(frozen=True)
class EventRow:
    event: EquipmentEvent
    when: str


@dataclass(frozen=True)
class NeedRow:
    procedure: object
    event: EquipmentEvent
    when: str
    satisfied_by: object
    satisfied_text: str
    awaiting_review: object


def events_section(user, equipment: Equipment) -> dict:
    """The machine's events, newest first, and what they require: a fixed number of
    queries."""
    zone = equipment.site.zone
    needs = [
        NeedRow(
            procedure=need.procedure,
            event=need.event,
            when=local_time_text(need.event.occurred_at, zone),
            satisfied_by=need.satisfied_by,
            satisfied_text=(
                local_time_text(need.satisfied_by.performed_at, zone) if need.satisfied_by else ""
            ),
            awaiting_review=need.awaiting_review,
        )
        for need in requirements(equipment)
    ]
    return {
        "events": [
            EventRow(event, local_time_text(event.occurred_at, zone))
            for event in event_history(equipment)[:PAGE_EVENTS]
        ],
        "event_requirements": needs,
        "may_record_event": may_record_event(user, equipment)
        and equipment.status != EquipmentStatus.DISPOSED,
    }
