"""The schedule pages' forms: add a schedule to a machine, change one with a reason, pause or
resume one with a reason, set or re-baseline a check's reference with a reason. They only
parse (dates and times in the site's own zone); equipment.services.schedules holds the rules."""

from django import forms

from equipment.models import CheckKind, Schedule
from equipment.scheduling import Anchor, DueTime, Preset
from equipment.scheduling.site_days import at_local
from equipment.scheduling.words import WEEKDAYS
from imaging_ops.vocabulary import ASSIGNABLE_ROLES, Role
from imaging_ops.web.forms import DATE_INPUT, TIME_INPUT

SMALL = 32767  # the largest value the schedule's small-integer columns hold
REASON = forms.Textarea(attrs={"rows": 2})
# The service says the recurrence's problems by rule; the form shows them on these fields.
FIELD_MAP = {"interval": "interval_months", "check_key": "check"}


def _days(label: str, *, required: bool, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0, max_value=SMALL, required=required, help_text=help_text
    )


def _choices(choices, blank: str):
    return [("", blank), *choices]


class ScheduleFieldsForm(forms.Form):
    """Who does the work and how it recurs. `required`: the edit form asks for every field (it
    starts from the schedule's values); the create form leaves the recurrence to the
    procedure's defaults."""

    required_recurrence = True
    recurrence_fields = (
        "anchor",
        "interval_months",
        "interval_weeks",
        "interval_days",
        "preset",
        "weekday",
        "early_days",
        "grace_days",
        "hard_limit_months",
        "hard_limit_days",
        "due_time",
        "due_clock",
    )

    assignee = forms.ModelChoiceField(label="Assign to a person", queryset=None, required=False)
    assignee_role = forms.ChoiceField(
        label="Or to a role at the site",
        required=False,
        choices=_choices([(r, Role(r).label) for r in ASSIGNABLE_ROLES], "— none —"),
    )
    starts_on = forms.DateField(
        label="First day of the series",
        required=False,
        widget=DATE_INPUT,
        help_text="A fixed series counts from this day; empty: today at the site.",
    )

    def __init__(self, *args, site, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        self.fields["assignee"].queryset = people
        self.fields["assignee"].label_from_instance = lambda user: user.display_name
        required = self.required_recurrence
        default = "" if required else " Empty: the procedure's default."
        self.fields["anchor"] = forms.ChoiceField(
            label="Anchor",
            required=required,
            choices=_choices(Anchor.choices, "Choose…" if required else "— procedure's —"),
        )
        self.fields["interval_months"] = _days("Every … months", required=False)
        self.fields["interval_weeks"] = _days("… weeks", required=False)
        self.fields["interval_days"] = _days(
            "… days", required=False, help_text="Or a calendar preset below." + default
        )
        self.fields["preset"] = forms.ChoiceField(
            label="Calendar preset", required=False, choices=_choices(Preset.choices, "— none —")
        )
        self.fields["weekday"] = forms.TypedChoiceField(
            label="Weekday (weekly preset)",
            required=False,
            coerce=int,
            empty_value=None,
            choices=_choices(list(enumerate(WEEKDAYS)), "—"),
        )
        self.fields["early_days"] = _days("Window opens … days early", required=False)
        self.fields["grace_days"] = _days("Grace, days", required=False)
        self.fields["hard_limit_months"] = _days(
            "Hard limit, months after the last completion", required=False
        )
        self.fields["hard_limit_days"] = _days(
            "… and days", required=False, help_text="Empty for no hard limit."
        )
        self.fields["due_time"] = forms.ChoiceField(
            label="Due at",
            required=required,
            choices=_choices(DueTime.choices, "Choose…" if required else "— procedure's —"),
        )
        self.fields["due_clock"] = forms.TimeField(
            label="Or at this clock time (site's local)", required=False, widget=TIME_INPUT
        )

    def clean(self):
        data = super().clean()
        if data.get("assignee") is not None and data.get("assignee_role"):
            self.add_error("assignee_role", "Assign the schedule to a person or to a role.")
        return data

    def schedule_fields(self) -> dict:
        """The fields as the service takes them: on creation, those left empty are left out
        (the procedure's defaults)."""
        data = self.cleaned_data
        fields = {
            "assignee": data.get("assignee"),
            "assignee_role": data.get("assignee_role") or "",
        }
        if data.get("starts_on") is not None:
            fields["starts_on"] = data["starts_on"]
        for name in self.recurrence_fields:
            if name not in data:
                continue
            value = data[name]
            if self.required_recurrence:
                fields[name] = _stored(name, value)
            elif value not in (None, ""):
                fields[name] = value
        return fields


def _stored(name: str, value):
    """An emptied field as the schedule stores it: a zero count, no preset, no limit."""
    if value not in (None, ""):
        return value
    if name in ("interval_months", "interval_weeks", "interval_days", "early_days", "grace_days"):
        return 0
    if name == "preset":
        return ""
    return None


class ScheduleCreateForm(ScheduleFieldsForm):
    """A schedule of one of the site's procedures that apply to this machine."""

    required_recurrence = False
    field_order = ["procedure", "assignee", "assignee_role", "starts_on", "last_done_on"]

    procedure = forms.ModelChoiceField(label="Procedure", queryset=None)
    last_done_on = forms.DateField(
        label="Last done on",
        required=False,
        widget=DATE_INPUT,
        help_text="If the work was done before: the clock starts there.",
    )
    last_done_at = forms.TimeField(
        label="At (the site's local time)", required=False, widget=TIME_INPUT
    )

    def __init__(self, *args, procedures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = procedures
        self.fields["procedure"].label_from_instance = lambda p: (
            f"{p.code} — {p.current_version.name}"
        )
        self.order_fields(self.field_order)

    def clean(self):
        data = super().clean()
        day, clock = data.get("last_done_on"), data.get("last_done_at")
        if day is not None and clock is None and "last_done_at" not in self.errors:
            self.add_error("last_done_at", "Give the time it was done too.")
        if clock is not None and day is None and "last_done_on" not in self.errors:
            self.add_error("last_done_on", "Give the day it was done too.")
        return data

    def last_done(self):
        """The moment last done, read in the site's zone; None when not given."""
        day, clock = self.cleaned_data.get("last_done_on"), self.cleaned_data.get("last_done_at")
        if day is None or clock is None:
            return None
        try:
            return at_local(day, clock, self.site)
        except (OverflowError, ValueError):
            return None


class ScheduleEditForm(ScheduleFieldsForm):
    """Every field a manager may change, starting from the schedule's values, and why."""

    reason = forms.CharField(label="Reason for the change", widget=REASON)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"] = self.fields.pop("reason")  # last, beside the button

    @staticmethod
    def initial_for(schedule: Schedule) -> dict:
        names = ["assignee", "assignee_role", "starts_on", *ScheduleFieldsForm.recurrence_fields]
        initial = {name: getattr(schedule, name) for name in names}
        initial["assignee"] = schedule.assignee_id
        return initial


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", widget=REASON)


class ReferenceForm(forms.Form):
    """A numeric check of the schedule's procedure, its reference value, and why."""

    check = forms.ChoiceField(label="Check")
    value = forms.CharField(
        label="Reference value", max_length=40, help_text="The baseline, as measured."
    )
    reason = forms.CharField(
        label="Reason",
        widget=REASON,
        help_text="Set at acceptance, re-baselined after service or a software change, …",
    )

    def __init__(self, *args, checks, **kwargs):
        super().__init__(*args, **kwargs)
        numeric = [c for c in checks if c.kind == CheckKind.NUMERIC]
        label = lambda c: f"{c.name} ({c.unit})" if c.unit else c.name  # noqa: E731
        self.fields["check"].choices = _choices([(c.key, label(c)) for c in numeric], "Choose…")
