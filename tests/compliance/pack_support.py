"""What the inspection-pack tests share: Alpha's mammography units with their weekly phantom QC
(done by Zoë), annual physicist surveys with their reports, a major repair and the evaluation
after it, and a work order; issued through the services as a page or the API would."""

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pyhanko.pdf_utils.reader import PdfFileReader

from equipment.models import ProcedureKind
from equipment.models.procedures import RequiringEvent
from equipment.services.events import record_equipment_event
from equipment.services.procedures import create_procedure
from equipment.services.records import create_service_record
from equipment.services.schedules import create_schedule
from equipment.services.work_orders import open_work_order
from tests import factories
from tests.equipment.conftest import NOW
from tests.equipment.records.conftest import PDF, sign

PHANTOM = {
    "key": "score",
    "name": "Phantom fibre score",
    "kind": "numeric",
    "unit": "fibres",
    "action_low": "4",
}
DOSE = {
    "key": "dose",
    "name": "Mean glandular dose",
    "kind": "numeric",
    "unit": "mGy",
    "action_high": "3.0",
}


def _procedure(manager, site, *, code, kind, check, months=None, days=None):
    return create_procedure(
        actor=manager,
        site=site,
        code=code,
        kind=kind,
        now=NOW,
        name=check["name"],
        modalities=["MG"],
        citation="21 CFR 900.12(e)",
        default_anchor="from_completion",
        **({"default_interval_months": months} if months else {"default_interval_days": days}),
        checks=[check],
    )


@pytest.fixture
def mammo_procedures(manager, site_a):
    return {
        "phantom": _procedure(
            manager, site_a, code="MG-PHANTOM", kind=ProcedureKind.QC, check=PHANTOM, days=7
        ),
        "survey": _procedure(
            manager,
            site_a,
            code="MG-SURVEY",
            kind=ProcedureKind.PHYSICIST_SURVEY,
            check=DOSE,
            months=12,
        ),
    }


def mammography_unit(manager, site, procedures, tag: str):
    """A mammography unit with its phantom QC and annual survey schedules."""
    unit = factories.EquipmentFactory(
        site=site, asset_tag=tag, name=f"Mammograph {tag}", modalities=["MG"]
    )
    schedules = {
        key: create_schedule(
            actor=manager, equipment=unit, procedure=procedure, now=NOW, last_done=None
        )
        for key, procedure in procedures.items()
    }
    return unit, schedules


def perform(schedule, actor, value, *, days_ago, **content):
    check = schedule.procedure.current_version.checks.get()
    return create_service_record(
        actor=actor,
        schedule=schedule,
        performed_at=NOW - timedelta(days=days_ago, minutes=10),
        now=NOW,
        signature=sign(username=actor.username),
        values={check.pk: value},
        **content,
    )


def survey(schedule, physicist, *, days_ago, received_days_ago, name="survey-report.pdf"):
    return perform(
        schedule,
        physicist,
        "1.6",
        days_ago=days_ago,
        report_received_on=(NOW - timedelta(days=received_days_ago)).date(),
        attachments=[SimpleUploadedFile(name, PDF, content_type="application/pdf")],
    )


def history(unit, schedules, *, tech, physicist, manager):
    """Two phantom tests in the period, three surveys over two years (the last two in the
    pack), a major repair with the survey after it, and an open work order."""
    perform(schedules["phantom"], tech, "5", days_ago=9)
    perform(schedules["phantom"], tech, "5", days_ago=2)
    survey(schedules["survey"], physicist, days_ago=760, received_days_ago=750, name="2024.pdf")
    survey(schedules["survey"], physicist, days_ago=390, received_days_ago=380, name="2025.pdf")
    record_equipment_event(
        unit,
        kind=RequiringEvent.MAJOR_REPAIR,
        actor=manager,
        occurred_at=NOW - timedelta(days=20),
        note="X-ray tube replaced",
        now=NOW,
    )
    survey(schedules["survey"], physicist, days_ago=15, received_days_ago=5, name="2026.pdf")
    open_work_order(
        actor=manager,
        equipment=unit,
        problem="Compression paddle cracked",
        now=NOW,
        priority="high",
    )


def outline(pdf: bytes) -> list[tuple[int, str, int]]:
    """The PDF's outline as (level, title, page number from 1), read with pyHanko's reader."""
    reader = PdfFileReader(io.BytesIO(pdf))
    pages = {}

    def walk_pages(node):
        kids = node["/Kids"]
        for i in range(len(kids)):
            ref, kid = kids.raw_get(i), kids[i]
            if kid["/Type"] == "/Pages":
                walk_pages(kid)
            else:
                pages[ref.idnum] = len(pages) + 1

    walk_pages(reader.root["/Pages"])
    found = []

    def walk(item, level):
        while item is not None:
            found.append((level, item["/Title"], pages[item["/Dest"].raw_get(0).idnum]))
            if "/First" in item:
                walk(item["/First"], level + 1)
            # .get() would hand back the reference unresolved
            item = item["/Next"] if "/Next" in item else None  # noqa: SIM401

    walk(reader.root["/Outlines"]["/First"], 0)
    return found


def contents_page(text: str) -> list[tuple[str, int]]:
    """The table of contents as pdftotext reads it: (title, page) of each entry."""
    page = next(p for p in text.split("\f") if re.search(r"^\s*Contents\s*$", p, re.M))
    entries = []
    for line in page.splitlines():
        line = re.sub(r"(\s*\.\s*){3,}", " ", line)  # the dot leaders
        if m := re.match(r"^\s*(\d+(?:\.\d+)?\.? \S.*?)\s+\.?(\d+)\s*$", line):
            entries.append((m.group(1).strip(), int(m.group(2))))
    return entries
