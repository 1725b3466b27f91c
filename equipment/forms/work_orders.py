"""Work-order forms: the fault report on the equipment page (describe, optionally take the
machine out of service, send), a transition with what it needs (assignee, reason, completion,
signature), a line of parts or labour, and service reports to attach. They parse; the rules
are equipment.services.work_orders'."""

from django import forms
from django.utils import timezone

from equipment.forms.records import MultipleFileField
from equipment.models import LineKind, WorkOrderPriority, WorkOrderState
from imaging_ops.access.permissions import Action, can
from imaging_ops.models import SiteMembership, User
from imaging_ops.vocabulary import Role


class FaultReportForm(forms.Form):
    problem = forms.CharField(
        label="What is wrong?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text="What you saw, and what you were doing when it happened.",
    )
    priority = forms.ChoiceField(
        choices=WorkOrderPriority.choices, initial=WorkOrderPriority.NORMAL, required=False
    )
    take_out_of_service = forms.BooleanField(
        required=False,
        label="Take it out of service now",
        help_text="No patient is scanned on it until the repair is verified.",
    )


def assignee_choices(site) -> list[tuple[str, str]]:
    """The people who perform work at the site today (trainees included: they hold their
    role), by name."""
    memberships = SiteMembership.objects.in_force(site.today(timezone.now())).filter(
        site=site, role__in=[Role.TECHNICIAN, Role.PHYSICIST, Role.RSO, Role.MANAGER]
    )
    people = User.objects.filter(pk__in=memberships.values("user_id")).order_by(
        "full_name", "username"
    )
    return [("", "Choose…")] + [(str(p.pk), p.display_name) for p in people]


class TransitionForm(forms.Form):
    """Every field any move may need; the page shows each move's own."""

    to = forms.ChoiceField(choices=WorkOrderState.choices, widget=forms.HiddenInput)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    assignee = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    resolution = forms.CharField(
        label="What was done", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    root_cause = forms.CharField(
        label="Root cause", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    major_repair = forms.BooleanField(label="A major repair", required=False)
    opened_enclosure = forms.BooleanField(label="The repair opened the enclosure", required=False)
    external_name = forms.CharField(
        label="Field engineer (when they did the work)", max_length=200, required=False
    )
    external_organisation = forms.CharField(
        label="Field engineer's organisation", max_length=200, required=False
    )
    username = forms.CharField(
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    acknowledge_policy = forms.BooleanField(
        required=False,
        label="I have read the electronic signature policy and accept that my electronic "
        "signature is the legally binding equivalent of my handwritten signature.",
    )

    def __init__(self, *args, site, ask_username: bool, ask_policy: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = assignee_choices(site)
        if not ask_username:
            del self.fields["username"]
        if not ask_policy:
            del self.fields["acknowledge_policy"]

    def assignee_user(self):
        pk = self.cleaned_data.get("assignee")
        return User.objects.filter(pk=pk).first() if pk else None


class CountersignForm(forms.Form):
    username = forms.CharField(max_length=150, required=False)
    password = forms.CharField(strip=False, widget=forms.PasswordInput)
    acknowledge_policy = forms.BooleanField(required=False)

    def __init__(self, *args, ask_username: bool, ask_policy: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_username:
            del self.fields["username"]
        if not ask_policy:
            del self.fields["acknowledge_policy"]


class DetailsForm(forms.Form):
    """What may change on an open work order besides its state."""

    priority = forms.ChoiceField(choices=WorkOrderPriority.choices)
    due_on = forms.DateField(
        label="Due on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    vendor = forms.CharField(max_length=200, required=False)
    vendor_reference = forms.CharField(label="Vendor's reference", max_length=100, required=False)
    major_repair = forms.BooleanField(label="A major repair", required=False)
    opened_enclosure = forms.BooleanField(label="The repair opened the enclosure", required=False)

    @classmethod
    def initial_for(cls, work_order) -> dict:
        return {name: getattr(work_order, name) for name in cls.base_fields}


class LineForm(forms.Form):
    kind = forms.ChoiceField(choices=LineKind.choices)
    description = forms.CharField(max_length=200)
    quantity = forms.DecimalField(min_value=0, max_digits=10, decimal_places=2)
    unit_cost = forms.DecimalField(label="Unit cost", min_value=0, max_digits=12, decimal_places=2)


class AttachForm(forms.Form):
    files = MultipleFileField(
        label="Service reports",
        help_text="PDF, PNG, JPEG or CSV. No patient names, record numbers or patient images.",
    )


def may_report_fault(user, equipment) -> bool:
    return can(user, Action.TAKE_OUT_OF_SERVICE, equipment.site_id)
