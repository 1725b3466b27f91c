"""Every page an inspector reads is an audit event (imaging_ops.audit.viewing): a VIEW with the
address and, where the page shows one object, that object and its site; a file they download
is an EXPORT, once (a log's download is its own). Nothing for anyone who holds another role,
for fragments, failures or writes; one event, a few queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from imaging_ops.audit.selectors import history_for
from imaging_ops.audit.trail import AuditAction
from imaging_ops.audit.viewing import DOWNLOAD, PAGE
from imaging_ops.models import AuditEvent
from imaging_ops.vocabulary import Role
from tests import factories
from tests.compliance.inspector.support import stored_log, views_by
from tests.compliance.signed_logs import issue

pytestmark = pytest.mark.django_db


def read_by(user):
    """The person's events besides signing in (force_login records a login)."""
    return AuditEvent.objects.filter(actor=user).exclude(action=AuditAction.LOGIN)


@pytest.fixture
def scanner(site_a):
    return factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT1", name="Main CT")


@pytest.mark.req("11.10(e)")
def test_an_inspectors_view_of_the_equipment_page_is_an_event_naming_the_machine(
    client, inspector, scanner, site_a
):
    client.force_login(inspector)
    assert client.get(f"/equipment/{scanner.pk}/").status_code == 200
    (event,) = views_by(inspector)
    assert event.action == AuditAction.VIEW
    assert (event.object_type, event.object_id) == ("equipment.equipment", str(scanner.pk))
    assert event.site_id == site_a.pk
    assert event.changes == {"path": f"/equipment/{scanner.pk}/", "page": "equipment:detail"}
    assert event.actor_name == "ines" and event.request_id


def test_a_search_is_recorded_with_what_was_searched_for(client, inspector, site_a):
    client.force_login(inspector)
    client.get(reverse("home"), {"q": "ALPHA-CT1"})
    (event,) = views_by(inspector)
    assert event.object_type == PAGE and event.object_id == ""
    assert event.changes["path"] == "/?q=ALPHA-CT1"
    assert event.site_id == site_a.pk  # their one site


def test_a_page_of_a_site_named_in_the_address_is_that_sites(
    client, person, site_a, site_b, inspector
):
    factories.MembershipFactory(
        user=inspector, site=site_b, role=Role.INSPECTOR, expires_on=factories.days_from_today(9)
    )
    client.force_login(inspector)
    assert client.get("/compliance/sites/BETA/logs/").status_code == 200
    assert client.get(reverse("home")).status_code == 200
    assert client.get(f"/equipment/?site={site_a.pk}").status_code == 200
    site_of_list, site_of_home, site_of_filtered = [e.site_id for e in views_by(inspector)]
    assert site_of_list == site_b.pk
    assert site_of_home is None  # their home covers both sites
    assert site_of_filtered == site_a.pk


def test_a_log_page_names_its_log(client, inspector, manager, scanner):
    log = stored_log(manager, scanner)
    client.force_login(inspector)
    assert client.get(f"/compliance/logs/{log.pk}/").status_code == 200
    (event,) = views_by(inspector)
    assert (event.object_type, event.object_id) == ("compliance.regulatorylog", str(log.pk))


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.PHYSICIST, Role.MANAGER])
def test_other_roles_pages_are_not_recorded(client, person, site_a, scanner, role):
    user = person(role, site_a)
    client.force_login(user)
    assert client.get(f"/equipment/{scanner.pk}/").status_code == 200
    assert not views_by(user).exists()


def test_an_inspector_who_also_works_at_another_site_is_not_recorded(
    client, inspector, site_b, scanner
):
    factories.MembershipFactory(user=inspector, site=site_b, role=Role.TECHNICIAN)
    client.force_login(inspector)
    assert client.get(f"/equipment/{scanner.pk}/").status_code == 200
    assert not views_by(inspector).exists()


def test_a_system_administrator_is_not_recorded(client, scanner):
    admin = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert client.get(f"/equipment/{scanner.pk}/").status_code == 200
    assert not views_by(admin).exists()


def test_fragments_failures_files_and_writes_are_not_page_views(client, inspector, site_b, scanner):
    other = factories.EquipmentFactory(site=site_b)
    client.force_login(inspector)
    fragment = client.get(f"/equipment/{scanner.pk}/history/", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert client.get(reverse("notifications_recent"), headers={"HX-Request": "true"})
    assert client.get(f"/equipment/{other.pk}/").status_code == 404
    assert client.get("/static/css/app.css").status_code in (200, 404)
    assert client.get("/api/v1/equipment/").status_code == 200
    client.post(f"/equipment/{scanner.pk}/report-fault/", {"problem": "x"})
    assert not views_by(inspector).exists()


def test_a_log_page_that_cannot_serve_its_file_yet_is_no_event(client, inspector, manager, scanner):
    log = stored_log(manager, scanner)
    client.force_login(inspector)
    assert client.get(f"/compliance/logs/{log.pk}/file/").status_code == 409  # no file yet
    assert not read_by(inspector).exists()


def test_a_log_download_is_one_export_event_of_the_log(
    client, settings, tmp_path, inspector, manager, scanner
):
    settings.MEDIA_ROOT = tmp_path / "media"
    log = issue(manager, scanner)
    client.force_login(inspector)
    response = client.get(f"/compliance/logs/{log.pk}/file/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    (event,) = read_by(inspector)
    assert event.action == AuditAction.EXPORT
    assert (event.object_type, event.object_id) == ("compliance.regulatorylog", str(log.pk))


def test_a_download_its_view_does_not_audit_is_an_export_event(client, inspector, site_a):
    client.force_login(inspector)
    response = client.get("/equipment/records/export/", {"site": site_a.pk})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    b"".join(response.streaming_content)
    (event,) = read_by(inspector)
    assert (event.action, event.object_type, event.site_id) == (
        AuditAction.EXPORT,
        DOWNLOAD,
        site_a.pk,
    )
    assert event.changes["path"] == f"/equipment/records/export/?site={site_a.pk}"
    assert "attachment" in event.changes["file"]


def test_a_download_that_audits_itself_is_not_recorded_twice(client, inspector, scanner):
    client.force_login(inspector)
    response = client.get("/equipment/export/")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert AuditEvent.objects.filter(actor=inspector, action=AuditAction.EXPORT).count() == 1
    assert not AuditEvent.objects.filter(actor=inspector, object_type=DOWNLOAD).exists()


def test_a_technicians_download_is_not_recorded_by_the_middleware(client, tech, site_a):
    client.force_login(tech)
    assert client.get("/equipment/records/export/").status_code == 200
    assert not read_by(tech).exists()


def test_recording_a_view_adds_a_few_queries_whatever_the_page(client, inspector, scanner):
    """The event is one row chained at the head: lock the head, insert, move the head."""
    client.force_login(inspector)
    client.get(f"/equipment/{scanner.pk}/")  # warm up
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/equipment/{scanner.pk}/")
    audit = [q["sql"] for q in queries if "imaging_ops_audit" in q["sql"]]
    inserts = [sql for sql in audit if sql.upper().startswith("INSERT")]
    assert len(inserts) == 1 and len(audit) == 3


def test_views_stay_out_of_a_records_own_history(client, inspector, manager, scanner):
    """A record's history says what happened to it; who read it is the activity page's."""
    client.force_login(inspector)
    for _ in range(12):
        client.get(f"/equipment/{scanner.pk}/")
    assert views_by(inspector).count() == 12
    actions = {event.action for event in history_for(scanner)}
    assert AuditAction.VIEW not in actions and AuditAction.CREATE in actions
