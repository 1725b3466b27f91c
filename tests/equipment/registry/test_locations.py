"""Locations: a room's page with what stands in it and its history, links to it from the
equipment pages, and secured storage that cannot be lifted while sources are kept there."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from equipment.models import Category, EquipmentStatus
from equipment.services import registry as services
from equipment.views.registry import PAGE_SIZE
from imaging_ops.vocabulary import AreaClass, Role
from tests import factories

pytestmark = pytest.mark.django_db

S = EquipmentStatus


def location_page(location) -> str:
    return reverse("equipment:location_detail", args=[location.pk])


@pytest.fixture
def ct_room(site_a):
    return factories.LocationFactory(
        site=site_a, building="Main", room="CT 1", area_class=AreaClass.CONTROLLED
    )


def sealed_source(site, location, tag="SRC-1", **fields):
    return factories.EquipmentFactory(
        site=site,
        location=location,
        asset_tag=tag,
        name="Cs-137 vial",
        category=Category.SEALED_SOURCE,
        modalities=[],
        radionuclide="Cs-137",
        reference_activity=Decimal("200"),
        activity_unit="uCi",
        reference_date=date(2024, 1, 15),
        **fields,
    )


# --- the location page ----------------------------------------------------------------------


def test_the_location_page_shows_the_room_what_stands_in_it_and_their_status(
    client, tech, ct_room, site_a
):
    factories.EquipmentFactory(
        site=site_a, location=ct_room, asset_tag="CT-1", name="CT scanner", status=S.IN_SERVICE
    )
    factories.EquipmentFactory(
        site=site_a, location=ct_room, asset_tag="CT-2", name="CT sim", status=S.OUT_OF_SERVICE
    )
    factories.EquipmentFactory(site=site_a, asset_tag="MR-1")  # in another room
    client.force_login(tech)

    response = client.get(location_page(ct_room))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Main / CT 1" in page and "Controlled" in page
    assert [e.asset_tag for e in response.context["equipment_list"]] == ["CT-1", "CT-2"]
    assert "In service" in page and "Out of service" in page
    assert "MR-1" not in page


def test_the_location_page_is_paginated(client, tech, ct_room, site_a):
    for n in range(PAGE_SIZE + 1):
        factories.EquipmentFactory(site=site_a, location=ct_room, asset_tag=f"EQ-{n:03d}")
    client.force_login(tech)

    first = client.get(location_page(ct_room))
    second = client.get(location_page(ct_room), {"page": 2})

    assert len(first.context["equipment_list"]) == PAGE_SIZE
    assert [e.asset_tag for e in second.context["equipment_list"]] == [f"EQ-{PAGE_SIZE:03d}"]
    assert 'rel="next"' in first.content.decode()
    assert client.get(location_page(ct_room), {"page": 3}).status_code == 404
    assert client.get(location_page(ct_room), {"page": "last-ish"}).status_code == 404


def test_the_location_page_shows_the_rooms_audit_history(client, manager, site_a):
    client.force_login(manager)
    room = services.create_location(
        actor=manager, site=site_a, building="Main", room="MRI 1", area_class=AreaClass.MRI_ZONE_IV
    )
    services.update_location(actor=manager, location=room, room="MRI 2")

    response = client.get(location_page(room))

    actions = [event.action for event in response.context["audit_history"]]
    assert actions == ["update", "create"]
    assert "MRI 2" in response.content.decode()


def test_a_secured_hot_lab_says_so(client, tech, hot_lab):
    client.force_login(tech)

    page = client.get(location_page(hot_lab)).content.decode()

    assert "Restricted (radioactive material)" in page
    assert "Secured storage" in page


def test_only_people_who_may_edit_the_room_are_offered_to(client, tech, rso, manager, ct_room):
    edit = reverse("equipment:location_edit", args=[ct_room.pk])
    offered = {}
    for user in (tech, rso, manager):
        client.force_login(user)
        offered[user.username] = edit in client.get(location_page(ct_room)).content.decode()

    assert offered == {"tess": False, "rosa": False, "max": True}


@pytest.mark.req("11.10(d)")
def test_another_sites_location_page_answers_404(client, manager, site_b):
    elsewhere = factories.LocationFactory(site=site_b)
    client.force_login(manager)

    assert client.get(location_page(elsewhere)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, ct_room):
    response = client.get(location_page(ct_room))

    assert response.status_code == 302
    assert "/login" in response.url or "next=" in response.url


def test_saving_a_location_leads_to_its_page(client, manager, site_a):
    client.force_login(manager)

    response = client.post(
        reverse("equipment:location_create"),
        {"site": site_a.pk, "building": "Main", "room": "X-ray 2", "area_class": "controlled"},
    )

    assert response.status_code == 302
    assert response.url == location_page(site_a.locations.get(room="X-ray 2"))


# --- links from the equipment pages ---------------------------------------------------------


def test_rooms_are_linked_from_the_lists_and_the_equipment_page(client, tech, ct_room, site_a):
    ct = factories.EquipmentFactory(site=site_a, location=ct_room, asset_tag="CT-1")
    client.force_login(tech)
    link = f'href="{location_page(ct_room)}"'

    assert link in client.get(reverse("equipment:detail", args=[ct.pk])).content.decode()
    assert link in client.get(reverse("equipment:list")).content.decode()
    assert link in client.get(reverse("equipment:locations")).content.decode()


# --- queries --------------------------------------------------------------------------------


def test_the_location_page_runs_the_same_queries_for_5_and_for_60_pieces(
    client, person, ct_room, site_a
):
    def queries() -> int:
        client.get(location_page(ct_room))  # warm the session and content types
        with CaptureQueriesContext(connection) as captured:
            assert client.get(location_page(ct_room)).status_code == 200
        return len(captured)

    people = [person(role, site_a) for role in (Role.MANAGER, Role.TECHNICIAN, Role.INSPECTOR)]
    statuses = [S.IN_SERVICE, S.OUT_OF_SERVICE, S.AWAITING_ACCEPTANCE, S.RETIRED]

    def add(start, count):
        for n in range(start, start + count):
            factories.EquipmentFactory(
                site=site_a, location=ct_room, asset_tag=f"EQ-{n:03d}", status=statuses[n % 4]
            )

    def measure():
        counts = {}
        for user in people:
            client.force_login(user)
            counts[user.username] = queries()
        return counts

    add(0, 5)
    few = measure()
    add(5, 55)
    many = measure()

    assert few == many


# --- secured storage holds while sources are kept there ---------------------------------------


def test_secured_storage_cannot_be_lifted_while_sources_are_kept_there(rso, site_a, hot_lab):
    sealed_source(site_a, hot_lab, "SRC-1")
    sealed_source(site_a, hot_lab, "SRC-2")

    with pytest.raises(ValidationError) as excinfo:
        services.update_location(actor=rso, location=hot_lab, secured_storage=False)

    (message,) = excinfo.value.message_dict["secured_storage"]
    assert "SRC-1, SRC-2" in message and "20.1801" in message
    hot_lab.refresh_from_db()
    assert hot_lab.secured_storage is True


def test_secured_storage_may_be_lifted_once_the_sources_are_gone(manager, site_a, hot_lab):
    sealed_source(site_a, hot_lab, "SRC-1", status=S.DISPOSED)

    services.update_location(actor=manager, location=hot_lab, secured_storage=False)

    hot_lab.refresh_from_db()
    assert hot_lab.secured_storage is False


def test_lifting_secured_storage_on_the_form_is_an_error_on_that_field(
    client, manager, site_a, hot_lab
):
    sealed_source(site_a, hot_lab)
    client.force_login(manager)

    response = client.post(
        reverse("equipment:location_edit", args=[hot_lab.pk]),
        {"building": "Nuclear Medicine", "room": "Hot lab", "area_class": "restricted"},
    )

    assert response.status_code == 400
    assert "secured_storage" in response.context["form"].errors
