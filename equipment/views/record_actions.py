"""A service record's actions as pages, as acceptance notes have them: sign or countersign (the
meaning chosen; "reviewed" for an outside performer's record), amend (a new version with its
reason, the values typed again, signed with the password) and void with a reason. Every write
goes through equipment.services.records; a person who may not act gets 403 before any form, a
voided record 409 with the reason."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from equipment.forms.acceptance import SignForm
from equipment.forms.record_actions import AmendRecordForm, VoidRecordForm
from equipment.selectors.records import record_page
from equipment.services import records as services
from equipment.views.record_pages import may_sign, record_view
from imaging_ops.errors import Conflict
from imaging_ops.models import Meaning
from imaging_ops.records.signatures import (
    POLICY_TEXT,
    VOIDED_NOT_SIGNED,
    has_acknowledged_policy,
    needs_username,
)
from imaging_ops.records.versioning import require_amend, voided_record_message
from imaging_ops.web.base import ServiceFormView


class RecordFormView(ServiceFormView):
    """A page that changes one record (`pk`); a voided record answers 409 with the reason."""

    template_name = "equipment/record_action.html"
    conflict_template_name = "equipment/record_locked.html"
    title = ""
    submit = "Save"
    danger = False

    def get_queryset(self):
        return record_page()

    def check_state(self):
        if self.object.is_voided:
            raise Conflict(voided_record_message(self.object))

    def refused(self):
        self.object = self.get_object()

    def get_context_data(self, **kwargs):
        record = self.object
        return super().get_context_data(
            equipment=record.equipment,
            record=record,
            item=record_view(record),
            title=self.title,
            submit=self.submit,
            danger=self.danger,
            **kwargs,
        )

    def get_success_url(self, result):
        return reverse("equipment:record_detail", args=[self.object.pk])


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class RecordSignView(RecordFormView):
    """The sign dialog on the current version: "performed" for one's own unsigned work,
    "reviewed" (the countersignature) for another's or an outside performer's record."""

    form_class = SignForm
    template_name = "equipment/record_sign.html"

    def check_permission(self):
        if not may_sign(self.request.user, self.object.equipment.site_id):
            raise PermissionDenied("You are not allowed to sign records here.")

    def check_state(self):
        if self.object.is_voided:
            raise Conflict(VOIDED_NOT_SIGNED)

    def get_form_kwargs(self):
        version = self.object.current()
        own = version.created_by_id == self.request.user.pk and not version.is_external
        meaning = Meaning.PERFORMED if own and not version.has_signatures() else Meaning.REVIEWED
        return {
            **super().get_form_kwargs(),
            "initial": {"version": version.number, "meaning": meaning},
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
        return services.sign_service_record(
            record=self.object,
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


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class RecordAmendView(RecordFormView):
    """A new version with its reason. An internal record's amendment is signed with the
    password at once, so it counts again; an outside performer's waits for a countersignature."""

    form_class = AmendRecordForm
    template_name = "equipment/record_amend.html"
    title = "Amend the record"
    submit = "Save and sign the amendment"
    success_message = "Amendment saved as a new version; the earlier version is kept."

    def check_permission(self):
        require_amend(self.request.user, self.object)

    @property
    def field_map(self):
        return AmendRecordForm.field_map(self.object.current())

    def get_form_kwargs(self):
        version = self.object.current()
        zone = self.object.equipment.site.zone
        return {
            **super().get_form_kwargs(),
            "initial": AmendRecordForm.initial_for(version, zone),
            "version": version,
            "zone": zone,
            "ask_signature": not version.is_external,
            "ask_username": needs_username(
                signer=self.request.user, session=self.request.session, via_api=False
            ),
            "ask_policy": not has_acknowledged_policy(self.request.user),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(policy_text=POLICY_TEXT, **kwargs)

    def call_service(self, form):
        return services.amend_service_record(
            actor=self.request.user,
            record=self.object,
            reason=form.cleaned_data["reason"],
            now=timezone.now(),
            signature=form.signature(self.request.session),
            **form.content(),
        )

    def get_success_message(self, version):
        if version.is_external:
            return (
                f"Version {version.number} saved; the earlier version is kept. It counts once "
                "it is countersigned as reviewed."
            )
        return f"Version {version.number} saved and signed; the earlier version is kept."


class RecordVoidView(RecordFormView):
    form_class = VoidRecordForm
    title = "Void the record"
    submit = "Void record"
    danger = True
    success_message = "Record voided. It stays on record with its versions and signatures."

    def check_permission(self):
        require_amend(self.request.user, self.object)

    def call_service(self, form):
        return services.void_service_record(
            actor=self.request.user,
            record=self.object,
            reason=form.cleaned_data["reason"],
            now=timezone.now(),
        )
