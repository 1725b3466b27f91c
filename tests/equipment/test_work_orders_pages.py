"""Work-order pages: the fault report from the equipment page in three interactions (open,
describe, send), the list with its filters, pagination and CSV in a constant number of
queries, the work order's page with the moves this person may take and why the others are
refused, and each move's form answering with field errors."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from equipment.models import (
    EquipmentStatus,
    EquipmentStatusChange,
    WorkOrder,
    WorkOrderLine,
    WorkOrderState,
)
from equipment.services.work_orders import open_work_order, transition_work_order
from imaging_ops.audit.mixin import audited_bulk_writes
from tests import factories

pytestmark = pytest.mark.django_db

W = WorkOrderState
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


@pytest.fixture
def ct_in_service(site_a):
    return factories.EquipmentFactory(
        site=site_a, asset_tag="ALPHA-CT1", status=EquipmentStatus.IN_SERVICE, high_risk=True
    )


def signed_in(client, user):
    client.force_login(user)
    return client


def test_a_fault_is_reported_from_the_equipment_page_in_three_interactions(
    client, tech, ct_in_service
):
    signed_in(client, tech)
    page = client.get(reverse("equipment:detail", args=[ct_in_service.pk]))
    html = page.content.decode()
    # 1. open: the report is a disclosure on the page the QR label opens, closed at first.
    assert '<details class="card mt-3 fault-report" id="report-fault">' in html
    assert "<summary" in html and "Report a fault" in html
    # 2. describe (the problem, a priority, "take it out of service now") and 3. send.
    sent = client.post(
        reverse("equipment:report_fault", args=[ct_in_service.pk]),
        {"problem": "Table will not move", "priority": "urgent", "take_out_of_service": "on"},
    )
    assert sent.status_code == 302 and sent["Location"] == reverse(
        "equipment:detail", args=[ct_in_service.pk]
    )
    work_order = WorkOrder.objects.get()
    assert (work_order.problem, work_order.priority, work_order.reporter) == (
        "Table will not move",
        "urgent",
        tech,
    )
    assert work_order.stop_use
    ct_in_service.refresh_from_db()
    assert ct_in_service.status == EquipmentStatus.OUT_OF_SERVICE
    after = client.get(sent["Location"]).content.decode()
    assert f"Fault reported: work order {work_order.pk}. ALPHA-CT1 is out of service." in after
    assert f'id="open-work-order-{work_order.pk}"' in after


def test_a_fault_report_without_a_description_saves_nothing(client, tech, ct_in_service):
    signed_in(client, tech)
    refused = client.post(
        reverse("equipment:report_fault", args=[ct_in_service.pk]),
        {"problem": "  ", "take_out_of_service": "on"},
    )
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    assert '<details class="card mt-3 fault-report" open' in refused.content.decode()
    assert not WorkOrder.objects.exists()
    ct_in_service.refresh_from_db()
    assert ct_in_service.status == EquipmentStatus.IN_SERVICE


def test_an_inspector_sees_no_fault_report_and_is_refused_one(client, inspector, ct_in_service):
    signed_in(client, inspector)
    page = client.get(reverse("equipment:detail", args=[ct_in_service.pk]))
    assert "Report a fault" not in page.content.decode()
    refused = client.post(
        reverse("equipment:report_fault", args=[ct_in_service.pk]), {"problem": "Noise"}
    )
    assert refused.status_code == 403 and not WorkOrder.objects.exists()


def test_another_sites_equipment_is_not_found(client, person, site_b, ct_in_service):
    from imaging_ops.vocabulary import Role

    signed_in(client, person(Role.TECHNICIAN, site_b))
    answer = client.post(
        reverse("equipment:report_fault", args=[ct_in_service.pk]), {"problem": "Noise"}
    )
    assert answer.status_code == 404


# --- The work order's page ---------------------------------------------------------------------


@pytest.fixture
def reported(tech, ct_in_service):
    return open_work_order(
        actor=tech, equipment=ct_in_service, problem="Gantry noise", now=timezone.now()
    )


def test_the_page_offers_the_moves_and_explains_the_refused_ones(client, tech, reported):
    signed_in(client, tech)
    html = client.get(reverse("equipment:work_order_detail", args=[reported.pk])).content.decode()
    assert 'id="move-assigned"' in html and "disabled" in html
    assert "Only a physicist or manager at this site may assign a work order." in html
    assert "Only a physicist or manager at this site may cancel a work order." in html
    assert "Gantry noise" in html and "Audit history" in html


def test_a_manager_assigns_and_the_history_shows_it(client, manager, tech, reported):
    signed_in(client, manager)
    url = reverse("equipment:work_order_transition", args=[reported.pk])
    refused = client.post(url, {"to": "assigned", "assignee": ""})
    assert refused.status_code == 400 and "Choose who does the work." in refused.content.decode()
    moved = client.post(url, {"to": "assigned", "assignee": str(tech.pk)})
    assert moved.status_code == 302
    reported.refresh_from_db()
    assert reported.state == W.ASSIGNED and reported.assignee == tech
    page = client.get(moved["Location"]).content.decode()
    assert f"Work order {reported.pk} is assigned." in page


def test_a_refused_move_answers_403_with_its_reason(client, tech, reported):
    signed_in(client, tech)
    refused = client.post(
        reverse("equipment:work_order_transition", args=[reported.pk]),
        {"to": "cancelled", "reason": "Mine"},
    )
    assert refused.status_code == 403
    assert "Only a physicist or manager at this site may cancel" in refused.content.decode()
    reported.refresh_from_db()
    assert reported.state == W.REPORTED


def test_a_move_the_table_refuses_answers_409(client, manager, reported):
    signed_in(client, manager)
    refused = client.post(
        reverse("equipment:work_order_transition", args=[reported.pk]), {"to": "verified"}
    )
    assert refused.status_code == 409
    assert "A work order that is reported cannot become verified." in refused.content.decode()


def test_the_physicist_completes_with_a_signature_and_verifies(client, physicist, reported):
    signed_in(client, physicist)
    url = reverse("equipment:work_order_transition", args=[reported.pk])
    assert client.post(url, {"to": "in_progress"}).status_code == 302
    no_signature = client.post(url, {"to": "completed", "resolution": "Fan replaced"})
    body = no_signature.content.decode()
    assert no_signature.status_code == 400
    assert "Say what caused the fault" in body and "Sign the completion" in body
    completed = client.post(
        url,
        {
            "to": "completed",
            "resolution": "Fan replaced",
            "root_cause": "Worn fan bearing",
            "username": physicist.username,
            "password": factories.PASSWORD,
            "acknowledge_policy": "on",
        },
    )
    assert completed.status_code == 302
    verified = client.post(url, {"to": "verified", "password": factories.PASSWORD})
    assert verified.status_code == 302
    reported.refresh_from_db()
    assert reported.state == W.VERIFIED
    page = client.get(reverse("equipment:work_order_detail", args=[reported.pk])).content.decode()
    assert "Corrective action verified" in page and "Performed" in page


def test_lines_and_service_reports_are_added_by_the_assignee(client, tech, manager, reported):
    transition_work_order(
        work_order=reported, to=W.ASSIGNED, actor=manager, now=timezone.now(), assignee=tech
    )
    signed_in(client, tech)
    line_url = reverse("equipment:work_order_line", args=[reported.pk])
    refused = client.post(
        line_url, {"kind": "part", "description": "", "quantity": "x", "unit_cost": "5"}
    )
    assert refused.status_code == 400 and not WorkOrderLine.objects.exists()
    added = client.post(
        line_url, {"kind": "part", "description": "Fan", "quantity": "2", "unit_cost": "40.50"}
    )
    assert added.status_code == 302
    attach = client.post(
        reverse("equipment:work_order_attach", args=[reported.pk]),
        {"files": SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")},
    )
    assert attach.status_code == 302
    renamed = client.post(
        reverse("equipment:work_order_attach", args=[reported.pk]),
        {"files": SimpleUploadedFile("report.pdf", b"MZ...", content_type="application/pdf")},
    )
    assert renamed.status_code == 400 and "not really a PDF" in renamed.content.decode()
    page = client.get(reverse("equipment:work_order_detail", args=[reported.pk])).content.decode()
    assert "81.00" in page and "report.pdf" in page
    attachment = reported.attachments.get()
    download = client.get(reverse("equipment:work_order_attachment", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


# --- The list, its CSV, and its queries -------------------------------------------------------


def many_work_orders(count, *, equipment, reporter):
    """`count` work orders on `equipment`, each with a line, and the machine's status going
    out and back in between, written in bulk (their audit events do not matter here)."""
    now = timezone.now()
    with audited_bulk_writes():
        made = WorkOrder.objects.bulk_create(
            WorkOrder(
                equipment=equipment,
                problem=f"Fault {i}",
                reporter=reporter,
                assignee=reporter,
                state=W.IN_PROGRESS if i % 2 else W.REPORTED,
                opened_at=now - timedelta(days=i % 40, hours=1),
                updated_at=now,
            )
            for i in range(count)
        )
        WorkOrderLine.objects.bulk_create(
            WorkOrderLine(
                work_order=w,
                kind="labour",
                description="Hour",
                quantity=1,
                unit_cost=100,
                added_at=now,
                added_by=reporter,
            )
            for w in made
        )
        EquipmentStatusChange.objects.bulk_create(
            EquipmentStatusChange(
                equipment=equipment,
                from_status="in_service" if i % 2 == 0 else "out_of_service",
                to_status="out_of_service" if i % 2 == 0 else "in_service",
                reason="Test",
                actor=reporter,
                changed_at=now - timedelta(days=i),
            )
            for i in range(min(count, 40))
        )
    return made


def queries_for(client, url) -> int:
    client.get(url)  # warm up: sessions, content types
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url)
        if answer.streaming:
            b"".join(answer.streaming_content)  # a CSV's queries run as it streams
    assert answer.status_code == 200
    return len(captured)


def test_the_list_and_its_csv_run_the_same_queries_for_10_and_500_rows(
    client, manager, ct_in_service, site_a
):
    signed_in(client, manager)
    other = factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-MR1")
    many_work_orders(10, equipment=ct_in_service, reporter=manager)
    list_url = reverse("equipment:work_orders") + f"?site={site_a.pk}"
    csv_url = reverse("equipment:work_order_export")
    few = queries_for(client, list_url), queries_for(client, csv_url)
    many_work_orders(490, equipment=other, reporter=manager)
    assert (queries_for(client, list_url), queries_for(client, csv_url)) == few


def test_the_list_filters_and_paginates(client, manager, tech, ct_in_service, site_a):
    signed_in(client, manager)
    many_work_orders(60, equipment=ct_in_service, reporter=tech)
    url = reverse("equipment:work_orders")
    first = client.get(url).content.decode()
    assert "60 work orders, 1\u201350 shown" in first and "Page 1 of 2" in first
    assert "30 work orders" in client.get(url, {"state": "in_progress"}).content.decode()
    aged = client.get(url, {"age": "30"}).content.decode()
    assert "work orders" in aged and "60 work orders" not in aged
    assert "No work order matches" in client.get(url, {"priority": "urgent"}).content.decode()
    bad = client.get(url, {"state": "fixed"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()
    assert "60 work orders" in client.get(url, {"assignee": tech.pk}).content.decode()


def test_the_csv_export_holds_downtime_and_cost(client, manager, ct_in_service):
    signed_in(client, manager)
    many_work_orders(3, equipment=ct_in_service, reporter=manager)
    answer = client.get(reverse("equipment:work_order_export"))
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert rows[0][:3] == ["work_order", "site", "asset_tag"]
    assert len(rows) == 4 and {r[16] for r in rows[1:]} == {"100.00"}


@pytest.mark.req("11.10(d)")
def test_the_list_is_scoped_to_your_sites(client, person, site_b, manager, ct_in_service):
    from imaging_ops.vocabulary import Role

    many_work_orders(3, equipment=ct_in_service, reporter=manager)
    signed_in(client, person(Role.MANAGER, site_b))
    assert (
        "No work orders at your sites yet"
        in client.get(reverse("equipment:work_orders")).content.decode()
    )
    answer = client.get(reverse("equipment:work_order_detail", args=[WorkOrder.objects.first().pk]))
    assert answer.status_code == 404


def test_the_work_orders_page_has_each_id_once_and_saves_its_details(client, manager, reported):
    import re
    from collections import Counter

    signed_in(client, manager)
    url = reverse("equipment:work_order_detail", args=[reported.pk])
    html = client.get(url).content.decode()
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [name for name, count in ids.items() if count > 1] == []
    saved = client.post(
        reverse("equipment:work_order_details", args=[reported.pk]),
        {"priority": "high", "due_on": "2030-05-01", "vendor": "Siemens", "vendor_reference": ""},
    )
    assert saved.status_code == 302
    reported.refresh_from_db()
    assert (reported.priority, str(reported.due_on), reported.vendor) == (
        "high",
        "2030-05-01",
        "Siemens",
    )
    refused = client.post(
        reverse("equipment:work_order_details", args=[reported.pk]), {"priority": "soon"}
    )
    assert refused.status_code == 400
