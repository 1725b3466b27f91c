"""Approving a log: on its page, with the approver's password (meaning "approved"), by a
manager or a physicist of its site and nobody else; the approved PDF prints the signature's
manifestation where the draft printed its mark, from the same snapshot."""

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance.models import LogState, RegulatoryLog
from compliance.selectors.logs import snapshot_sha256
from imaging_ops.errors import Conflict
from imaging_ops.models import AuditEvent, Meaning
from imaging_ops.vocabulary import Role
from tests.compliance.logs_support import record
from tests.compliance.signed_logs import approve, issue, pdf_text, stored
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


@pytest.fixture
def log(manager, zoe, daily, ct):
    record(daily, zoe, days_ago=1)
    return issue(manager, ct)


def _approve_page(client, user, log, **data):
    client.force_login(user)
    form = {"meaning": "approved", "password": PASSWORD, "acknowledge_policy": "on", **data}
    form.setdefault("username", user.username)
    return client.post(f"/compliance/logs/{log.pk}/approve/", form)


def test_the_logs_page_shows_its_facts_and_offers_approval_to_an_approver(client, physicist, log):
    client.force_login(physicist)
    page = client.get(f"/compliance/logs/{log.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    for fact in (log.code, log.snapshot_sha256, log.file_sha256, "ALPHA-CT1", "2026-02-01"):
        assert fact in text
    assert "Draft (not approved)" in text and f'action="/compliance/logs/{log.pk}/approve/"' in text
    assert f'href="/compliance/logs/{log.pk}/file/"' in text


@pytest.mark.req("11.10(g)")
@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.INSPECTOR, Role.RSO])
def test_who_may_not_approve_sees_no_dialog_and_is_refused(client, person, site_a, log, role):
    user = person(role, site_a, username=f"no-{role}")
    client.force_login(user)
    page = client.get(f"/compliance/logs/{log.pk}/").content.decode()
    assert f'action="/compliance/logs/{log.pk}/approve/"' not in page
    assert client.get(f"/compliance/logs/{log.pk}/approve/").status_code == 403
    assert _approve_page(client, user, log).status_code == 403
    log.refresh_from_db()
    assert log.state == LogState.DRAFT and not log.signatures.exists()


def test_the_rso_is_refused_by_the_service_too(rso, log):
    with pytest.raises(PermissionDenied, match="radioactive-materials logs"):
        approve(log, rso)


@pytest.mark.req("11.10(d)")
def test_another_sites_log_is_not_found(client, person, site_b, log):
    outsider = person(Role.MANAGER, site_b, username="bmgr")
    client.force_login(outsider)
    assert client.get(f"/compliance/logs/{log.pk}/").status_code == 404
    assert client.get(f"/compliance/logs/{log.pk}/file/").status_code == 404
    assert _approve_page(client, outsider, log).status_code == 404
    assert RegulatoryLog.objects.get().state == LogState.DRAFT


@pytest.mark.req("11.50", "11.70")
@pytest.mark.needs_poppler
def test_a_physicist_approves_and_the_pdf_carries_the_manifestation(
    client, tmp_path, physicist, log
):
    draft = stored(log)
    assert "DRAFT" in pdf_text(draft, tmp_path)
    response = _approve_page(client, physicist, log)
    assert response.status_code == 302 and response["Location"] == f"/compliance/logs/{log.pk}/"
    log.refresh_from_db()
    assert log.state == LogState.APPROVED and log.approved_by == physicist
    signature = log.signatures.get()
    assert signature.meaning == Meaning.APPROVED and signature.object_id == log.pk
    pdf = client.get(f"/compliance/logs/{log.pk}/file/").content
    assert pdf == stored(log) and pdf != draft
    text = pdf_text(pdf, tmp_path)
    assert "DRAFT" not in text
    assert "Electronically signed:" in text and "Approved" in text
    assert physicist.display_name.split(",")[0] in text and "EST (UTC" in text
    page = client.get(f"/compliance/logs/{log.pk}/").content.decode()
    assert "Approved" in page and log.draft_file_sha256 in page
    assert f'action="/compliance/logs/{log.pk}/approve/"' not in page
    assert AuditEvent.objects.filter(action="sign", object_id=str(log.pk)).exists()


def test_the_snapshot_hash_is_stable_across_approval(manager, log):
    before = log.snapshot_sha256
    approved = approve(log, manager)
    approved.refresh_from_db()
    assert approved.snapshot_sha256 == before == snapshot_sha256(approved.snapshot)


@pytest.mark.req("11.300")
def test_a_wrong_password_approves_nothing_and_says_so(client, manager, log):
    response = _approve_page(client, manager, log, password="wrong")
    assert response.status_code == 400
    assert "not correct" in " ".join(response.context["form"].errors["password"])
    log.refresh_from_db()
    assert log.state == LogState.DRAFT and not log.signatures.exists()


@pytest.mark.req("11.200(a)")
def test_the_api_style_checks_of_the_signature_are_field_errors(manager, log):
    with pytest.raises(ValidationError) as refused:
        approve(log, manager, meaning=Meaning.REVIEWED)
    assert "meaning" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        approve(log, manager, username="")
    assert "username" in refused.value.message_dict


def test_an_approved_log_is_not_approved_twice(client, manager, physicist, log):
    approve(log, manager)
    with pytest.raises(Conflict, match="already approved"):
        approve(RegulatoryLog.objects.get(), physicist)
    assert _approve_page(client, physicist, log).status_code == 409
    assert log.signatures.count() == 1


def test_a_log_issued_without_its_snapshot_cannot_be_approved(manager, log):
    log.snapshot = {}  # as a log issued before snapshots were kept reads
    with pytest.raises(Conflict, match="issue a new log"):
        approve(log, manager)


def test_the_verification_page_recognises_both_files(client, manager, log):
    draft = stored(log)
    approved = stored(approve(log, manager))
    client.logout()
    page = client.get(f"/verify/{log.code}/").content.decode()
    assert log.draft_file_sha256 in page and manager.display_name.split(",")[0] in page
    for pdf, which in ((draft, "the draft as issued"), (approved, "the approved log")):
        answer = client.post(f"/verify/{log.code}/", {"file": SimpleUploadedFile("l.pdf", pdf)})
        assert answer.context["matches"] is True and which in answer.content.decode()


def test_the_logs_page_runs_the_same_queries_however_many_entries(client, manager, zoe, daily, ct):
    record(daily, zoe, days_ago=1)
    small = issue(manager, ct)
    for days_ago in range(2, 20):
        record(daily, zoe, days_ago=days_ago)
    large = issue(manager, ct)
    client.force_login(manager)
    client.get(f"/compliance/logs/{small.pk}/")  # warm up: the session, the content types
    counts = []
    for log_ in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/compliance/logs/{log_.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
