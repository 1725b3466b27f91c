"""The pages an inspector reads offer nothing to write: no status change, fault report, record,
schedule, event, acceptance, amendment, void or work-order form; the equipment log (which an
inspector may issue) is the one form on the equipment page. Each page read is an event, and so
is each file downloaded (a record's attachment)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from equipment.models import RecordAttachment
from equipment.services.work_orders import open_work_order
from imaging_ops.audit.trail import AuditAction
from imaging_ops.audit.viewing import DOWNLOAD
from imaging_ops.models import AuditEvent
from tests.compliance.inspector.support import views_by
from tests.compliance.logs_support import record
from tests.equipment.conftest import NOW
from tests.equipment.record_pages.conftest import PDF
from tests.equipment.record_pages.conftest import record as record_with

pytestmark = pytest.mark.django_db

POST_FORM = re.compile(r'<form[^>]*method="post"[^>]*action="([^"]*)"', re.IGNORECASE)
WRITE_LINKS = re.compile(
    r'href="[^"]*/(edit|new|record|amend|void|sign|status|report-fault|events/new|pause|'
    r'resume|reference|labels/import)/"'
)


def _forms(page: str) -> list[str]:
    """The addresses the page's forms post to, besides signing out (on every page)."""
    return [action for action in POST_FORM.findall(page) if action != "/logout/"]


@pytest.fixture
def pages(manager, zoe, daily, ct):
    made = record(daily, zoe, days_ago=1)
    work_order = open_work_order(
        actor=manager, equipment=ct, problem="Couch squeak", now=NOW, priority="low"
    )
    return {
        "equipment": f"/equipment/{ct.pk}/",
        "schedule": f"/equipment/schedules/{daily.pk}/",
        "record": f"/equipment/records/{made.pk}/",
        "work order": f"/equipment/work-orders/{work_order.pk}/",
        "records": f"/equipment/{ct.pk}/records/",
        "missed": f"/equipment/missed/?equipment={ct.pk}",
        "equipment list": "/equipment/",
        "schedule list": "/equipment/schedules/",
        "work order list": "/equipment/work-orders/",
        "home": "/",
    }


def test_the_pages_an_inspector_reads_offer_no_writes(client, inspector, ct, pages):
    client.force_login(inspector)
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, name
        page = response.content.decode()
        forms = _forms(page)
        if name == "equipment":
            assert forms == [f"/compliance/logs/equipment/{ct.pk}/"], forms
        else:
            assert forms == [], (name, forms)
        assert not WRITE_LINKS.findall(page), (name, WRITE_LINKS.findall(page))
        assert "Say why for" not in page, name
    assert views_by(inspector).count() == len(pages)
    assert set(views_by(inspector).values_list("action", flat=True)) == {AuditAction.VIEW}


def test_a_technician_still_sees_the_forms_an_inspector_does_not(client, tech, ct, pages):
    client.force_login(tech)
    page = client.get(pages["equipment"]).content.decode()
    assert len(_forms(page)) > 1


def test_an_attachment_an_inspector_downloads_is_an_export_event(
    client, settings, tmp_path, inspector, zoe, daily, site_a
):
    settings.MEDIA_ROOT = tmp_path
    made = record_with(daily, zoe, attachments=[SimpleUploadedFile("survey.pdf", PDF)])
    attachment = RecordAttachment.objects.get(version=made.current_version)
    client.force_login(inspector)
    response = client.get(f"/equipment/records/attachments/{attachment.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    (event,) = AuditEvent.objects.filter(actor=inspector, action=AuditAction.EXPORT)
    assert (event.object_type, event.site_id) == (DOWNLOAD, site_a.pk)
    assert event.changes["path"] == f"/equipment/records/attachments/{attachment.pk}/"
    assert 'filename="survey.pdf"' in event.changes["file"]
