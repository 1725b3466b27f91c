"""The catalog's "verify locally" flag and citations reach the procedure page and the API, for
the library procedure and a site's copy of it."""

import pytest
from django.urls import reverse

from equipment.models import Procedure
from equipment.services.procedures import copy_library_procedure
from tests.compliance.catalog.conftest import NOW

pytestmark = pytest.mark.django_db


def library(code):
    return Procedure.objects.get(site=None, code=code)


def test_the_procedure_page_shows_the_verify_locally_badge_and_what_to_verify(
    loaded, client, manager
):
    client.force_login(manager)
    html = client.get(
        reverse("equipment:procedure_detail", args=[library("IEC62353-ELECTRICAL-SAFETY").pk])
    ).content.decode()
    assert 'id="verify-locally-badge"' in html
    assert "The leakage limits and the interval" in html
    assert "Checks whose limits to verify: <bdi>Insulation resistance</bdi>" in html
    assert "Catalog <bdi>IEC62353-ELECTRICAL-SAFETY</bdi> v<bdi>2</bdi>" in html
    assert "Source: <bdi>IEC 62353: ≤ 300 mΩ" in html


def test_a_confirmed_procedure_shows_no_badge(loaded, client, manager):
    client.force_login(manager)
    html = client.get(
        reverse("equipment:procedure_detail", args=[library("NRC-LEAK-TEST").pk])
    ).content.decode()
    assert "verify-locally-badge" not in html
    assert 'id="catalog-origin"' in html


def test_a_site_copy_shows_the_flag_too(loaded, client, admin, manager, site_a):
    copy = copy_library_procedure(
        actor=admin, procedure=library("ACR-CT-DAILY-WATER"), site=site_a, now=NOW
    )
    client.force_login(manager)
    html = client.get(reverse("equipment:procedure_detail", args=[copy.pk])).content.decode()
    assert 'id="verify-locally-badge"' in html
    assert "±20 % of the baseline" in html


def test_the_api_carries_the_catalog_fields_and_each_checks_citation(loaded, api, manager):
    api.force_authenticate(manager)
    body = api.get(f"/api/v1/procedures/{library('ACR-CT-DAILY-WATER').pk}/").json()
    assert body["catalog_code"] == "ACR-CT-DAILY-WATER"
    assert body["catalog_version"] == "1"
    assert body["verify_locally"] is True
    assert "±20 % of the baseline" in body["verify_locally_note"]
    assert body["default_due_time"] == "opening"
    water = next(c for c in body["checks"] if c["key"] == "water_hu")
    assert water["verify_locally"] is True
    assert water["citation"].startswith("ACR CT QC Manual 2017")
    leak = api.get(f"/api/v1/procedures/{library('NRC-LEAK-TEST').pk}/").json()
    assert leak["verify_locally"] is False


def test_the_api_refuses_a_check_citation_of_the_wrong_type(api, admin):
    api.force_authenticate(admin)
    response = api.post(
        "/api/v1/procedures/",
        {
            "code": "X-1",
            "kind": "qc",
            "name": "X",
            "checks": [{"key": "a", "name": "A", "kind": "boolean", "citation": 5}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "checks.0.citation" in response.json()
    assert not Procedure.objects.filter(code="X-1").exists()


def test_an_end_of_day_survey_says_it_falls_due_at_closing(loaded, client, manager):
    client.force_login(manager)
    html = client.get(
        reverse("equipment:procedure_detail", args=[library("NRC-AREA-SURVEY").pk])
    ).content.decode()
    assert "Due at the site's closing time." in html
