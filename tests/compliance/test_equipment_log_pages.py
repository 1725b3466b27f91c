"""The equipment log's pages: issued by POST from the equipment page for a period, downloaded
again byte for byte, scoped to the person's sites, and checked by its code without signing in."""

import hashlib

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance.models import RegulatoryLog
from equipment.services.work_orders import open_work_order
from imaging_ops.models import AuditEvent
from imaging_ops.vocabulary import Role
from tests.compliance.logs_support import record
from tests.equipment.conftest import NOW

pytestmark = pytest.mark.django_db

PERIOD = {"from": "2026-02-01", "to": "2026-03-31"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # the verification page's rate limit counts in the cache


def _issue(client, user, equipment, **data):
    client.force_login(user)
    return client.post(f"/compliance/logs/equipment/{equipment.pk}/", data or PERIOD)


def _download(client, user, equipment):
    response = _issue(client, user, equipment)
    assert response.status_code == 302, response.content
    log = RegulatoryLog.objects.latest("pk")
    assert response["Location"] == f"/compliance/logs/{log.pk}/"
    return client.get(f"/compliance/logs/{log.pk}/file/")


def test_the_equipment_page_offers_the_log(client, manager, ct):
    client.force_login(manager)
    page = client.get(f"/equipment/{ct.pk}/").content.decode()
    assert f'action="/compliance/logs/equipment/{ct.pk}/"' in page and 'name="from"' in page
    form = page[page.index('id="equipment-log"') :]
    assert 'method="post"' in form and "csrfmiddlewaretoken" in form


def test_the_form_page_shows_the_form_and_issues_nothing(client, manager, ct):
    client.force_login(manager)
    page = client.get(f"/compliance/logs/equipment/{ct.pk}/", PERIOD)
    assert page.status_code == 200 and 'method="post"' in page.content.decode()
    assert not RegulatoryLog.objects.exists()


@pytest.mark.req("11.10(b)")
def test_a_log_is_issued_stored_and_downloaded_again_byte_for_byte(client, manager, zoe, daily, ct):
    record(daily, zoe, days_ago=1)
    response = _download(client, manager, ct)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    log = RegulatoryLog.objects.get()
    assert log.equipment == ct and log.entries == 1 and log.state == "draft"
    assert log.file_sha256 == hashlib.sha256(pdf).hexdigest() == log.draft_file_sha256
    assert log.code in response["Content-Disposition"]
    again = client.get(f"/compliance/logs/{log.pk}/file/")
    assert again.content == pdf
    downloads = AuditEvent.objects.filter(action="export", object_id=str(log.pk))
    assert downloads.count() == 2


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"from": "2026-03-31", "to": "2026-02-01"}, "to", "end on or after"),
        ({"from": "yesterday", "to": "2026-02-01"}, "from_", "valid date"),
        ({"to": "2026-02-01"}, "from_", "required"),
        ({"from": "2010-01-01", "to": "2026-02-01"}, "to", "ten years"),
    ],
)
def test_a_bad_period_is_a_field_error_and_issues_nothing(
    client, manager, ct, query, field, message
):
    response = _issue(client, manager, ct, **query)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not RegulatoryLog.objects.exists()


def test_another_sites_equipment_and_logs_are_not_found(client, person, manager, site_b, ct):
    _issue(client, manager, ct)
    log = RegulatoryLog.objects.get()
    outsider = person(Role.MANAGER, site_b, username="bmgr")
    assert _issue(client, outsider, ct).status_code == 404
    assert client.get(f"/compliance/logs/{log.pk}/file/").status_code == 404
    assert RegulatoryLog.objects.count() == 1


def test_signing_in_is_required_to_issue_a_log(client, ct):
    response = client.post(f"/compliance/logs/equipment/{ct.pk}/", PERIOD)
    assert response.status_code == 302 and "/login" in response["Location"]
    assert not RegulatoryLog.objects.exists()


def test_the_verification_page_shows_what_the_log_covered_without_signing_in(
    client, manager, zoe, daily, ct
):
    record(daily, zoe, days_ago=1)
    pdf = _download(client, manager, ct).content
    log = RegulatoryLog.objects.get()
    client.logout()
    page = client.get(f"/verify/{log.code.lower()}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "ALPHA-CT1" in text and "2026-02-01 to 2026-03-31" in text
    assert log.snapshot_sha256 in text and log.file_sha256 in text
    assert "Zoë" not in text  # who performed the work stays behind the sign-in
    same = client.post(f"/verify/{log.code}/", {"file": SimpleUploadedFile("log.pdf", pdf)})
    assert same.context["matches"] is True
    changed = pdf.replace(b"ALPHA-CT1", b"ALPHA-CT2", 1)
    other = client.post(f"/verify/{log.code}/", {"file": SimpleUploadedFile("log.pdf", changed)})
    assert other.context["matches"] is False
    assert client.post(f"/verify/{log.code}/").status_code == 400


def test_an_unknown_code_is_not_found(client, db):
    assert client.get("/verify/EL-0000-0000-0000/").status_code == 404


def _issue_queries(client, manager, ct) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert _issue(client, manager, ct).status_code == 302
    return len(queries)


def test_issuing_a_log_runs_the_same_number_of_queries_for_few_or_many_records(
    client, manager, zoe, daily, ct
):
    record(daily, zoe, days_ago=1)
    open_work_order(actor=manager, equipment=ct, problem="Couch squeak", now=NOW, priority="low")
    _issue_queries(client, manager, ct)  # warm up
    few = _issue_queries(client, manager, ct)
    for days_ago in range(2, 14):
        record(daily, zoe, days_ago=days_ago)
    assert _issue_queries(client, manager, ct) == few


def test_the_verification_page_is_rate_limited_per_address(client, settings, db):
    settings.RATE_LIMIT_VERIFY_PER_MINUTE = 2
    assert client.get("/verify/EL-0000-0000-0000/").status_code == 404
    assert client.get("/verify/EL-0000-0000-0001/").status_code == 404
    refused = client.get("/verify/EL-0000-0000-0002/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    cache.clear()


def test_an_inspector_downloads_their_sites_log(client, inspector, zoe, daily, ct):
    record(daily, zoe, days_ago=1)
    response = _download(client, inspector, ct)
    assert response.status_code == 200
    assert RegulatoryLog.objects.get().requested_by == inspector
