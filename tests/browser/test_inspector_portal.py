"""An inspector on a phone: signs in, finds a CT scanner by its asset tag on their home, opens
it, issues its equipment log, downloads the PDF from the log's page, and checks the file: its
SHA-256 is the one issued, the public verification page says it is byte-identical,
`manage.py verify_log` finds it and its digital signature intact, and poppler's pdfsig says
the signature is valid. Each page read and the
download are audit events the site's managers can read."""

import hashlib
import io
import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from compliance.models import RegulatoryLog
from equipment.models import EquipmentStatus
from imaging_ops.audit.trail import AuditAction
from imaging_ops.models import AuditEvent
from tests import factories
from tests.compliance.signed_logs import pdfsig


def _verify_log(path: Path) -> str:
    out = io.StringIO()
    call_command("verify_log", str(path), stdout=out)
    return out.getvalue()


def _outside_the_browsers_loop(func):
    """Run `func` in a thread of its own: Playwright's sync API keeps an asyncio loop running
    in the test's thread, and pyHanko's validation starts one (asyncio.run). The thread uses
    the test's database connection, as the live server's thread does."""
    connection = connections["default"]
    outcome = {}

    def run():
        connections["default"] = connection
        try:
            outcome["value"] = func()
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error

    connection.inc_thread_sharing()
    try:
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
    finally:
        connection.dec_thread_sharing()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.fixture
def scanners(site_a, site_b):
    ct = factories.EquipmentFactory(
        site=site_a,
        asset_tag="ALPHA-CT7",
        name="Emergency CT",
        serial_number="CT-99120",
        status=EquipmentStatus.IN_SERVICE,
    )
    factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-MR1", name="MR", modalities=["MR"])
    factories.EquipmentFactory(site=site_b, asset_tag="BETA-CT7", name="Beta CT")
    return ct


@pytest.mark.needs_browser
@pytest.mark.needs_poppler
@pytest.mark.req("11.10(b)")
def test_an_inspector_finds_a_ct_downloads_its_log_and_the_file_verifies(
    phone_page, live_server, sign_in, settings, tmp_path, site_a, inspector, scanners
):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # the verification page's rate limit counts in the cache
    page, url = phone_page, live_server.url

    sign_in(page, inspector)
    expect(page.get_by_role("heading", level=1)).to_have_text("Inspector access")
    expect(page.locator("#your-sites")).to_contain_text("Access until")
    page.get_by_role("searchbox", name="Find equipment").fill("alpha-ct7")
    page.get_by_role("button", name="Search").click()
    results = page.locator("#search-results")
    expect(results).to_contain_text("ALPHA-CT7 — Emergency CT")
    expect(results).not_to_contain_text("BETA-CT7")
    expect(results).not_to_contain_text("ALPHA-MR1")
    results.get_by_role("link", name=re.compile("ALPHA-CT7")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("ALPHA-CT7 — Emergency CT")
    expect(page.locator("#change-status")).to_have_count(0)  # read-only to an inspector
    expect(page.locator("#report-fault")).to_have_count(0)
    today = site_a.today(timezone.now())
    page.locator("#log-from").fill((today - timedelta(days=90)).isoformat())
    page.locator("#log-to").fill(today.isoformat())
    page.get_by_role("button", name="Issue the log (PDF)").click()
    page.wait_for_url(re.compile(r"/compliance/logs/\d+/$"))
    log = RegulatoryLog.objects.get()
    expect(page.locator("body")).to_contain_text(log.code)

    with page.expect_download() as download_info:
        page.locator("#log-download").click()
    downloaded = Path(download_info.value.path())
    pdf = downloaded.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == log.file_sha256 == log.draft_file_sha256

    page.goto(f"{url}/verify/{log.code}/")
    page.set_input_files("#id_file", str(downloaded))
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("#file-matches")).to_contain_text("byte-identical")

    report = _outside_the_browsers_loop(lambda: _verify_log(downloaded))
    assert f"Match:   byte-identical to the draft as issued ({log.code})" in report
    assert re.search(r"Signature \S+: intact", report)
    assert "Signature is Valid" in pdfsig(pdf, tmp_path)  # poppler, without trusting us

    events = AuditEvent.objects.filter(actor=inspector).order_by("seq")
    actions = list(events.values_list("action", "object_type"))
    assert (AuditAction.VIEW, "equipment.equipment") in actions
    assert (AuditAction.VIEW, "compliance.regulatorylog") in actions
    assert (AuditAction.EXPORT, "compliance.regulatorylog") in actions
