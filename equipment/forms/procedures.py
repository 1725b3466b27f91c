"""Forms of procedures: the content of a version with its checks as rows (added, removed and
reordered on the same page), copying a library procedure to a site, and assigning a procedure to
every unit of a modality.

The forms parse only; the rules (bands, choices, keys, recurrences) are the services', and their
errors keyed `checks.<i>.<field>` are shown beside the field of the row they name.
"""

from django import forms
from django.forms import BaseFormSet, formset_factory

from equipment.limits import BandMode
from equipment.models import Category, CheckKind, ProcedureKind, RequiringEvent
from equipment.models.procedures import LIMIT_FIELDS
from equipment.scheduling import Anchor, Preset
from equipment.scheduling.site_days import at_local
from equipment.scheduling.words import WEEKDAYS
from equipment.services.procedures import CONTENT_FIELDS
from imaging_ops.vocabulary import ASSIGNABLE_ROLES, Modality, Role
from imaging_ops.web.forms import DATE_INPUT, TIME_INPUT

LIBRARY = "library"
# Whole numbers of a version that are zero, not empty, when left blank.
ZERO_WHEN_BLANK = (
    "default_interval_months",
    "default_interval_weeks",
    "default_interval_days",
    "default_early_days",
    "default_grace_days",
)
MAX_CHECKS = 60
SMALL = {"min_value": 0, "max_value": 32767}


def _choices(field: str) -> forms.MultipleChoiceField:
    options = {
        "modalities": (Modality.choices, "Modalities"),
        "categories": (Category.choices, "Equipment categories"),
        "performer_roles": ([(r, Role(r).label) for r in ASSIGNABLE_ROLES], "Who may perform it"),
        "required_after": (RequiringEvent.choices, "Required after"),
    }
    choices, label = options[field]
    return forms.MultipleChoiceField(
        choices=choices, required=False, label=label, widget=forms.CheckboxSelectMultiple
    )


def _whole(label: str, help_text: str = "", **bounds) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, help_text=help_text, **SMALL | bounds)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class CheckForm(forms.Form):
    """One check, as a row of the procedure's page. Every field may be left blank here: what a
    check must have is the service's to say, beside the field."""

    position = forms.IntegerField(
        label="Position",
        required=False,
        min_value=1,
        max_value=MAX_CHECKS,
        help_text="Checks are listed in this order; leave blank to keep the row's place.",
    )
    remove = forms.BooleanField(label="Remove this check", required=False)
    key = forms.CharField(
        label="Key",
        max_length=50,
        required=False,
        help_text="Letters, digits, - and _; names the check across versions (its references).",
    )
    name = forms.CharField(label="Name", max_length=200, required=False)
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "Choose…"), *CheckKind.choices]
    )
    unit = forms.CharField(label="Unit", max_length=30, required=False)
    band_mode = forms.ChoiceField(
        label="Limits are", required=False, choices=BandMode.choices, initial=BandMode.ABSOLUTE
    )
    action_low = forms.CharField(label="Action low", max_length=40, required=False)
    action_low_inclusive = forms.BooleanField(
        label="Action low is inclusive", required=False, initial=True
    )
    tolerance_low = forms.CharField(label="Tolerance low", max_length=40, required=False)
    tolerance_low_inclusive = forms.BooleanField(
        label="Tolerance low is inclusive", required=False, initial=True
    )
    tolerance_high = forms.CharField(label="Tolerance high", max_length=40, required=False)
    tolerance_high_inclusive = forms.BooleanField(
        label="Tolerance high is inclusive", required=False, initial=True
    )
    action_high = forms.CharField(label="Action high", max_length=40, required=False)
    action_high_inclusive = forms.BooleanField(
        label="Action high is inclusive", required=False, initial=True
    )
    choices = forms.CharField(
        label="Choices",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Choice checks: one choice a line.",
    )
    passing_choices = forms.CharField(
        label="Passing choices",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The choices that pass, one a line.",
    )
    stop_use = forms.BooleanField(label="A failure stops clinical use", required=False)
    correct_within_days = _whole(
        "Correct within (days)", "Days allowed to correct a failure; blank for no limit."
    )

    GROUPS = (
        ("", ("position", "remove", "key", "name", "kind")),
        ("Numeric checks", ("unit", "band_mode")),
        ("Choice checks", ("choices", "passing_choices")),
        ("On failure", ("stop_use", "correct_within_days")),
    )
    LIMITS = tuple((limit, f"{limit}_inclusive") for limit in LIMIT_FIELDS)
    TEXT = ("key", "name", "unit", *LIMIT_FIELDS, "choices", "passing_choices")

    def groups(self):
        for title, names in self.GROUPS:
            yield title, [self[name] for name in names]

    def limit_pairs(self):
        """Each limit's value and inclusive flag, side by side."""
        return [(self[value], self[flag]) for value, flag in self.LIMITS]

    def is_blank(self) -> bool:
        """A row nothing was typed into: the spare row at the end, ignored."""
        data = getattr(self, "cleaned_data", {})
        typed = [data.get(name) for name in self.TEXT] + [data.get("correct_within_days")]
        return not any(value not in (None, "") for value in typed) and not data.get("kind")

    def service_data(self) -> dict:
        """The check as `build_checks` takes it (the fields that parsed); limits as typed."""
        data = self.cleaned_data
        values = {name: data[name] for name in ("key", "name", "kind", "unit") if name in data}
        if "band_mode" in data:
            values["band_mode"] = data["band_mode"] or BandMode.ABSOLUTE
        for limit in LIMIT_FIELDS:
            if limit in data:
                values[limit] = data[limit] or None
            values[f"{limit}_inclusive"] = data.get(f"{limit}_inclusive", False)
        for name in ("choices", "passing_choices"):
            if name in data:
                values[name] = _lines(data[name])
        values["stop_use"] = data.get("stop_use", False)
        if "correct_within_days" in data:
            values["correct_within_days"] = data["correct_within_days"]
        return values

    @staticmethod
    def initial_for(check, position: int) -> dict:
        initial = {
            "position": position,
            **{name: getattr(check, name) for name in ("key", "name", "kind", "unit")},
            "band_mode": check.band_mode,
            "choices": "\n".join(check.choices),
            "passing_choices": "\n".join(check.passing_choices),
            "stop_use": check.stop_use,
            "correct_within_days": check.correct_within_days,
        }
        for limit in LIMIT_FIELDS:
            value = getattr(check, limit)
            initial[limit] = "" if value is None else format(value.normalize(), "f")
            initial[f"{limit}_inclusive"] = getattr(check, f"{limit}_inclusive")
        return initial


class BaseCheckFormSet(BaseFormSet):
    def get_form_kwargs(self, index):
        # Every row is parsed, the spare one too; a blank row is left out afterwards.
        return {**super().get_form_kwargs(index), "empty_permitted": False}


CheckFormSet = formset_factory(
    CheckForm, formset=BaseCheckFormSet, extra=1, max_num=MAX_CHECKS, validate_max=True
)


class ProcedureForm(forms.Form):
    """A procedure's content and its checks. On a new procedure also its owner, code and kind
    (which never change); on a new version, the reason."""

    site = forms.ChoiceField(label="Belongs to")
    code = forms.CharField(label="Code", max_length=50, help_text="Short and unique at the site.")
    kind = forms.ChoiceField(label="Kind", choices=[("", "Choose…"), *ProcedureKind.choices])
    name = forms.CharField(label="Name", max_length=200)
    modalities = _choices("modalities")
    categories = _choices("categories")
    citation = forms.CharField(
        label="Citation",
        max_length=300,
        required=False,
        help_text="The regulation or standard it follows, e.g. 10 CFR 35.67.",
    )
    instructions = forms.CharField(
        label="Instructions", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    performer_roles = _choices("performer_roles")
    external_allowed = forms.BooleanField(
        label="An outside vendor or physicist may perform it", required=False
    )
    required_after = _choices("required_after")
    default_anchor = forms.ChoiceField(
        label="Default recurrence counted",
        required=False,
        choices=[("", "— no default —"), *Anchor.choices],
    )
    default_interval_months = _whole("Every … months")
    default_interval_weeks = _whole("… weeks")
    default_interval_days = _whole("… days")
    default_preset = forms.ChoiceField(
        label="Or a calendar preset", required=False, choices=[("", "— none —"), *Preset.choices]
    )
    default_weekday = forms.TypedChoiceField(
        label="Weekday (weekly preset)",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "— none —"), *enumerate(WEEKDAYS)],
    )
    default_early_days = _whole("Open days early")
    default_grace_days = _whole("Days of grace")
    default_hard_limit_months = _whole(
        "Hard limit (months after the last completion)", "Blank for none."
    )
    reason = forms.CharField(
        label="Reason for the new version",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept with the version; schedules follow it from the next record.",
    )
    verified_locally = forms.BooleanField(
        label="Verified locally",
        required=False,
        help_text="The values flagged “verify locally” were checked against your accreditor, "
        "the manufacturer and your state's rules: the new version carries no flag.",
    )

    SECTIONS = (
        ("Procedure", ("site", "code", "kind", "name", "citation", "instructions")),
        ("Applies to", ("modalities", "categories")),
        ("Who performs it", ("performer_roles", "external_allowed", "required_after")),
        (
            "Default recurrence",
            (
                "default_anchor",
                "default_interval_months",
                "default_interval_weeks",
                "default_interval_days",
                "default_preset",
                "default_weekday",
                "default_early_days",
                "default_grace_days",
                "default_hard_limit_months",
            ),
        ),
        ("Why", ("reason", "verified_locally")),
    )

    def __init__(
        self,
        *args,
        owners=None,
        checks_initial=None,
        new_version=False,
        verify_flagged=False,
        **kwargs,
    ):
        data = kwargs.get("data")
        super().__init__(*args, **kwargs)
        if not verify_flagged:
            del self.fields["verified_locally"]
        if new_version:
            for fixed in ("site", "code", "kind"):
                del self.fields[fixed]
        else:
            del self.fields["reason"]
            self.fields["site"].choices = [("", "Choose…"), *(owners or [])]
        self.checks = CheckFormSet(data=data, initial=checks_initial, prefix="checks")

    def sections(self):
        """The form's fields in their groups, as the page lays them out."""
        for title, names in self.SECTIONS:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                yield title, fields

    def is_valid(self) -> bool:
        own, rows = super().is_valid(), self.checks.is_valid()
        return own and rows

    def owner(self):
        """The chosen site's id, or None for the organisation library."""
        value = self.cleaned_data["site"]
        return None if value == LIBRARY else int(value)

    def content(self, *, parsed_only: bool = False) -> dict:
        """The version's content for the service; `parsed_only`: the fields that parsed."""
        data = self.cleaned_data
        content = {}
        for field in CONTENT_FIELDS:
            if parsed_only and field not in data:
                continue
            value = data.get(field)
            if value is None and field in ZERO_WHEN_BLANK:
                value = 0
            content[field] = value
        return content

    # --- the check rows --------------------------------------------------------------------

    def check_rows(self) -> list[CheckForm]:
        """The rows that make checks, in the order given by their positions (a row without one
        keeps its place), the removed and blank rows left out."""
        rows = [
            (index, form)
            for index, form in enumerate(self.checks.forms)
            if not form.cleaned_data.get("remove") and not form.is_blank()
        ]
        rows.sort(key=lambda row: (row[1].cleaned_data.get("position") or row[0] + 1, row[0]))
        self._service_rows = [form for _, form in rows]
        return self._service_rows

    def checks_data(self) -> list[dict]:
        return [form.service_data() for form in self.check_rows()]

    def place_check_errors(self, errors: dict, *, beside: bool = False) -> dict:
        """Put each `checks.<i>.<field>` message beside the field of the row the service was
        given i-th; return the other errors, for the form's own fields. `beside`: a field the
        row refused itself keeps only its own message."""
        rows = getattr(self, "_service_rows", [])
        rest = {}
        for key, messages in errors.items():
            parts = key.split(".")
            if len(parts) != 3 or parts[0] != "checks" or not parts[1].isdigit():
                rest[key] = messages
                continue
            index, field = int(parts[1]), parts[2]
            if index >= len(rows):
                rest.setdefault(None, []).extend(messages)
                continue
            row = rows[index]
            target = field if field in row.fields else None
            if beside and target is not None and target in row.errors:
                continue
            row.add_error(target, messages)
        return rest

    def check_errors(self) -> list[dict]:
        """Every row's errors, for the summary above the form: the row's number, the control
        to jump to, the field's label and its first message."""
        listed = []
        for number, row in enumerate(self.checks.forms, start=1):
            for field, messages in row.errors.items():
                known = field in row.fields
                listed.append(
                    {
                        "row": number,
                        "control": row[field].auto_id if known else f"check-{number}",
                        "label": row.fields[field].label if known else "Check",
                        "message": messages[0],
                    }
                )
        return listed


class CopyForm(forms.Form):
    site = forms.TypedChoiceField(label="Copy to site", coerce=int)

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", "Choose…"), *((s.pk, str(s)) for s in sites)]


class AssignForm(forms.Form):
    """To which units (a modality, or the procedure's categories), assigned to whom, and when
    the work was last done (the clock of every new schedule starts there)."""

    modality = forms.ChoiceField(label="Modality", required=False)
    assignee = forms.ModelChoiceField(label="Assign to a person", queryset=None, required=False)
    assignee_role = forms.ChoiceField(
        label="Or to a role at the site",
        required=False,
        choices=[("", "— none —"), *((r, Role(r).label) for r in ASSIGNABLE_ROLES)],
    )
    last_done_on = forms.DateField(
        label="Last done on",
        required=False,
        widget=DATE_INPUT,
        help_text="If the work was done before: the clock of each new schedule starts there.",
    )
    last_done_at = forms.TimeField(
        label="At (the site's local time)", required=False, widget=TIME_INPUT
    )

    def __init__(self, *args, procedure, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = procedure.site
        version = procedure.current_version
        offered = version.modalities or Modality.values
        by_category = version.categories and not version.modalities
        blank = "— every unit of its categories —" if by_category else "Choose…"
        self.fields["modality"].choices = [("", blank), *((m, Modality(m).label) for m in offered)]
        self.fields["assignee"].queryset = people
        self.fields["assignee"].label_from_instance = lambda user: user.display_name

    def clean(self):
        data = super().clean()
        day, clock = data.get("last_done_on"), data.get("last_done_at")
        if day is not None and clock is None and "last_done_at" not in self.errors:
            self.add_error("last_done_at", "Give the time it was done too.")
        if clock is not None and day is None and "last_done_on" not in self.errors:
            self.add_error("last_done_on", "Give the day it was done too.")
        return data

    def last_done(self):
        """The moment last done, read in the site's time zone; None when not given."""
        day, clock = self.cleaned_data.get("last_done_on"), self.cleaned_data.get("last_done_at")
        if day is None or clock is None:
            return None
        return at_local(day, clock, self.site)

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "modality": data["modality"] or None,
            "assignee": data["assignee"],
            "assignee_role": data["assignee_role"],
            "last_done": self.last_done(),
        }
