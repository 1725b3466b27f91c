"""Pages of acceptance notes: the section on the equipment page, create, edit the unsigned
draft, amend and void with a reason, and the sign dialog. Every write goes through
equipment.services.acceptance; a signed version answers 409 with the way forward."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters

from equipment.forms.acceptance import AcceptanceNoteForm, AmendForm, SignForm, VoidForm
from equipment.models import AcceptanceNote, Equipment
from equipment.selectors.acceptance import acceptance_notes
from equipment.services import acceptance as services
from imaging_ops.access.permissions import Action, can
from imaging_ops.access.scoping import scope
from imaging_ops.audit.selectors import history_for
from imaging_ops.errors import Conflict
from imaging_ops.records.signatures import (
    POLICY_TEXT,
    VOIDED_NOT_SIGNED,
    SignatureState,
    has_acknowledged_policy,
    needs_username,
    signature_states,
)
from imaging_ops.records.versioning import signed_version_message, voided_record_message
from imaging_ops.web.base import add_service_errors


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
        "may_sign_acceptance": can(user, Action.PERFORM_RECORDS, site_id)
        or can(user, Action.REVIEW_RECORDS, site_id),
    }


def _note(request, pk) -> AcceptanceNote:
    return get_object_or_404(scope(acceptance_notes(), request.user), pk=pk)


def _conflict(request, note, message: str):
    """409: the record cannot change as asked; say why and what to do instead."""
    return render(
        request,
        "equipment/acceptance_locked.html",
        {"note": note, "equipment": note.equipment, "message": message},
        status=409,
    )


class AcceptanceDetailView(LoginRequiredMixin, View):
    """One note with its full version history and every signature's manifestation."""

    def get(self, request, pk):
        note = _note(request, pk)
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


class _FormView(LoginRequiredMixin, View):
    template_name = "equipment/acceptance_form.html"
    title = ""
    submit = "Save"

    def render_form(self, form, *, equipment, note=None, status=200):
        context = {
            "form": form,
            "equipment": equipment,
            "note": note,
            "title": self.title,
            "submit": self.submit,
        }
        if note is not None:
            context["item"] = note_view(note)
        return render(self.request, self.template_name, context, status=status)

    def run(self, form, action, *, equipment, note=None, success: str):
        """Call the service; field errors 400, a permission 403, a signed version 409."""
        try:
            action()
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_form(form, equipment=equipment, note=note, status=400)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.render_form(form, equipment=equipment, note=note, status=403)
        except Conflict as exc:
            return _conflict(self.request, note, str(exc))
        messages.success(self.request, success)
        return redirect("equipment:acceptance_detail", pk=note.pk if note else self.created.pk)


class AcceptanceCreateView(_FormView):
    title = "Record acceptance"
    submit = "Save acceptance note"

    def _equipment(self, pk):
        return get_object_or_404(
            scope(Equipment.objects.select_related("site"), self.request.user), pk=pk
        )

    def get(self, request, pk):
        equipment = self._equipment(pk)
        today = equipment.site.today(timezone.now())
        return self.render_form(
            AcceptanceNoteForm(initial={"accepted_on": today}), equipment=equipment
        )

    def post(self, request, pk):
        equipment = self._equipment(pk)
        form = AcceptanceNoteForm(request.POST)
        if not form.is_valid():
            return self.render_form(form, equipment=equipment, status=400)

        def create():
            self.created = services.create_acceptance_note(
                actor=request.user, equipment=equipment, now=timezone.now(), **form.content()
            )

        return self.run(
            form, create, equipment=equipment, success="Acceptance note saved. Sign it when ready."
        )


class AcceptanceEditView(_FormView):
    """Change the unsigned draft. A signed version answers 409 and points to the amendment."""

    title = "Edit the unsigned draft"
    submit = "Save changes"

    def get(self, request, pk):
        note = _note(request, pk)
        item = note_view(note)
        if note.is_voided or item.current.is_signed:
            return _conflict(request, note, _locked_message(note, item))
        form = AcceptanceNoteForm(initial=AcceptanceNoteForm.initial_for(item.current.version))
        return self.render_form(form, equipment=note.equipment, note=note)

    def post(self, request, pk):
        note = _note(request, pk)
        form = AcceptanceNoteForm(request.POST)
        if not form.is_valid():
            return self.render_form(form, equipment=note.equipment, note=note, status=400)
        return self.run(
            form,
            lambda: services.update_acceptance_draft(
                actor=request.user, note=note, now=timezone.now(), **form.content()
            ),
            equipment=note.equipment,
            note=note,
            success="Draft saved.",
        )


def _locked_message(note, item) -> str:
    if note.is_voided:
        return voided_record_message(note)
    return signed_version_message(item.current.version)


class AcceptanceAmendView(_FormView):
    title = "Amend the acceptance note"
    submit = "Save amendment"

    def get(self, request, pk):
        note = _note(request, pk)
        if note.is_voided:
            return _conflict(request, note, _locked_message(note, None))
        current = note.current()
        form = AmendForm(initial=AmendForm.initial_for(current))
        return self.render_form(form, equipment=note.equipment, note=note)

    def post(self, request, pk):
        note = _note(request, pk)
        form = AmendForm(request.POST)
        if not form.is_valid():
            return self.render_form(form, equipment=note.equipment, note=note, status=400)
        return self.run(
            form,
            lambda: services.amend_acceptance_note(
                actor=request.user,
                note=note,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
                **form.content(),
            ),
            equipment=note.equipment,
            note=note,
            success="Amendment saved as a new version; the earlier version is kept.",
        )


class AcceptanceVoidView(_FormView):
    title = "Void the acceptance note"
    submit = "Void note"

    def get(self, request, pk):
        note = _note(request, pk)
        if note.is_voided:
            return _conflict(request, note, _locked_message(note, None))
        return self.render_form(VoidForm(), equipment=note.equipment, note=note)

    def post(self, request, pk):
        note = _note(request, pk)
        form = VoidForm(request.POST)
        if not form.is_valid():
            return self.render_form(form, equipment=note.equipment, note=note, status=400)
        return self.run(
            form,
            lambda: services.void_acceptance_note(
                actor=request.user,
                note=note,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
            ),
            equipment=note.equipment,
            note=note,
            success="Note voided. It stays on record with its versions and signatures.",
        )


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class AcceptanceSignView(LoginRequiredMixin, View):
    """The sign dialog: the current version as it will be signed, a meaning from the controlled
    list, the password (and the username at the first signature of the login session)."""

    template_name = "equipment/acceptance_sign.html"

    def _form(self, note, data=None):
        version = note.current()
        return SignForm(
            data,
            initial={"version": version.number},
            meanings=version.signature_meanings,
            ask_username=needs_username(
                signer=self.request.user, session=self.request.session, via_api=False
            ),
            ask_policy=not has_acknowledged_policy(self.request.user),
        )

    def _render(self, note, form, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "note": note,
                "equipment": note.equipment,
                "item": note_view(note),
                "policy_text": POLICY_TEXT,
            },
            status=status,
        )

    def get(self, request, pk):
        note = _note(request, pk)
        if note.is_voided:
            return _conflict(request, note, VOIDED_NOT_SIGNED)
        return self._render(note, self._form(note))

    def post(self, request, pk):
        note = _note(request, pk)
        form = self._form(note, request.POST)
        if not form.is_valid():
            return self._render(note, form, status=400)
        data = form.cleaned_data
        try:
            signature = services.sign_acceptance_note(
                note=note,
                signer=request.user,
                meaning=data["meaning"],
                password=data["password"],
                username=data.get("username"),
                session=request.session,
                acknowledge_policy=data.get("acknowledge_policy", False),
                version_number=data["version"],
                now=timezone.now(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self._render(note, form, status=400)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self._render(note, form, status=403)
        except Conflict as exc:
            return _conflict(request, note, str(exc))
        messages.success(
            request, f"Signed version {note.current().number} as {signature.get_meaning_display()}."
        )
        return redirect("equipment:acceptance_detail", pk=note.pk)
