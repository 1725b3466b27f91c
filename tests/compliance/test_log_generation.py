"""A log of more entries than IMAGING_OPS_LOG_ASYNC_ENTRIES is made by a Celery task: the
request answers at once with the log "being generated", the page shows its progress, the task
makes and signs it once, and the requester is notified (or told it failed)."""

import pytest

from compliance import tasks
from compliance.models import LogState, RegulatoryLog
from compliance.services import logs as log_services
from imaging_ops.models import Notification
from imaging_ops.pdf_signing import check_pdf_signatures
from tests.compliance.logs_support import record
from tests.compliance.signed_logs import stored

pytestmark = pytest.mark.django_db

PERIOD = {"from": "2026-02-01", "to": "2026-03-31"}


@pytest.fixture(autouse=True)
def _small_threshold(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LOG_ASYNC_ENTRIES = 2


@pytest.fixture
def queued(monkeypatch):
    ids = []
    monkeypatch.setattr(log_services, "queue_log_work", ids.append)
    return ids


@pytest.fixture
def three_records(zoe, daily):
    for days_ago in (1, 2, 3):
        record(daily, zoe, days_ago=days_ago)


def _ask(client, user, ct, django_capture_on_commit_callbacks):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/compliance/logs/equipment/{ct.pk}/", PERIOD)
    assert response.status_code == 302
    return RegulatoryLog.objects.get()


def test_a_large_log_is_queued_and_its_page_shows_the_progress(
    client, manager, ct, three_records, queued, django_capture_on_commit_callbacks
):
    log = _ask(client, manager, ct, django_capture_on_commit_callbacks)
    assert log.state == LogState.GENERATING and log.entries == 3 and log.progress == 0
    assert queued == [log.pk]
    page = client.get(f"/compliance/logs/{log.pk}/").content.decode()
    assert 'id="log-progress"' in page and 'http-equiv="refresh"' in page
    assert 'id="log-download"' not in page
    assert client.get(f"/compliance/logs/{log.pk}/file/").status_code == 409
    assert client.get(f"/compliance/logs/{log.pk}/approve/").status_code == 409


def test_the_task_makes_and_signs_it_once_and_tells_the_requester(
    client, manager, ct, three_records, queued, django_capture_on_commit_callbacks
):
    log = _ask(client, manager, ct, django_capture_on_commit_callbacks)
    assert tasks.generate_log(log.pk) == LogState.DRAFT
    log.refresh_from_db()
    assert log.state == LogState.DRAFT and log.progress == 100 and log.entries == 3
    pdf = stored(log)
    [check] = check_pdf_signatures(pdf)
    assert check.valid and log.draft_file_sha256 == log.file_sha256
    notice = Notification.objects.get(user=manager)
    assert log.code in notice.title and notice.url == f"/compliance/logs/{log.pk}/"
    assert tasks.generate_log(log.pk) == "skipped"
    log.refresh_from_db()
    assert stored(log) == pdf and Notification.objects.filter(user=manager).count() == 1
    assert client.get(f"/compliance/logs/{log.pk}/file/").content == pdf


def test_a_failed_generation_is_marked_and_the_requester_told(
    client, monkeypatch, manager, ct, three_records, queued, django_capture_on_commit_callbacks
):
    log = _ask(client, manager, ct, django_capture_on_commit_callbacks)

    def broken(**kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(log_services, "_render", broken)
    with pytest.raises(RuntimeError):
        tasks.generate_log(log.pk)
    log.refresh_from_db()
    assert log.state == LogState.FAILED and "disk is full" in log.failure
    assert "could not be generated" in Notification.objects.get(user=manager).title
    page = client.get(f"/compliance/logs/{log.pk}/").content.decode()
    assert 'id="log-failed"' in page


def test_the_api_answers_202_for_a_large_log(api, manager, ct, three_records, queued):
    api.force_authenticate(manager)
    response = api.post(
        "/api/v1/logs/",
        {
            "kind": "equipment",
            "equipment": ct.pk,
            "period_start": "2026-02-01",
            "period_end": "2026-03-31",
        },
        format="json",
    )
    assert response.status_code == 202
    body = response.json()
    assert body["state"] == "generating" and body["progress"] == 0 and body["entries"] == 3
    assert api.get(f"/api/v1/logs/{body['id']}/file/").status_code == 409


def test_at_the_threshold_the_log_is_made_at_once(client, manager, ct, zoe, daily, queued):
    record(daily, zoe, days_ago=1)
    record(daily, zoe, days_ago=2)
    client.force_login(manager)
    client.post(f"/compliance/logs/equipment/{ct.pk}/", PERIOD)
    assert RegulatoryLog.objects.get().state == LogState.DRAFT and queued == []
