"""Inspection packs: one signed PDF per inspection visit holding every log and source document
that kind of inspector asks for, with a table of contents, bookmarks and the page furniture of
every log; issued from the site's logs page and the API, approved by whom the matrix allows,
downloaded by the inspectors of the site only, read in queries that do not grow with the
site's machines."""

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance.models import PACK_KINDS, LogKind, LogState, RegulatoryLog
from compliance.selectors.inspection_packs import pack_entries
from compliance.services.logs import complete_log, request_log
from equipment.models import ProcedureKind
from equipment.services.procedures import create_procedure
from equipment.services.schedules import create_schedule
from equipment.services.work_orders import open_work_order
from imaging_ops.vocabulary import Role
from tests import factories
from tests.compliance.logs_support import PERIOD, record
from tests.compliance.pack_support import (
    contents_page,
    history,
    mammography_unit,
    outline,
    perform,
    survey,
)
from tests.compliance.signed_logs import approve, pdf_text, pdfsig, stored
from tests.compliance.site_logs_support import issue, snapshot_of, train
from tests.equipment.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def mammo(manager, physicist, zoe, site_a, mammo_procedures):
    """ALPHA-MG1 with a period of phantom tests, three surveys, a repair and a work order."""
    unit, schedules = mammography_unit(manager, site_a, mammo_procedures, "ALPHA-MG1")
    history(unit, schedules, tech=zoe, physicist=physicist, manager=manager)
    return unit


def _sections(snapshot) -> dict:
    return {s["key"]: s for s in snapshot["sections"]}


# --- MQSA ----------------------------------------------------------------------------------


def test_the_mqsa_pack_holds_each_units_log_surveys_evaluations_actions_and_qualifications(
    manager, physicist, zoe, oyvind, site_a, mammo, ct_course
):
    train(physicist, site_a, ct_course, zoe, oyvind, held_on=date(2026, 2, 10))
    pack = _sections(snapshot_of(LogKind.PACK_MQSA, site_a, manager))
    (log,) = pack["equipment_logs"]["logs"]
    assert log["equipment"]["asset_tag"] == "ALPHA-MG1" and len(log["records"]) == 3
    # The last two surveys of the unit, with the report's day and file, not the 2024 one.
    surveys = pack["surveys"]["records"]
    assert [s["attachments"][0]["name"] for s in surveys] == ["2025.pdf", "2026.pdf"]
    assert surveys[1]["report_received_on"] == "2026-02-27"
    assert len(surveys[1]["attachments"][0]["sha256"]) == 64
    (evaluation,) = pack["evaluations"]["evaluations"]
    assert evaluation["event"] == "Major repair" and evaluation["note"] == "X-ray tube replaced"
    assert evaluation["evaluation"]["id"] == surveys[1]["id"]
    (action,) = pack["corrective_actions"]["work_orders"]
    assert action["problem"] == "Compression paddle cracked"
    assert action["equipment"] == "ALPHA-MG1 Mammograph ALPHA-MG1"
    # Zoë performed the unit's QC: her training is there; Øyvind's, who did none, is not.
    training = pack["qualifications"]["training"]
    assert {r["person"] for r in training["records"]} == {zoe.display_name}
    assert all(not s["empty"] for s in pack.values())


@pytest.mark.req("11.10(b)")
@pytest.mark.needs_poppler
def test_the_mqsa_pack_pdf_lists_each_section_with_its_page_and_bookmarks_it(
    tmp_path, manager, physicist, zoe, site_a, mammo, ct_course
):
    train(physicist, site_a, ct_course, zoe, held_on=date(2026, 2, 10))
    log = issue(manager, LogKind.PACK_MQSA, site_a)
    pdf = stored(log)
    text = pdf_text(pdf, tmp_path)
    pages = text.split("\f")
    listed = contents_page(text)
    assert [title for title, _page in listed] == [
        "1. Equipment logs of the mammography units",
        "1.1 Equipment log: ALPHA-MG1 Mammograph ALPHA-MG1",
        "2. Annual physicist surveys (the last two of each unit)",
        "3. Mammography equipment evaluations",
        "4. Corrective actions (work orders)",
        "5. Qualifications of the people who performed QC",
    ]
    for title, page in listed:  # each section starts on the page its entry names
        assert title in pages[page - 1], (title, page)
    # The outline holds the same entries, a machine's log under its section.
    assert outline(pdf) == [
        (1 if re.match(r"\d+\.\d", title) else 0, title, page) for title, page in listed
    ]
    # Entries of each part, and the furniture of every log on every page.
    for entry in ("Phantom fibre score", "2025.pdf", "Report received 2026-02-27"):
        assert entry in text
    assert "X-ray tube replaced" in text and "Compression paddle cracked" in text
    assert "CT dose optimisation" in text and "Zoë Ångström" in text
    total = len([p for p in pages if p.strip()])
    for number in range(1, total + 1):
        assert f"Page {number} of {total}" in text
    assert text.count(log.code) >= total and "DRAFT" in text
    assert log.entries > 0 and log.scope_label == "Alpha General (ALPHA)"


@pytest.mark.req("11.50", "11.70")
@pytest.mark.needs_poppler
def test_an_approved_pack_is_digitally_signed_and_pdfsig_finds_it_valid(
    tmp_path, manager, physicist, site_a, mammo
):
    log = issue(manager, LogKind.PACK_MQSA, site_a)
    approved = approve(log, physicist)
    assert approved.state == LogState.APPROVED and approved.approved_by == physicist
    pdf = stored(approved)
    assert "Signature is Valid" in pdfsig(pdf, tmp_path)
    text = pdf_text(pdf, tmp_path)
    assert "Electronically signed" in text and "Contents" in text


def test_a_pack_of_a_site_without_such_units_says_why_each_section_is_empty(manager, site_a, ct):
    pack = snapshot_of(LogKind.PACK_MQSA, site_a, manager)
    assert {s["empty"] for s in pack["sections"]} == {"No mammography units at this site."}
    jc = _sections(snapshot_of(LogKind.PACK_JOINT_COMMISSION, site_a, manager))
    assert jc["high_risk_logs"]["empty"] == "No equipment at this site is flagged high risk."


@pytest.mark.needs_poppler
def test_an_empty_section_prints_why(tmp_path, manager, site_a, ct):
    text = pdf_text(stored(issue(manager, LogKind.PACK_MQSA, site_a)), tmp_path)
    assert "No mammography units at this site." in text
    assert "5. Qualifications of the people who performed QC" in text


# --- NRC, Joint Commission, state X-ray ----------------------------------------------------


def test_the_nrc_pack_holds_the_radioactive_materials_log_and_radiation_safety_training(
    manager, rso, zoe, site_a, source, leak_schedule, ct_course
):
    perform(leak_schedule, rso, "12", days_ago=3)
    train(manager, site_a, ct_course, rso, zoe, held_on=date(2026, 2, 10))
    pack = _sections(snapshot_of(LogKind.PACK_NRC, site_a, manager))
    materials = pack["radioactive_materials"]["log"]
    assert materials["sources"][0]["radionuclide"] == "Cs-137"
    leaks = next(s for s in materials["sections"] if s["key"] == "leak_tests")["records"]
    assert leaks[0]["results"][0]["value"] == "12"
    # The RSO's training is there (any course); a technician's CT course is not.
    people = {r["person"] for r in pack["training"]["training"]["records"]}
    assert people == {rso.display_name}


def test_the_joint_commission_pack_holds_inventory_summary_high_risk_logs_and_work_orders(
    manager, zoe, site_a, daily, ct, mammo
):
    ct.high_risk = True
    ct.save()
    pm = create_procedure(
        actor=manager,
        site=site_a,
        code="CT-PM",
        kind=ProcedureKind.PREVENTIVE_MAINTENANCE,
        now=NOW,
        name="CT preventive maintenance",
        default_anchor="from_completion",
        default_interval_months=6,
        checks=[{"key": "done", "name": "Checklist complete", "kind": "boolean"}],
    )
    create_schedule(actor=manager, equipment=ct, procedure=pm, now=NOW, last_done=None)
    record(daily, zoe, days_ago=2)
    open_work_order(actor=manager, equipment=ct, problem="Gantry noise", now=NOW, priority="low")
    pack = _sections(snapshot_of(LogKind.PACK_JOINT_COMMISSION, site_a, manager))
    inventory = {m["equipment"]: m for m in pack["inventory"]["equipment"]}
    assert inventory["ALPHA-CT1 CT scanner"]["high_risk"] is True
    assert inventory["ALPHA-MG1 Mammograph ALPHA-MG1"]["high_risk"] is False
    (line,) = inventory["ALPHA-CT1 CT scanner"]["preventive_maintenance"]
    assert line.startswith("CT-PM: last done never; next due ")
    assert inventory["ALPHA-MG1 Mammograph ALPHA-MG1"]["preventive_maintenance"] == []
    assert {r["id"] for r in pack["qc_summary"]["log"]["equipment"]} >= {ct.pk, mammo.pk}
    (log,) = pack["high_risk_logs"]["logs"]  # the mammography unit is not high risk
    assert log["equipment"]["asset_tag"] == "ALPHA-CT1" and len(log["records"]) == 1
    problems = {w["problem"] for w in pack["work_orders"]["work_orders"]}
    assert problems == {"Gantry noise", "Compression paddle cracked"}


def test_the_state_x_ray_pack_holds_the_x_ray_units_and_their_surveys(
    manager, zoe, site_a, daily, ct, mammo
):
    factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-MR1", modalities=["MR"])
    factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-PETCT", modalities=["PT", "CT"])
    pack = _sections(snapshot_of(LogKind.PACK_STATE_XRAY, site_a, manager))
    tags = [log["equipment"]["asset_tag"] for log in pack["equipment_logs"]["logs"]]
    assert tags == ["ALPHA-CT1", "ALPHA-MG1", "ALPHA-PETCT"]  # no MR; a PET/CT is a CT
    assert [s["attachments"][0]["name"] for s in pack["surveys"]["records"]] == [
        "2025.pdf",
        "2026.pdf",
    ]


@pytest.mark.needs_poppler
@pytest.mark.parametrize("kind", [LogKind.PACK_NRC, LogKind.PACK_JOINT_COMMISSION])
def test_every_pack_kind_prints_its_contents_and_sections(
    tmp_path, kind, manager, rso, site_a, source, leak_schedule, ct
):
    perform(leak_schedule, rso, "12", days_ago=3)
    text = pdf_text(stored(issue(manager, kind, site_a)), tmp_path)
    pages = text.split("\f")
    listed = contents_page(text)
    assert listed and all(title in pages[page - 1] for title, page in listed)
    assert ("Sealed-source inventory" in text) == (kind == LogKind.PACK_NRC)
    assert ("Medical equipment inventory" in text) == (kind == LogKind.PACK_JOINT_COMMISSION)


# --- approval and download -----------------------------------------------------------------


@pytest.mark.req("11.10(g)")
@pytest.mark.parametrize(
    ("kind", "allowed"),
    [
        (LogKind.PACK_MQSA, {"manager", "physicist"}),
        (LogKind.PACK_NRC, {"manager", "rso"}),
        (LogKind.PACK_JOINT_COMMISSION, {"manager"}),
        (LogKind.PACK_STATE_XRAY, {"manager", "physicist"}),
    ],
)
def test_who_approves_each_kind_of_pack(kind, allowed, manager, physicist, rso, tech, site_a):
    people = {"manager": manager, "physicist": physicist, "rso": rso, "tech": tech}
    for name, signer in people.items():
        log = issue(manager, kind, site_a)
        if name in allowed:
            assert approve(log, signer).state == LogState.APPROVED
        else:
            with pytest.raises(PermissionDenied):
                approve(log, signer)
            log.refresh_from_db()
            assert log.state == LogState.DRAFT


def test_a_technician_cannot_approve_a_pack_from_its_page(client, manager, tech, site_a):
    log = issue(manager, LogKind.PACK_MQSA, site_a)
    client.force_login(tech)
    response = client.post(f"/compliance/logs/{log.pk}/approve/", {"password": "x"})
    assert response.status_code == 403
    log.refresh_from_db()
    assert log.state == LogState.DRAFT


@pytest.mark.req("11.10(d)")
def test_the_sites_inspector_downloads_the_pack_and_another_sites_cannot(
    client, person, manager, inspector, site_a, site_b, mammo
):
    log = issue(manager, LogKind.PACK_MQSA, site_a)
    client.force_login(inspector)
    home = client.get("/")
    assert home.status_code == 200 and log.code in home.text
    assert "Inspection packs issued at your sites" in home.text
    download = client.get(f"/compliance/logs/{log.pk}/file/")
    assert download.status_code == 200 and download.content == stored(log)
    client.force_login(person(Role.INSPECTOR, site_b, username="bruno"))
    assert client.get(f"/compliance/logs/{log.pk}/file/").status_code == 404
    assert client.get(f"/compliance/logs/{log.pk}/").status_code == 404
    assert log.code not in client.get("/").text


# --- issuing from the page and the API -----------------------------------------------------


def test_a_pack_is_issued_from_the_sites_logs_page(client, manager, site_a, mammo):
    client.force_login(manager)
    page = client.get("/compliance/sites/ALPHA/logs/")
    assert page.status_code == 200
    for kind in PACK_KINDS:
        assert f'value="{kind}"'.encode() in page.content
    assert b"MQSA inspection pack" in page.content
    response = client.post(
        "/compliance/sites/ALPHA/logs/issue/",
        {"kind": "pack_mqsa", "from": "2026-02-01", "to": "2026-03-31"},
    )
    log = RegulatoryLog.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/compliance/logs/{log.pk}/"
    assert log.kind == LogKind.PACK_MQSA and log.site == site_a and log.equipment is None
    assert b"MQSA inspection pack" in client.get(f"/compliance/logs/{log.pk}/").content


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "pack_everything", "from": "2026-02-01", "to": "2026-03-31"}, "kind"),
        ({"kind": "pack_nrc", "from": "2026-03-31", "to": "2026-02-01"}, "to"),
        ({"kind": "pack_nrc", "from": "2026-02-30", "to": "2026-03-31"}, "from_"),
    ],
)
def test_bad_input_on_the_pack_form_answers_400_and_stores_nothing(
    client, manager, site_a, data, field
):
    client.force_login(manager)
    response = client.post("/compliance/sites/ALPHA/logs/issue/", data)
    assert response.status_code == 400 and field in response.context["form"].errors
    assert not RegulatoryLog.objects.exists()


def test_the_api_issues_a_pack_by_kind_and_site(api, manager, site_a, mammo):
    api.force_authenticate(manager)
    response = api.post(
        "/api/v1/logs/",
        {
            "kind": "pack_state_xray",
            "site": site_a.pk,
            "period_start": "2026-02-01",
            "period_end": "2026-03-31",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "pack_state_xray" and body["site"] == site_a.pk
    assert body["equipment"] is None and body["state"] == "draft"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"kind": "pack_mqsa"}, "site"),
        ({"kind": "pack_mqsa", "site": "SITE", "equipment": "CT"}, "equipment"),
        ({"kind": "pack_nrc", "site": "OTHER"}, "site"),
        ({"kind": "pack_nrc", "site": 999999}, "site"),
        ({"kind": "pack_tjc", "site": "SITE"}, "kind"),
        ({"kind": "pack_mqsa", "site": "SITE", "period_end": "2026-01-01"}, "period_end"),
        ({"kind": "pack_mqsa", "site": "SITE", "period_start": "2026-13-01"}, "period_start"),
    ],
)
def test_bad_pack_requests_answer_400_with_the_field(
    api, manager, site_a, site_b, ct, extra, field
):
    api.force_authenticate(manager)
    ids = {"SITE": site_a.pk, "CT": ct.pk, "OTHER": site_b.pk}
    payload = {"period_start": "2026-02-01", "period_end": "2026-03-31"}
    payload.update({k: ids.get(v, v) for k, v in extra.items()})
    response = api.post("/api/v1/logs/", payload, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not RegulatoryLog.objects.exists()


# --- queries -------------------------------------------------------------------------------


def _queries(kind, site, actor) -> int:
    with CaptureQueriesContext(connection) as queries:
        snapshot_of(kind, site, actor)
    return len(queries)


def _units(manager, physicist, zoe, site, procedures, tags):
    for tag in tags:
        unit, schedules = mammography_unit(manager, site, procedures, tag)
        unit.high_risk = True
        unit.save()
        perform(schedules["phantom"], zoe, "5", days_ago=3)
        survey(schedules["survey"], physicist, days_ago=30, received_days_ago=20)
        open_work_order(actor=manager, equipment=unit, problem="Noise", now=NOW, priority="low")


@pytest.mark.parametrize("kind", PACK_KINDS)
def test_a_packs_snapshot_reads_in_the_same_queries_for_two_or_six_units(
    kind, manager, physicist, zoe, site_a, mammo_procedures, ct_course
):
    train(physicist, site_a, ct_course, zoe, held_on=date(2026, 2, 10))
    _units(manager, physicist, zoe, site_a, mammo_procedures, ["MG-A", "MG-B"])
    snapshot_of(kind, site_a, manager)  # warm the content-type cache
    two = _queries(kind, site_a, manager)
    _units(manager, physicist, zoe, site_a, mammo_procedures, ["MG-C", "MG-D", "MG-E", "MG-F"])
    if kind == LogKind.PACK_MQSA:
        pack = _sections(snapshot_of(kind, site_a, manager))
        assert len(pack["equipment_logs"]["logs"]) == 6
        assert len(pack["surveys"]["records"]) == 6
    assert _queries(kind, site_a, manager) == two


@pytest.mark.parametrize(
    "kind", [LogKind.PACK_MQSA, LogKind.PACK_JOINT_COMMISSION, LogKind.PACK_STATE_XRAY]
)
def test_a_large_pack_is_made_by_the_task(settings, kind, manager, site_a, mammo):
    """GIVEN a pack whose count (the unit's three records in the period) passes the threshold."""
    settings.LOG_ASYNC_ENTRIES = 1
    log = request_log(
        actor=manager, kind=kind, subject=site_a, period=PERIOD, now=NOW, queue=lambda pk: None
    )
    assert log.state == LogState.GENERATING and log.entries > 1
    made = complete_log(log_id=log.pk, now=NOW + timedelta(minutes=1))
    assert (
        made.state == LogState.DRAFT
        and made.file_sha256
        and made.entries == (pack_entries(made.snapshot))
    )
