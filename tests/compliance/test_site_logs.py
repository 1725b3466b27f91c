"""The logs of a site: the training log, the radioactive materials log and the site QC
summary. Their snapshots (what they hold, in a constant number of queries), their PDFs as an
inspector reads them, issued from the site's logs page and the API, approved by whom the
matrix allows, signed and verifiable as the equipment log is."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance.models import LogKind, LogState, RegulatoryLog
from compliance.selectors.dashboard import (
    action_failures,
    compliance_by_site,
    open_work_orders_by_priority,
)
from compliance.selectors.site_qc_log import site_qc_scope
from compliance.services.logs import complete_log, request_log
from equipment.services.work_orders import open_work_order
from imaging_ops.vocabulary import Role
from tests import factories
from tests.compliance.logs_support import PERIOD, record
from tests.compliance.signed_logs import approve, pdf_text, pdfsig, stored
from tests.compliance.site_logs_support import issue, past_training, perform, snapshot_of, train
from tests.equipment.conftest import NOW

pytestmark = pytest.mark.django_db

ACTION = {"confirm_action": True, "comments": "Tube current ± 12 %: service called."}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _queries(kind, site, actor) -> int:
    with CaptureQueriesContext(connection) as queries:
        snapshot_of(kind, site, actor)
    return len(queries)


# --- Training log ------------------------------------------------------------------------------


def test_the_training_log_holds_the_periods_records_with_instructor_expiry_and_signature(
    manager, physicist, zoe, oyvind, site_a, ct_course
):
    train(physicist, site_a, ct_course, zoe, held_on=date(2026, 2, 10), score="92.5")
    past_training(
        manager,
        site_a,
        ct_course,
        oyvind,
        completed_on=date(2024, 6, 1),
        instructor_name="Dr. R. Outside",
    )
    log = snapshot_of(LogKind.TRAINING, site_a, manager)
    (entry,) = log["records"]  # the 2024 record is before the period
    assert entry["person"] == "Zoë Ångström, RT(R)(CT)"
    assert entry["course"] == "CT-DOSE CT dose optimisation"
    assert (entry["completed_on"], entry["expires_on"]) == ("2026-02-10", "2027-02-10")
    assert entry["instructor"] == physicist.display_name
    assert entry["result"] == "Passed, score 92.5"
    (signature,) = entry["signatures"]
    assert signature["name"] == physicist.full_name and signature["meaning"] == "Performed"
    standing = {(s["person"], s["status"]) for s in log["standing"]}
    assert standing == {
        ("Zoë Ångström, RT(R)(CT)", "Current"),
        ("Øyvind Çelik, RT(R)", "Expired 2025-06-01"),
    }


def test_an_outside_instructor_is_printed_by_name(manager, oyvind, site_a, ct_course):
    past_training(
        manager,
        site_a,
        ct_course,
        oyvind,
        completed_on=date(2026, 2, 3),
        instructor_name="Dr. R. Outside",
    )
    (entry,) = snapshot_of(LogKind.TRAINING, site_a, manager)["records"]
    assert entry["instructor"] == "Dr. R. Outside (outside instructor)" and entry["imported"]
    assert entry["signatures"][0]["meaning"] == "Reviewed"


def test_the_training_snapshot_reads_in_the_same_queries_for_few_or_many_records(
    manager, physicist, zoe, oyvind, site_a, ct_course
):
    train(physicist, site_a, ct_course, zoe, held_on=date(2026, 2, 10))
    snapshot_of(LogKind.TRAINING, site_a, manager)  # warm the content-type cache
    few = _queries(LogKind.TRAINING, site_a, manager)
    for day in range(11, 20):
        train(physicist, site_a, ct_course, zoe, oyvind, held_on=date(2026, 2, day))
    assert len(snapshot_of(LogKind.TRAINING, site_a, manager)["records"]) == 19
    assert _queries(LogKind.TRAINING, site_a, manager) == few


@pytest.mark.needs_poppler
def test_the_training_log_pdf_prints_people_courses_instructors_and_expiry(
    tmp_path, manager, physicist, zoe, site_a, ct_course
):
    physicist.full_name = "Ida Lund"
    physicist.save()
    train(physicist, site_a, ct_course, zoe, held_on=date(2026, 2, 10))
    log = issue(manager, LogKind.TRAINING, site_a)
    text = pdf_text(stored(log), tmp_path)
    assert "Training log" in text and "Alpha General (ALPHA)" in text
    assert "Zoë Ångström" in text and "CT dose optimisation" in text
    assert "2027-02-10" in text and "Ida Lund" in text
    assert "Page 1 of" in text and log.code in text and "DRAFT" in text
    assert log.entries == 1 and log.equipment is None and log.scope_label == "Alpha General (ALPHA)"


# --- Radioactive materials log -----------------------------------------------------------------


def test_the_radioactive_materials_log_holds_the_inventory_and_the_periods_tests(
    manager, rso, zoe, site_a, source, leak_schedule, survey_schedule, daily
):
    perform(leak_schedule, rso, "12", days_ago=3)
    perform(survey_schedule, rso, "0.8", days_ago=2)
    record(daily, zoe, days_ago=1)  # a CT's QC is not in this log
    log = snapshot_of(LogKind.RADIOACTIVE_MATERIALS, site_a, manager)
    (inventory,) = log["sources"]
    assert inventory["radionuclide"] == "Cs-137" and inventory["secured"]
    assert inventory["reference"].startswith("200 µCi")
    assert inventory["reference_date"] == "2024-01-15"
    # 779 days of Cs-137's 30-year half-life, to Alpha's today at NOW: 95.2 % left.
    assert inventory["activity"] == "7.05 MBq (190.4 µCi)"
    assert inventory["activity_on"] == "2026-03-04"
    assert inventory["location"] == "Nuclear Medicine / Hot lab"
    sections = {s["key"]: s["records"] for s in log["sections"]}
    (leak,) = sections["leak_tests"]
    assert leak["equipment"] == "SRC-1 Cs-137 vial source" and leak["results"][0]["value"] == "12"
    assert leak["signatures"][0]["name"] == rso.full_name
    (survey,) = sections["area_surveys"]
    assert survey["results"][0]["unit"] == "µSv/h"
    assert sections["calibrations"] == []


def test_the_radioactive_snapshot_reads_in_the_same_queries_for_few_or_many_records(
    manager, rso, site_a, source, leak_schedule, survey_schedule
):
    perform(leak_schedule, rso, "12", days_ago=3)
    snapshot_of(LogKind.RADIOACTIVE_MATERIALS, site_a, manager)
    few = _queries(LogKind.RADIOACTIVE_MATERIALS, site_a, manager)
    for days_ago in range(4, 12):
        perform(leak_schedule, rso, "10", days_ago=days_ago)
        perform(survey_schedule, rso, "1.1", days_ago=days_ago)
    assert _queries(LogKind.RADIOACTIVE_MATERIALS, site_a, manager) == few


@pytest.mark.needs_poppler
def test_the_rso_approves_the_radioactive_materials_log_and_pdfsig_finds_it_valid(
    tmp_path, rso, site_a, source, leak_schedule
):
    perform(leak_schedule, rso, "12", days_ago=3)
    log = issue(rso, LogKind.RADIOACTIVE_MATERIALS, site_a)
    text = pdf_text(stored(log), tmp_path)
    assert "Sealed-source inventory" in text and "Cs-137" in text and "µCi" in text
    assert "Leak tests" in text and "secured storage" in text
    approved = approve(log, rso)
    assert approved.state == LogState.APPROVED and approved.approved_by == rso
    assert "Signature is Valid" in pdfsig(stored(approved), tmp_path)
    assert "Electronically signed" in pdf_text(stored(approved), tmp_path)


# --- Site QC summary ---------------------------------------------------------------------------


def test_the_site_qc_summary_equals_the_dashboards_figures(manager, zoe, site_a, daily, ct):
    record(daily, zoe, days_ago=3)
    record(daily, zoe, days_ago=2, ma="112", content=ACTION)
    open_work_order(actor=manager, equipment=ct, problem="Couch squeak", now=NOW, priority="low")
    log = snapshot_of(LogKind.SITE_QC_SUMMARY, site_a, manager)
    (row,) = [r for r in log["equipment"] if r["id"] == ct.pk]
    scope_ = site_qc_scope(site=site_a, period=PERIOD, now=NOW, actor=manager)
    (by_site,) = compliance_by_site(scope_)
    assert (row["schedules"], row["overdue"]) == (by_site.total, by_site.overdue)
    assert row["failures"] == sum(f.failures for f in action_failures(scope_)) == 1
    assert row["open_work_orders"] == sum(w.total for w in open_work_orders_by_priority(scope_))
    assert row["open_work_orders"] == 1
    assert row["completions"] == 2 and row["on_time_share"].endswith(f"of {row['completions']})")


@pytest.mark.needs_poppler
def test_the_site_qc_summary_pdf_prints_each_machine_and_its_figures(
    tmp_path, manager, physicist, zoe, site_a, daily, ct
):
    ct.name = "Tomógrafo Ångström ±"
    ct.save()
    record(daily, zoe, days_ago=3)
    record(daily, zoe, days_ago=2, ma="112", content=ACTION)
    log = issue(manager, LogKind.SITE_QC_SUMMARY, site_a)
    text = pdf_text(stored(log), tmp_path)
    assert "Site QC summary" in text and "ALPHA-CT1 Tomógrafo Ångström ±" in text
    assert "All equipment" in text and "On-time share" in text
    approved = approve(log, physicist)
    assert approved.state == LogState.APPROVED
    assert "Signature is Valid" in pdfsig(stored(approved), tmp_path)


def test_the_site_qc_snapshot_reads_in_the_same_queries_for_few_or_much_equipment(
    manager, zoe, site_a, daily, ct
):
    record(daily, zoe, days_ago=2)
    snapshot_of(LogKind.SITE_QC_SUMMARY, site_a, manager)
    few = _queries(LogKind.SITE_QC_SUMMARY, site_a, manager)
    for n in range(6):
        machine = factories.EquipmentFactory(site=site_a, asset_tag=f"CT-{n}")
        open_work_order(actor=manager, equipment=machine, problem="Noise", now=NOW, priority="low")
    assert len(snapshot_of(LogKind.SITE_QC_SUMMARY, site_a, manager)["equipment"]) == 7
    assert _queries(LogKind.SITE_QC_SUMMARY, site_a, manager) == few


# --- Issuing and approving ---------------------------------------------------------------------


def test_a_site_log_is_issued_from_the_sites_logs_page(client, manager, zoe, site_a, daily):
    record(daily, zoe, days_ago=2)
    client.force_login(manager)
    page = client.get("/compliance/sites/ALPHA/logs/")
    assert page.status_code == 200 and b'name="kind"' in page.content
    assert b"Radioactive materials log" in page.content
    response = client.post(
        "/compliance/sites/ALPHA/logs/issue/",
        {"kind": "site_qc_summary", "from": "2026-02-01", "to": "2026-03-31"},
    )
    log = RegulatoryLog.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/compliance/logs/{log.pk}/"
    assert log.kind == LogKind.SITE_QC_SUMMARY and log.site == site_a and log.state == "draft"
    detail = client.get(f"/compliance/logs/{log.pk}/")
    assert b"Site QC summary" in detail.content
    verify = client.get(f"/verify/{log.code}/")
    assert verify.status_code == 200 and b"Site QC summary" in verify.content


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "equipment", "from": "2026-02-01", "to": "2026-03-31"}, "kind"),
        ({"kind": "training", "from": "2026-03-31", "to": "2026-02-01"}, "to"),
        ({"kind": "training", "from": "2026-02-01"}, "to"),
    ],
)
def test_bad_input_on_the_site_log_form_answers_400_and_stores_nothing(
    client, manager, site_a, data, field
):
    client.force_login(manager)
    response = client.post("/compliance/sites/ALPHA/logs/issue/", data)
    assert response.status_code == 400 and field in response.context["form"].errors
    assert not RegulatoryLog.objects.exists()


def test_another_sites_logs_page_is_404(client, person, site_a, site_b):
    client.force_login(person(Role.MANAGER, site_b, username="bea"))
    response = client.post(
        "/compliance/sites/ALPHA/logs/issue/",
        {"kind": "training", "from": "2026-02-01", "to": "2026-03-31"},
    )
    assert response.status_code == 404 and not RegulatoryLog.objects.exists()


def test_the_api_issues_a_site_log_by_kind_and_site(api, manager, site_a):
    api.force_authenticate(manager)
    response = api.post(
        "/api/v1/logs/",
        {
            "kind": "training",
            "site": site_a.pk,
            "period_start": "2026-02-01",
            "period_end": "2026-03-31",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "training" and body["site"] == site_a.pk and body["equipment"] is None


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"kind": "training"}, "site"),
        ({"kind": "training", "site": "SITE", "equipment": "CT"}, "equipment"),
        ({"kind": "equipment", "site": "SITE"}, "equipment"),
        ({"kind": "radioactive_materials", "site": 999999}, "site"),
        ({"kind": "inspection_pack", "site": "SITE"}, "kind"),
    ],
)
def test_bad_site_log_requests_answer_400_with_the_field(api, manager, site_a, ct, extra, field):
    api.force_authenticate(manager)
    ids = {"SITE": site_a.pk, "CT": ct.pk}
    payload = {"period_start": "2026-02-01", "period_end": "2026-03-31"}
    payload.update({k: ids.get(v, v) for k, v in extra.items()})
    response = api.post("/api/v1/logs/", payload, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not RegulatoryLog.objects.exists()


@pytest.mark.parametrize(
    ("kind", "allowed"),
    [
        (LogKind.TRAINING, {"manager"}),
        (LogKind.RADIOACTIVE_MATERIALS, {"manager", "rso"}),
        (LogKind.SITE_QC_SUMMARY, {"manager", "physicist"}),
    ],
)
def test_who_approves_each_kind_of_site_log(
    kind, allowed, manager, physicist, rso, tech, inspector, site_a
):
    people = {
        "manager": manager,
        "physicist": physicist,
        "rso": rso,
        "tech": tech,
        "inspector": inspector,
    }
    for name, signer in people.items():
        log = issue(manager, kind, site_a)
        if name in allowed:
            assert approve(log, signer).state == LogState.APPROVED
        else:
            with pytest.raises(PermissionDenied):
                approve(log, signer)


def test_a_large_site_log_is_made_by_the_task(settings, manager, physicist, zoe, site_a, ct_course):
    settings.LOG_ASYNC_ENTRIES = 1
    train(physicist, site_a, ct_course, zoe, held_on=date(2026, 2, 10))
    train(physicist, site_a, ct_course, zoe, held_on=date(2026, 2, 11))
    queued = []
    log = request_log(
        actor=manager,
        kind=LogKind.TRAINING,
        subject=site_a,
        period=PERIOD,
        now=NOW,
        queue=queued.append,
    )
    assert log.state == LogState.GENERATING and log.entries == 2
    made = complete_log(log_id=log.pk, now=NOW + timedelta(minutes=1))
    assert made.state == LogState.DRAFT and made.entries == 2 and made.file_sha256


def _issue_queries(client, kind) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/compliance/sites/ALPHA/logs/issue/",
            {"kind": kind, "from": "2026-02-01", "to": "2026-03-31"},
        )
    assert response.status_code == 302
    return len(queries)


def test_issuing_from_the_page_runs_the_same_queries_for_few_or_many_entries(
    client, manager, physicist, zoe, oyvind, site_a, ct_course, rso, leak_schedule
):
    client.force_login(manager)
    train(physicist, site_a, ct_course, zoe, held_on=date(2026, 2, 10))
    perform(leak_schedule, rso, "12", days_ago=3)
    _issue_queries(client, "training")  # warm up
    few = {kind: _issue_queries(client, kind) for kind in ("training", "radioactive_materials")}
    for day in range(11, 16):
        train(physicist, site_a, ct_course, zoe, oyvind, held_on=date(2026, 2, day))
        perform(leak_schedule, rso, "10", days_ago=day - 6)
    many = {kind: _issue_queries(client, kind) for kind in ("training", "radioactive_materials")}
    assert many == few


def test_an_approved_site_log_verifies_byte_for_byte_on_the_public_page(
    client, manager, rso, site_a, source, leak_schedule
):
    perform(leak_schedule, rso, "12", days_ago=3)
    log = approve(issue(manager, LogKind.RADIOACTIVE_MATERIALS, site_a), rso)
    upload = SimpleUploadedFile("log.pdf", stored(log), content_type="application/pdf")
    page = client.post(f"/verify/{log.code}/", {"file": upload})
    assert page.status_code == 200 and page.context["matches"]
    assert page.context["matched_file"] == "the approved log"
    assert "Radioactive materials log" in page.text and "Alpha General (ALPHA)" in page.text
