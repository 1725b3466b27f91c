"""/api/v1/work-orders/, a contract: items with id, equipment, state, priority, assignee,
due_on and downtime; filters state, site, equipment, priority; create by POST; a transition
by POST with `to` (and `reason`), answering 400 with the reason when refused; the same number
of queries for 10 and 500 work orders."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from equipment.models import EquipmentStatus, WorkOrder, WorkOrderState
from equipment.services.status import change_equipment_status
from imaging_ops.vocabulary import Role
from tests import factories
from tests.equipment.test_work_orders_pages import many_work_orders

pytestmark = pytest.mark.django_db

URL = "/api/v1/work-orders/"
W = WorkOrderState
CONTRACT = {"id", "equipment", "state", "priority", "assignee", "due_on", "downtime"}


@pytest.fixture
def ct(site_a):
    return factories.EquipmentFactory(
        site=site_a, asset_tag="ALPHA-CT1", status=EquipmentStatus.IN_SERVICE
    )


def test_create_lists_and_reads_with_the_contracts_fields(api, tech, ct):
    api.force_authenticate(tech)
    made = api.post(
        URL,
        {"equipment": ct.pk, "problem": "Couch stuck", "priority": "high", "due_on": "2030-01-02"},
        format="json",
    )
    assert made.status_code == 201, made.data
    assert set(made.data) >= CONTRACT
    assert (made.data["state"], made.data["priority"], made.data["due_on"]) == (
        "reported",
        "high",
        "2030-01-02",
    )
    listed = api.get(URL)
    assert listed.data["count"] == 1 and listed.data["results"][0]["id"] == made.data["id"]
    assert api.get(f"{URL}{made.data['id']}/").data["problem"] == "Couch stuck"


def test_create_with_take_out_of_service_stops_the_machine_and_counts_downtime(api, tech, ct):
    api.force_authenticate(tech)
    made = api.post(
        URL,
        {"equipment": ct.pk, "problem": "Smoke", "take_out_of_service": True},
        format="json",
    )
    assert made.status_code == 201 and made.data["stop_use"] is True
    ct.refresh_from_db()
    assert ct.status == EquipmentStatus.OUT_OF_SERVICE
    assert isinstance(made.data["downtime"], int) and made.data["downtime"] >= 0


def test_bad_input_answers_400_with_field_errors_and_saves_nothing(api, tech, manager, ct):
    api.force_authenticate(tech)
    bad = api.post(URL, {"equipment": ct.pk, "problem": "", "priority": "whenever"}, format="json")
    assert bad.status_code == 400 and {"problem", "priority"} <= set(bad.data)
    assigned_by_tech = api.post(
        URL, {"equipment": ct.pk, "problem": "Noise", "assignee": manager.pk}, format="json"
    )
    assert assigned_by_tech.status_code == 403
    assert not WorkOrder.objects.exists()


@pytest.mark.req("11.10(d)")
def test_another_sites_equipment_is_a_400_and_its_work_orders_a_404(
    api, person, site_b, tech, manager, ct
):
    other = factories.EquipmentFactory(site=site_b, asset_tag="BETA-CT1")
    api.force_authenticate(tech)
    refused = api.post(URL, {"equipment": other.pk, "problem": "Noise"}, format="json")
    assert refused.status_code == 400 and "equipment" in refused.data
    made = api.post(URL, {"equipment": ct.pk, "problem": "Noise"}, format="json").data
    api.force_authenticate(person(Role.MANAGER, site_b))
    assert api.get(f"{URL}{made['id']}/").status_code == 404
    answer = api.post(f"{URL}{made['id']}/transition/", {"to": "cancelled"}, format="json")
    assert answer.status_code == 404
    assert api.get(URL).data["count"] == 0


def test_the_filters(api, manager, tech, ct, site_a):
    other = factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-MR1")
    many_work_orders(4, equipment=ct, reporter=tech)
    many_work_orders(2, equipment=other, reporter=tech)
    api.force_authenticate(manager)
    assert api.get(URL, {"equipment": other.pk}).data["count"] == 2
    assert api.get(URL, {"state": "in_progress"}).data["count"] == 3
    assert api.get(URL, {"site": site_a.pk}).data["count"] == 6
    assert api.get(URL, {"priority": "urgent"}).data["count"] == 0
    bad = api.get(URL, {"state": "fixed"})
    assert bad.status_code == 400 and "state" in bad.data


def test_a_transition_moves_it_and_a_refused_one_answers_400_naming_the_reason(
    api, tech, manager, ct
):
    api.force_authenticate(tech)
    made = api.post(URL, {"equipment": ct.pk, "problem": "Noise"}, format="json").data
    url = f"{URL}{made['id']}/transition/"
    by_tech = api.post(url, {"to": "assigned", "assignee": tech.pk}, format="json")
    assert by_tech.status_code == 400
    assert by_tech.data == {
        "to": ["Only a physicist or manager at this site may assign a work order."]
    }
    table = api.post(url, {"to": "verified"}, format="json")
    assert table.status_code == 400
    assert table.data == {"to": ["A work order that is reported cannot become verified."]}
    unknown = api.post(url, {"to": "fixed"}, format="json")
    assert unknown.status_code == 400 and "not a work-order state" in unknown.data["to"][0]

    api.force_authenticate(manager)
    no_reason = api.post(url, {"to": "cancelled"}, format="json")
    assert no_reason.status_code == 400
    assert no_reason.data == {"reason": ["Give the reason for cancelling."]}
    assigned = api.post(url, {"to": "assigned", "assignee": tech.pk}, format="json")
    assert assigned.status_code == 200
    assert (assigned.data["state"], assigned.data["assignee"]) == ("assigned", tech.pk)

    api.force_authenticate(tech)
    assert api.post(url, {"to": "in_progress"}, format="json").data["state"] == "in_progress"
    no_username = api.post(
        url,
        {
            "to": "completed",
            "completion": {"resolution": "Fan", "root_cause": "Dust"},
            "password": factories.PASSWORD,
            "acknowledge_policy": True,
        },
        format="json",
    )
    assert no_username.status_code == 400 and "username" in no_username.data
    done = api.post(
        url,
        {
            "to": "completed",
            "completion": {"resolution": "Fan", "root_cause": "Dust"},
            "username": tech.username,
            "password": factories.PASSWORD,
            "acknowledge_policy": True,
        },
        format="json",
    )
    assert done.status_code == 200 and done.data["state"] == "completed"

    api.force_authenticate(manager)
    verified = api.post(
        url,
        {
            "to": "verified",
            "username": manager.username,
            "password": factories.PASSWORD,
            "acknowledge_policy": True,
        },
        format="json",
    )
    assert verified.status_code == 200 and verified.data["state"] == "verified"


def test_downtime_comes_from_the_status_changes(api, manager, tech, ct):
    """GIVEN a work order opened 5 hours ago on a CT that went out of service an hour later
    and back two hours after that, THEN its downtime is those two hours."""
    factories.signed_acceptance(actor=manager, equipment=ct)
    start = timezone.now() - timedelta(hours=5)
    with time_machine.travel(start, tick=False):
        api.force_authenticate(tech)
        made = api.post(URL, {"equipment": ct.pk, "problem": "Artefacts"}, format="json").data
    for hours, to in ((1, EquipmentStatus.OUT_OF_SERVICE), (3, EquipmentStatus.IN_SERVICE)):
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            change_equipment_status(equipment=ct, to=to, reason="Physicist's check", actor=manager)
    api.force_authenticate(manager)
    assert api.get(f"{URL}{made['id']}/").data["downtime"] == 2 * 3600
    assert api.get(URL).data["results"][0]["downtime"] == 2 * 3600


def queries(api, url) -> int:
    api.get(url)
    with CaptureQueriesContext(connection) as captured:
        answer = api.get(url)
    assert answer.status_code == 200
    return len(captured)


def test_the_list_runs_the_same_queries_for_10_and_500_work_orders(api, manager, ct, site_a):
    api.force_authenticate(manager)
    many_work_orders(10, equipment=ct, reporter=manager)
    few = queries(api, URL + "?page_size=200")
    other = factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-MR1")
    many_work_orders(490, equipment=other, reporter=manager)
    assert queries(api, URL + "?page_size=200") == few


def test_an_assignee_from_another_site_reads_as_a_missing_person(api, person, site_b, manager, ct):
    stranger = person(Role.TECHNICIAN, site_b, username="stan")
    api.force_authenticate(manager)
    refused = api.post(
        URL, {"equipment": ct.pk, "problem": "Noise", "assignee": stranger.pk}, format="json"
    )
    assert refused.status_code == 400 and "Invalid pk" in refused.data["assignee"][0]
    assert not WorkOrder.objects.exists()


def test_details_are_changed_by_patch_by_those_who_may(api, tech, manager, ct):
    api.force_authenticate(tech)
    made = api.post(URL, {"equipment": ct.pk, "problem": "Noise"}, format="json").data
    url = f"{URL}{made['id']}/"
    assert api.patch(url, {"vendor": "Siemens"}, format="json").status_code == 403
    api.force_authenticate(manager)
    bad = api.patch(url, {"priority": "whenever", "due_on": "soon"}, format="json")
    assert bad.status_code == 400 and {"priority", "due_on"} <= set(bad.data)
    changed = api.patch(
        url,
        {"vendor": "Siemens", "vendor_reference": "SR-1", "major_repair": True},
        format="json",
    )
    assert changed.status_code == 200
    assert (changed.data["vendor"], changed.data["major_repair"]) == ("Siemens", True)
