"""What the review, event and gate tests share: procedures made through the procedure
service, records made and signed through the record service, and outside records."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from equipment.models import Category, ProcedureKind
from equipment.services.procedures import create_procedure
from equipment.services.records import create_service_record
from equipment.services.review import review_record
from tests.equipment.conftest import NOW
from tests.equipment.records.conftest import PDF, sign

# A numeric check: 95 to 105 passes, 90 to 95 and 105 to 110 are tolerance, beyond is action.
LEVEL = {
    "key": "level",
    "name": "Output",
    "kind": "numeric",
    "unit": "%",
    "action_low": "90",
    "tolerance_low": "95",
    "tolerance_high": "105",
    "action_high": "110",
}
VALUE = {"pass": "100", "tolerance": "106", "action": "120"}


def procedure(actor, site, code, *, kind=ProcedureKind.QC, **fields):
    fields.setdefault("name", code.replace("-", " ").title())
    fields.setdefault("checks", [LEVEL])
    return create_procedure(actor=actor, site=site, code=code, kind=kind, now=NOW, **fields)


def mammography_evaluation(actor, site):
    """The MEE as the catalog ships it: required after installation, relocation and major
    repair of MG equipment, done by a physicist (or an outside one)."""
    return procedure(
        actor,
        site,
        "MQSA-MEE",
        kind=ProcedureKind.ACCEPTANCE,
        name="Mammography equipment evaluation (MEE)",
        modalities=["MG"],
        categories=[Category.IMAGING_SYSTEM],
        performer_roles=["physicist"],
        external_allowed=True,
        required_after=["installation", "relocation", "major_repair"],
    )


def level_values(proc, outcome="pass") -> dict:
    check = proc.current_version.checks.get()
    return {check.pk: VALUE[outcome]}


def signed(actor, equipment, proc, *, outcome="pass", performed_at=None, now=NOW, **kwargs):
    """A record of `proc` on `equipment` by `actor`, signed as performed (an action-level
    value confirmed, with a comment)."""
    if outcome == "action":
        kwargs.setdefault("confirm_action", True)
        kwargs.setdefault("comments", "Out of limits; reported.")
    return create_service_record(
        actor=actor,
        equipment=equipment,
        procedure=proc,
        performed_at=performed_at or now - timedelta(minutes=10),
        now=now,
        values=level_values(proc, outcome),
        signature=sign(username=actor.username),
        **kwargs,
    )


def external(actor, equipment, proc, *, outcome="pass", performed_at=None, now=NOW, **kwargs):
    """An outside performer's record of `proc`, entered by `actor`, not yet countersigned."""
    return create_service_record(
        actor=actor,
        equipment=equipment,
        procedure=proc,
        performed_at=performed_at or now - timedelta(minutes=10),
        now=now,
        values=level_values(proc, outcome),
        external={"name": "Field Engineer", "organisation": "Vendor Inc.", "credentials": "FSE"},
        attachments=[SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")],
        **kwargs,
    )


def review(record, reviewer, *, now=NOW):
    review_record(record=record, reviewer=reviewer, now=now, **sign(username=reviewer.username))
    record.refresh_from_db()
    return record
