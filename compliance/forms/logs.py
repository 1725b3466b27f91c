"""The period of a log, as the equipment page's form gives it; the kind and period of a site's
log or inspection pack, as its logs page gives them; the approval dialog."""

from datetime import timedelta

from django import forms

from compliance.log_kinds import Covers, kinds_covering
from compliance.selectors.logs import Period
from imaging_ops.models import Meaning
from imaging_ops.web.forms import DATE_INPUT

# Ten years: the longest retention that applies to equipment records, and a bound on the work.
LONGEST_PERIOD = timedelta(days=3660)


def period_error(start, end) -> str | None:
    """What is wrong with a log's period (both days included), or None: the one rule the page's
    form and the API both ask."""
    if end < start:
        return "The period must end on or after the day it starts."
    if end - start > LONGEST_PERIOD:
        return "A log covers at most ten years; choose a shorter period."
    return None


class LogPeriodForm(forms.Form):
    """from=YYYY-MM-DD, to=YYYY-MM-DD, both days included, in the site's calendar."""

    from_ = forms.DateField(label="From", widget=DATE_INPUT)
    to = forms.DateField(label="To", widget=DATE_INPUT)

    def add_prefix(self, field_name):
        # `from` is a Python keyword: the field is `from_`, its input and parameter `from`.
        return "from" if field_name == "from_" else super().add_prefix(field_name)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from_"), cleaned.get("to")
        if start and end and (error := period_error(start, end)):
            self.add_error("to", error)
        return cleaned

    @property
    def period(self) -> Period:
        return Period(start=self.cleaned_data["from_"], end=self.cleaned_data["to"])


def _site_kinds():
    """The site's logs, then the inspection packs (the registry's order)."""
    return [(spec.kind, spec.label) for spec in kinds_covering(Covers.SITE)]


class SiteLogForm(LogPeriodForm):
    """kind=training|radioactive_materials|site_qc_summary or an inspection pack (pack_mqsa,
    pack_nrc, pack_joint_commission, pack_state_xray), from, to: a log of the site."""

    kind = forms.ChoiceField(label="Log", choices=_site_kinds)

    field_order = ["kind", "from_", "to"]


class ApproveLogForm(forms.Form):
    """The approval dialog: the meaning (approved), the password, and the username at the first
    signature of a login session; the policy checkbox at a person's first signature. The
    signature service says when a field is needed and why."""

    meaning = forms.ChoiceField(
        label="Meaning of your signature", choices=[(Meaning.APPROVED, Meaning.APPROVED.label)]
    )
    username = forms.CharField(
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    acknowledge_policy = forms.BooleanField(
        required=False,
        label="I have read the electronic signature policy and accept that my electronic "
        "signature is the legally binding equivalent of my handwritten signature.",
    )

    def __init__(self, *args, ask_username: bool, ask_policy: bool, **kwargs):
        kwargs.setdefault("initial", {"meaning": Meaning.APPROVED})
        super().__init__(*args, **kwargs)
        if not ask_username:
            del self.fields["username"]
        if not ask_policy:
            del self.fields["acknowledge_policy"]
