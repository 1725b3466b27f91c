"""/compliance/catalog/: the catalog by source for those who edit procedures, with citations,
"verify locally" flags and what their sites use; assigning a catalog procedure at a site makes
the site's copy and hands over to the procedure's assign page, which schedules every matching
unit at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from equipment.models import Category, Procedure, Schedule
from equipment.services.assignment import assign_to_modality
from equipment.services.procedures import copy_library_procedure
from imaging_ops.vocabulary import Role
from tests import factories
from tests.compliance.catalog.conftest import NOW

pytestmark = pytest.mark.django_db

URL = "/compliance/catalog/"


def library(code):
    return Procedure.objects.select_related("current_version").get(site=None, code=code)


def assign_at(client, procedure, site):
    return client.post(reverse("compliance:catalog_assign", args=[procedure.pk]), {"site": site.pk})


def test_the_catalog_lives_at_compliance_catalog():
    assert reverse("compliance:catalog") == URL


def test_a_manager_sees_the_catalog_by_source_with_citations_and_flags(loaded, client, manager):
    client.force_login(manager)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for source in ("source-acr_ct", "source-nrc_part35", "source-iec_62353", "source-mqsa"):
        assert f'id="{source}"' in html
    assert "Citation: <bdi>10 CFR 35.67</bdi>" in html
    row = html.split('id="catalog-ACR-CT-DAILY-WATER"')[1].split("</li>\n  \n")[0]
    assert "Verify locally" in row
    leak = html.split('id="catalog-NRC-LEAK-TEST"')[1].split('id="catalog-')[0]
    assert "verify-locally" not in leak
    assert "Assign at ALPHA" in html


def test_before_loading_the_page_lists_what_ships_and_says_how_to_load(client, manager):
    client.force_login(manager)
    html = client.get(URL).content.decode()
    assert 'id="catalog-not-loaded"' in html
    assert "manage.py load_catalog" in html
    assert "Assign at" not in html


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.INSPECTOR])
def test_those_who_do_not_edit_procedures_are_refused(loaded, client, person, site_a, role):
    client.force_login(person(role, site_a))
    assert client.get(URL).status_code == 403


def test_a_visitor_signs_in_first(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_rso_may_assign_radiation_procedures_only(loaded, client, rso):
    client.force_login(rso)
    html = client.get(URL).content.decode()
    leak = html.split('id="catalog-NRC-LEAK-TEST"')[1].split('id="catalog-')[0]
    ct = html.split('id="catalog-ACR-CT-DAILY-WATER"')[1].split('id="catalog-')[0]
    assert "Assign at ALPHA" in leak
    assert "Assign at ALPHA" not in ct
    response = assign_at(client, library("ACR-CT-DAILY-WATER"), rso.memberships.get().site)
    assert response.status_code == 403
    assert not Procedure.objects.filter(site__isnull=False).exists()


def test_assigning_makes_the_site_copy_and_opens_its_assign_page(loaded, client, manager, site_a):
    client.force_login(manager)
    response = assign_at(client, library("ACR-CT-DAILY-WATER"), site_a)
    copy = Procedure.objects.get(site=site_a, code="ACR-CT-DAILY-WATER")
    assert copy.copied_from == library("ACR-CT-DAILY-WATER")
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("equipment:procedure_assign", args=[copy.pk]) + "?modality=CT&preview=1"
    )
    # A second press goes to the same copy's assign page and makes nothing new.
    again = assign_at(client, library("ACR-CT-DAILY-WATER"), site_a)
    assert again["Location"] == response["Location"]
    assert Procedure.objects.filter(site=site_a).count() == 1


def test_the_assign_page_then_schedules_every_matching_unit(loaded, client, manager, site_a):
    """GIVEN two CTs and an MR at Alpha WHEN the manager assigns the catalog's daily water
    phantom there THEN both CTs get a schedule each clinical day and the page counts them."""
    for tag, modality in (("CT1", "CT"), ("CT2", "CT"), ("MR1", "MR")):
        factories.EquipmentFactory(site=site_a, asset_tag=tag, modalities=[modality])
    client.force_login(manager)
    location = assign_at(client, library("ACR-CT-DAILY-WATER"), site_a)["Location"]
    preview = client.get(location)
    assert preview.status_code == 200
    response = client.post(
        location.split("?")[0], {"modality": "CT", "assignee_role": "technician"}
    )
    assert response.status_code == 302
    schedules = Schedule.objects.filter(procedure__site=site_a)
    assert sorted(schedules.values_list("equipment__asset_tag", flat=True)) == ["CT1", "CT2"]
    assert {s.preset for s in schedules} == {"each_clinical_day"}
    html = client.get(URL).content.decode()
    row = html.split('id="catalog-ACR-CT-DAILY-WATER"')[1].split('id="catalog-')[0]
    assert "in use</a>, 2 units" in row


def test_an_end_of_day_survey_assigned_from_the_catalog_falls_due_at_closing(loaded, admin, site_a):
    factories.EquipmentFactory(
        site=site_a, asset_tag="SM1", category=Category.RADIATION_INSTRUMENT, modalities=[]
    )
    copy = copy_library_procedure(
        actor=admin, procedure=library("NRC-AREA-SURVEY"), site=site_a, now=NOW
    )
    made = assign_to_modality(actor=admin, procedure=copy, site=site_a, modality=None, now=NOW)
    assert [s.due_time for s in made.created] == ["closing"]


def test_a_site_with_its_own_procedure_of_that_code_is_told_so(loaded, client, manager, site_a):
    from equipment.services.procedures import create_procedure

    create_procedure(
        actor=manager, site=site_a, code="ACR-CT-MONTHLY", kind="qc", now=NOW, name="Ours"
    )
    client.force_login(manager)
    response = assign_at(client, library("ACR-CT-MONTHLY"), site_a)
    assert response.status_code == 400
    assert "already has a procedure with that code" in response.content.decode()


def test_a_site_outside_the_persons_sites_is_refused(loaded, client, manager, site_b):
    client.force_login(manager)
    response = assign_at(client, library("ACR-CT-MONTHLY"), site_b)
    assert response.status_code == 400
    assert not Procedure.objects.filter(site=site_b).exists()


def _grow(admin, sites, units_per_site):
    for site in sites:
        for code in ("ACR-CT-DAILY-WATER", "NRC-LEAK-TEST", "ACR-MR-ANNUAL"):
            copy_library_procedure(actor=admin, procedure=library(code), site=site, now=NOW)
        for n in range(units_per_site):
            factories.EquipmentFactory(site=site, asset_tag=f"{site.code}-CT{n}", modalities=["CT"])
        copy = Procedure.objects.get(site=site, code="ACR-CT-DAILY-WATER")
        assign_to_modality(actor=admin, procedure=copy, site=site, modality="CT", now=NOW)


def test_the_page_runs_the_same_number_of_queries_for_more_sites_copies_and_units(
    loaded, client, admin, site_a, site_b
):
    _grow(admin, [site_a], 1)
    client.force_login(admin)
    client.get(URL)  # warm up
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    third = factories.SiteFactory(code="GAMMA")
    _grow(admin, [site_b, third], 4)
    with CaptureQueriesContext(connection) as large:
        response = client.get(URL)
    assert "in use</a>, 4 units" in response.content.decode()
    assert len(large) == len(small)


def test_a_managers_page_runs_the_same_number_of_queries_as_the_data_grows(
    loaded, client, admin, manager, site_a
):
    _grow(admin, [site_a], 1)
    client.force_login(manager)
    client.get(URL)  # warm up
    with CaptureQueriesContext(connection) as small:
        client.get(URL)
    for n in range(5):
        factories.EquipmentFactory(site=site_a, asset_tag=f"MORE-CT{n}", modalities=["CT"])
    for code in ("NRC-DC-CONSTANCY", "ACR-PET-DAILY", "MQSA-MEE"):
        copy_library_procedure(actor=admin, procedure=library(code), site=site_a, now=NOW)
    copy = Procedure.objects.get(site=site_a, code="ACR-CT-DAILY-WATER")
    assign_to_modality(actor=admin, procedure=copy, site=site_a, modality="CT", now=NOW)
    with CaptureQueriesContext(connection) as large:
        response = client.get(URL)
    assert "in use</a>, 6 units" in response.content.decode()
    assert len(large) == len(small)
