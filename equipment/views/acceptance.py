"""Pages of acceptance notes: the section on the equipment page, create, edit the unsigned
draft, amend and void with a reason, and the sign dialog. Every write goes through
equipment.services.acceptance; a signed version answers 409 with the way forward, and a
person who may not make the change gets 403 before any form is shown."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters

from equipment.forms.acceptance import AcceptanceNoteForm, AmendForm, SignForm, VoidForm
from equipment.models import AcceptanceNote, Equipment, EquipmentStatus
from equipment.selectors.acceptance import ACCEPTING_OUTCOMES, acceptance_notes
from equipment.services import acceptance as services
from equipment.services.status import allowed_transitions, return_to_service_blockers
from imaging_ops.access.permissions import Action, can, require
from imaging_ops.access.scoping import scope
from imaging_ops.audit.selectors import history_for
from imaging_ops.audit.viewing import viewed
from imaging_ops.errors import Conflict
from imaging_ops.records.signatures import (
    POLICY_TEXT,
    VOIDED_NOT_SIGNED,
    SignatureState,
    has_acknowledged_policy,
    needs_username,
    signature_states,
)
from imaging_ops.records.versioning import (
    require_amend,
    require_edit_draft,
    signed_version_message,
    voided_record_message,
)
from imaging_ops.web.base import ServiceFormView


@dataclass(frozen=True)
class VersionView:
    version: object
    signatures: list[SignatureState]

    @property
    def is_signed(self) -> bool:
        return bool(self.signatures)

    @property
    def modified_after_signing(self) -> bool:
        return any(not state.valid for state in self.signatures)


@dataclass(frozen=True)
class NoteView:
    note: AcceptanceNote
    current: VersionView
    history: list[VersionView]  # newest first

    @property
    def accepts(self) -> bool:
        """Whether the note, as signed, says the equipment is accepted: the notes on which a
        page offers the return to service (whether the gate opens is the gate's to say)."""
        return (
            not self.note.is_voided
            and self.current.is_signed
            and self.current.version.outcome in ACCEPTING_OUTCOMES
        )


def note_view(note: AcceptanceNote) -> NoteView:
    """A note with each version's signatures checked once (no query with the selector's
    prefetches)."""
    history = [VersionView(v, signature_states(v)) for v in reversed(note.version_history())]
    current = next(h for h in history if h.version.pk == note.current_version_id)
    return NoteView(note=note, current=current, history=history)


def acceptance_section(user, equipment: Equipment) -> dict:
    """The equipment page's acceptance section: its notes, and which actions to offer."""
    notes = acceptance_notes().filter(equipment=equipment)
    site_id = equipment.site_id
    return {
        "acceptance_notes": [note_view(note) for note in notes],
        "may_record_acceptance": can(user, Action.PERFORM_RECORDS, site_id),
        "may_amend_acceptance": can(user, Action.AMEND_RECORDS, site_id),
        "may_sign_acceptance": may_sign(user, site_id),
        "return_to_service_url": return_to_service_url(user, equipment),
    }


def return_to_service_url(user, equipment: Equipment) -> str | None:
    """The next step after a signed acceptance: the equipment page's status form with "in
    service" chosen, when the equipment is not in service, the transition table and the gate
    let it go there now, and the person may return it to service; else None."""
    if equipment.status == EquipmentStatus.IN_SERVICE:
        return None
    if EquipmentStatus.IN_SERVICE not in allowed_transitions(equipment):
        return None
    if not can(user, Action.RETURN_TO_SERVICE, equipment.site_id):
        return None
    if return_to_service_blockers(equipment):
        return None
    page = reverse("equipment:detail", args=[equipment.pk])
    return f"{page}?{urlencode({'status': EquipmentStatus.IN_SERVICE})}#change-status"


def may_sign(user, site_id: int) -> bool:
    """Whether to offer the sign dialog: the person may sign as performer or as reviewer here
    (the meaning they choose decides which one the service requires)."""
    return can(user, Action.PERFORM_RECORDS, site_id) or can(user, Action.REVIEW_RECORDS, site_id)


def _note(request, pk) -> AcceptanceNote:
    return get_object_or_404(scope(acceptance_notes(), request.user), pk=pk)


def _locked_message(note, item) -> str:
    """What the versioning module says when a save is refused, shown before anyone types."""
    if note.is_voided:
        return voided_record_message(note)
    return signed_version_message(item.current.version)


class AcceptanceDetailView(LoginRequiredMixin, View):
    """One note with its full version history and every signature's manifestation."""

    def get(self, request, pk):
        note = _note(request, pk)
        viewed(request, note)
        return render(
            request,
            "equipment/acceptance_detail.html",
            {
                "equipment": note.equipment,
                "item": note_view(note),
                "audit_history": history_for(note, *note.version_history()),
                **acceptance_section(request.user, note.equipment),
            },
        )


class ContentChecksMixin:
    """A note form that did not parse still shows what the acceptance rules say of the fields
    that did (a date ahead of today beside a blank summary)."""

    def note_equipment(self):
        raise NotImplementedError

    def check_parsed(self, form):
        services.validate_acceptance_content(
            form.content(parsed_only=True), equipment=self.note_equipment(), now=timezone.now()
        )


class AcceptanceCreateView(ContentChecksMixin, ServiceFormView):
    """A new note on the equipment (`pk`), dated today at the equipment's site."""

    def note_equipment(self):
        return self.object

    form_class = AcceptanceNoteForm
    template_name = "equipment/acceptance_form.html"
    success_message = "Acceptance note saved. Sign it when ready."

    def get_queryset(self):
        return Equipment.objects.select_related("site")

    def check_permission(self):
        require(self.request.user, Action.PERFORM_RECORDS, self.object.site_id)

    def get_initial(self):
        return {"accepted_on": self.object.site.today(timezone.now())}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            equipment=self.object,
            note=None,
            title="Record acceptance",
            submit="Save acceptance note",
            **kwargs,
        )

    def call_service(self, form):
        return services.create_acceptance_note(
            actor=self.request.user, equipment=self.object, now=timezone.now(), **form.content()
        )

    def get_success_url(self, note):
        return reverse("equipment:acceptance_detail", args=[note.pk])


class NoteFormView(ServiceFormView):
    """A page that changes one note (`pk`): a voided note answers 409, as does a signed
    version where the change would touch it, on the page that says what to do instead."""

    template_name = "equipment/acceptance_form.html"
    conflict_template_name = "equipment/acceptance_locked.html"
    title = ""
    submit = "Save"

    def note_equipment(self):
        return self.object.equipment

    def get_queryset(self):
        return acceptance_notes()

    def check_state(self):
        if self.object.is_voided:
            raise Conflict(_locked_message(self.object, None))

    def get_context_data(self, **kwargs):
        note = self.object
        return super().get_context_data(
            equipment=note.equipment,
            note=note,
            item=note_view(note),
            title=self.title,
            submit=self.submit,
            **kwargs,
        )

    def conflict(self, exc, form=None):
        """Always the page that says why the note cannot change and what to do instead."""
        return super().conflict(exc)

    def get_success_url(self, result):
        return reverse("equipment:acceptance_detail", args=[self.object.pk])


class AcceptanceEditView(ContentChecksMixin, NoteFormView):
    """Change the unsigned draft. A signed version answers 409 and points to the amendment."""

    form_class = AcceptanceNoteForm
    title = "Edit the unsigned draft"
    submit = "Save changes"
    success_message = "Draft saved."

    def check_permission(self):
        require_edit_draft(self.request.user, self.object)

    def check_state(self):
        item = note_view(self.object)
        if self.object.is_voided or item.current.is_signed:
            raise Conflict(_locked_message(self.object, item))

    def get_initial(self):
        return AcceptanceNoteForm.initial_for(self.object.current())

    def call_service(self, form):
        return services.update_acceptance_draft(
            actor=self.request.user, note=self.object, now=timezone.now(), **form.content()
        )


class AcceptanceAmendView(ContentChecksMixin, NoteFormView):
    form_class = AmendForm
    title = "Amend the acceptance note"
    submit = "Save amendment"
    success_message = "Amendment saved as a new version; the earlier version is kept."

    def check_permission(self):
        require_amend(self.request.user, self.object)

    def get_initial(self):
        return AmendForm.initial_for(self.object.current())

    def call_service(self, form):
        return services.amend_acceptance_note(
            actor=self.request.user,
            note=self.object,
            reason=form.cleaned_data["reason"],
            now=timezone.now(),
            **form.content(),
        )


class AcceptanceVoidView(NoteFormView):
    form_class = VoidForm
    title = "Void the acceptance note"
    submit = "Void note"
    success_message = "Note voided. It stays on record with its versions and signatures."

    def check_permission(self):
        require_amend(self.request.user, self.object)

    def call_service(self, form):
        return services.void_acceptance_note(
            actor=self.request.user,
            note=self.object,
            reason=form.cleaned_data["reason"],
            now=timezone.now(),
        )


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class AcceptanceSignView(NoteFormView):
    """The sign dialog: the current version as it will be signed, a meaning from the controlled
    list, the password (and the username at the first signature of the login session)."""

    form_class = SignForm
    template_name = "equipment/acceptance_sign.html"

    def check_permission(self):
        if not may_sign(self.request.user, self.object.equipment.site_id):
            raise PermissionDenied("You are not allowed to sign records here.")

    def check_state(self):
        if self.object.is_voided:
            raise Conflict(VOIDED_NOT_SIGNED)

    def get_form_kwargs(self):
        version = self.object.current()
        return {
            **super().get_form_kwargs(),
            "initial": {"version": version.number},
            "meanings": version.signature_meanings,
            "ask_username": needs_username(
                signer=self.request.user, session=self.request.session, via_api=False
            ),
            "ask_policy": not has_acknowledged_policy(self.request.user),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(policy_text=POLICY_TEXT, **kwargs)

    def call_service(self, form):
        data = form.cleaned_data
        return services.sign_acceptance_note(
            note=self.object,
            signer=self.request.user,
            meaning=data["meaning"],
            password=data["password"],
            username=data.get("username"),
            session=self.request.session,
            acknowledge_policy=data.get("acknowledge_policy", False),
            version_number=data["version"],
            now=timezone.now(),
        )

    def get_success_message(self, signature):
        return (
            f"Signed version {self.object.current().number} as {signature.get_meaning_display()}."
        )
