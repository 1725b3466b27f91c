"""The equipment log's PDF: the names and units as typed, every page numbered and stamped with
the verification code, tables whose header repeats across pages, and the hashes at the end."""

import copy
import subprocess

import pytest

from compliance.documents.equipment_log import LogStamp, build_equipment_log_pdf
from compliance.selectors.logs import snapshot_sha256
from tests.compliance.logs_support import record, snapshot

pytestmark = pytest.mark.django_db

ACTION = {"confirm_action": True, "comments": "Tube current ± 12 %: service called."}


def stamp(log, **changes) -> LogStamp:
    fields = {
        "generated_by": "Øyvind Çelik, MS, DABR",
        "generated_at": "2026-03-04 09:00 EST (UTC\u221205:00)",
        "code": "EL-7Q4M-X2PA-9KDW",
        "verify_url": "http://testserver/verify/EL-7Q4M-X2PA-9KDW/",
        "snapshot_sha256": snapshot_sha256(log),
        "chain_seq": 42,
        "chain_hash": "ab" * 32,
        **changes,
    }
    return LogStamp(**fields)


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "log.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(  # noqa: S603
        ["pdftotext", str(path), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def with_a_survey_in_microsievert(log: dict) -> dict:
    """The snapshot with one more result, as an area survey's would read: the builder is a pure
    function of the snapshot, so a unit the fixtures lack is added here."""
    log = copy.deepcopy(log)
    log["records"][0]["results"].append(
        {
            "check": "Dose rate at the control console",
            "citation": "10 CFR 20.1301",
            "value": "0.8",
            "unit": "µSv/h",
            "reference": "",
            "limits": "action limits at most 20 µSv/h",
            "result": "Pass",
        }
    )
    return log


@pytest.mark.needs_poppler
def test_the_log_prints_names_units_limits_and_the_hashes(zoe, daily, ct, tmp_path):
    record(daily, zoe, days_ago=2)
    record(daily, zoe, days_ago=1, ma="112", content=ACTION)
    log = with_a_survey_in_microsievert(snapshot(ct))
    pdf = build_equipment_log_pdf(log, stamp(log))
    (tmp_path.parent / "equipment-log-sample.pdf").write_bytes(pdf)
    text = pdf_text(pdf, tmp_path)
    assert "Zoë Ångström" in text and "Øyvind Çelik" in text
    assert "µSv/h" in text and "±" in text
    assert "tolerance 95 to 105; action limits 90 to 110 mA" in " ".join(text.split())
    assert "Page 1 of" in text
    assert "EL-7Q4M-X2PA-9KDW" in text
    assert snapshot_sha256(log) in text
    assert "sequence 42, hash " + "ab" * 32 in text
    assert "DRAFT" in text


@pytest.mark.needs_poppler
def test_a_long_log_numbers_every_page_and_repeats_the_table_header(zoe, daily, ct, tmp_path):
    record(daily, zoe, days_ago=1)
    log = snapshot(ct)
    log["records"] = log["records"] * 60
    text = pdf_text(build_equipment_log_pdf(log, stamp(log)), tmp_path)
    pages = text.split("\f")[:-1]
    total = len(pages)
    assert total > 2
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in page
        assert "EL-7Q4M-X2PA-9KDW" in page
    with_records = [page for page in pages if "Record #" in page]
    assert len(with_records) > 2
    assert all("Results against limits" in page for page in with_records)


def test_the_same_snapshot_and_stamp_give_the_same_bytes(zoe, daily, ct):
    record(daily, zoe, days_ago=1)
    log = snapshot(ct)
    assert build_equipment_log_pdf(log, stamp(log)) == build_equipment_log_pdf(log, stamp(log))


def test_the_font_is_embedded(zoe, daily, ct):
    record(daily, zoe, days_ago=1)
    log = snapshot(ct)
    pdf = build_equipment_log_pdf(log, stamp(log))
    assert b"DejaVuSans" in pdf and b"/FontFile2" in pdf


@pytest.mark.needs_poppler
def test_the_log_draws_each_numeric_checks_trend(zoe, daily, ct, tmp_path):
    record(daily, zoe, days_ago=2, ma="100")
    record(daily, zoe, days_ago=1, ma="112", content=ACTION)
    log = snapshot(ct)
    text = " ".join(pdf_text(build_equipment_log_pdf(log, stamp(log)), tmp_path).split())
    assert "Trends of numeric checks" in text
    assert "CT daily QC: Tube current (mA)" in text
    # A snapshot stored before logs printed trends renders without them.
    older = {k: v for k, v in log.items() if k != "trends"}
    older_text = pdf_text(build_equipment_log_pdf(older, stamp(older)), tmp_path)
    assert "Trends of numeric checks" not in older_text and "Tube current" in older_text
