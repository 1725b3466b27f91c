"""Approving a log of more entries than IMAGING_OPS_LOG_ASYNC_ENTRIES: the signature is checked
and recorded in the request (meaning "approved", the approver's password), the log shows that
its approved file is being made, the generation task renders and signs it and tells the
approver; meanwhile the download is the draft. A failure in the task keeps the approval and
leaves the log to be made again; a small log is still approved in the request."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance import tasks
from compliance.models import LogState, RegulatoryLog
from compliance.services import logs as log_services
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.models import Meaning, Notification, Signature
from imaging_ops.pdf_signing import check_pdf_signatures
from imaging_ops.records.signatures import manifestation
from tests.compliance.logs_support import record
from tests.compliance.signed_logs import issue, pdf_text, stored
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_threshold(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LOG_ASYNC_ENTRIES = 2
    cache.clear()


@pytest.fixture
def queued(monkeypatch):
    ids = []
    monkeypatch.setattr(log_services, "queue_log_work", ids.append)
    return ids


@pytest.fixture
def large(manager, zoe, daily, ct):
    """A draft of three entries, one more than are made at once."""
    for days_ago in (1, 2, 3):
        record(daily, zoe, days_ago=days_ago)
    log = issue(manager, ct)
    assert log.state == LogState.DRAFT and log.entries == 3
    return log


def _approve_on_the_page(client, user, log, capture, **changes):
    client.force_login(user)
    form = {
        "meaning": "approved",
        "username": user.username,
        "password": PASSWORD,
        "acknowledge_policy": "on",
        **changes,
    }
    with capture(execute=True):
        return client.post(f"/compliance/logs/{log.pk}/approve/", form)


def _signature(user, **changes) -> dict:
    return {
        "signature": {
            "meaning": "approved",
            "username": user.username,
            "password": PASSWORD,
            "acknowledge_policy": True,
            **changes,
        }
    }


def _approvals(log) -> list[Signature]:
    return list(
        Signature.objects.filter(object_id=log.pk, meaning=Meaning.APPROVED).select_related("site")
    )


@pytest.mark.needs_poppler
def test_the_signature_is_recorded_at_once_and_the_task_makes_the_approved_file(
    client, manager, large, queued, django_capture_on_commit_callbacks, tmp_path
):
    draft = stored(large)
    response = _approve_on_the_page(client, manager, large, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    log = RegulatoryLog.objects.get(pk=large.pk)
    assert log.state == LogState.APPROVING and log.progress == 0
    assert log.approved_by == manager and log.approved_at is not None
    [signature] = _approvals(log)
    assert signature.signer == manager and queued == [log.pk]
    # The page says so and refreshes itself; the download meanwhile is the draft, marked.
    page = client.get(f"/compliance/logs/{log.pk}/").content.decode()
    assert 'id="log-progress"' in page and 'http-equiv="refresh"' in page
    assert "Approved; the approved file is being made" in page
    assert f'action="/compliance/logs/{log.pk}/approve/"' not in page
    download = client.get(f"/compliance/logs/{log.pk}/file/")
    assert download.content == draft and download["X-Content-SHA256"] == log.draft_file_sha256
    assert "DRAFT" in pdf_text(draft, tmp_path)

    assert tasks.generate_log(log.pk) == LogState.APPROVED
    log.refresh_from_db()
    approved = stored(log)
    assert log.state == LogState.APPROVED and log.progress == 100 and approved != draft
    assert log.file_sha256 != log.draft_file_sha256 == large.draft_file_sha256
    [check] = check_pdf_signatures(approved)
    assert check.valid
    text = " ".join(pdf_text(approved, tmp_path).split())
    assert f"Electronically signed: {manifestation(signature)}" in text
    assert "DRAFT — NOT APPROVED" not in text
    notice = Notification.objects.get(user=manager)
    assert "approved log" in notice.title and notice.url == f"/compliance/logs/{log.pk}/"
    # A second run of the task changes nothing.
    assert tasks.generate_log(log.pk) == "skipped"
    log.refresh_from_db()
    assert stored(log) == approved and Notification.objects.filter(user=manager).count() == 1
    assert client.get(f"/compliance/logs/{log.pk}/file/").content == approved


def test_a_wrong_password_records_nothing_and_queues_nothing(
    client, manager, large, queued, django_capture_on_commit_callbacks
):
    response = _approve_on_the_page(
        client, manager, large, django_capture_on_commit_callbacks, password="wrong"
    )
    assert response.status_code == 400
    log = RegulatoryLog.objects.get(pk=large.pk)
    assert log.state == LogState.DRAFT and log.approved_by is None
    assert _approvals(log) == [] and queued == []


def test_the_api_answers_202_for_a_large_log_and_200_for_a_small_one(
    api, manager, large, zoe, daily, ct, queued, settings, django_capture_on_commit_callbacks
):
    api.force_authenticate(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/logs/{large.pk}/approve/", _signature(manager), format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["state"] == "approving" and body["progress"] == 0
    assert body["approved_by"] == manager.pk and body["sha256"] == body["draft_sha256"]
    assert queued == [large.pk] and len(_approvals(large)) == 1
    again = api.post(f"/api/v1/logs/{large.pk}/approve/", _signature(manager), format="json")
    assert again.status_code == 409
    # At the threshold the log is approved in the request, as before.
    settings.LOG_ASYNC_ENTRIES = 3
    small = issue(manager, ct)
    response = api.post(f"/api/v1/logs/{small.pk}/approve/", _signature(manager), format="json")
    assert response.status_code == 200 and response.json()["state"] == "approved"
    assert queued == [large.pk]


def test_a_failure_in_the_task_keeps_the_approval_and_the_file_is_made_again(
    client, api, manager, tech, large, queued, monkeypatch, django_capture_on_commit_callbacks
):
    _approve_on_the_page(client, manager, large, django_capture_on_commit_callbacks)

    def broken(*args, **kwargs):
        raise RuntimeError("the signing service is unreachable")

    with monkeypatch.context() as patched:
        patched.setattr(log_services, "signed_log_pdf", broken)
        with pytest.raises(RuntimeError):
            tasks.generate_log(large.pk)
    log = RegulatoryLog.objects.get(pk=large.pk)
    assert log.state == LogState.APPROVAL_FAILED and "unreachable" in log.failure
    assert log.approved_by == manager and len(_approvals(log)) == 1
    assert stored(log) == stored(large) and log.file_sha256 == log.draft_file_sha256
    assert "could not be made" in Notification.objects.get(user=manager).title
    page = client.get(f"/compliance/logs/{log.pk}/").content.decode()
    assert 'id="log-approval-failed"' in page
    assert f'action="/compliance/logs/{log.pk}/approved-file/"' in page
    # Approving again is refused: the approval stands; who may not approve cannot remake it.
    refused = _approve_on_the_page(client, manager, log, django_capture_on_commit_callbacks)
    assert refused.status_code == 409
    api.force_authenticate(tech)
    assert api.post(f"/api/v1/logs/{log.pk}/approved-file/").status_code == 403

    with django_capture_on_commit_callbacks(execute=True):
        remade = client.post(f"/compliance/logs/{log.pk}/approved-file/")
    assert remade.status_code == 302
    log.refresh_from_db()
    assert log.state == LogState.APPROVING and log.failure == "" and queued == [log.pk] * 2
    assert tasks.generate_log(log.pk) == LogState.APPROVED
    log.refresh_from_db()
    assert log.state == LogState.APPROVED and len(_approvals(log)) == 1
    assert check_pdf_signatures(stored(log))[0].valid
    api.force_authenticate(manager)
    assert api.post(f"/api/v1/logs/{log.pk}/approved-file/").status_code == 409


def test_the_task_refuses_a_log_that_no_longer_matches_its_signature(
    client, manager, large, queued, django_capture_on_commit_callbacks
):
    """GIVEN an approval recorded WHEN the row's snapshot hash has changed since THEN the task
    makes no approved file (better none than one the signature does not cover)."""
    _approve_on_the_page(client, manager, large, django_capture_on_commit_callbacks)
    log = RegulatoryLog.objects.get(pk=large.pk)
    with regulated_transaction(actor=manager):
        log.snapshot_sha256 = "0" * 64
        log.save()
    with pytest.raises(Exception, match="no longer matches"):
        tasks.generate_log(large.pk)
    log.refresh_from_db()
    assert log.state == LogState.APPROVAL_FAILED and stored(log) == stored(large)


def _approve_queries(api, manager, log) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.post(f"/api/v1/logs/{log.pk}/approve/", _signature(manager), format="json")
    assert response.status_code == 202
    return len(queries)


def test_approving_a_large_log_runs_the_same_queries_for_few_or_many_entries(
    api, manager, large, zoe, daily, ct, queued
):
    api.force_authenticate(manager)
    _approve_queries(api, manager, large)  # the first signature also records the policy
    few = _approve_queries(api, manager, issue(manager, ct))
    for days_ago in range(4, 12):
        record(daily, zoe, days_ago=days_ago)
    many = issue(manager, ct)
    assert many.entries > large.entries
    assert _approve_queries(api, manager, many) == few
