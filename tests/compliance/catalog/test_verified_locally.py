"""Lifting "verify locally" once a site has checked the flagged values: the procedure's edit
form offers it on a flagged version only, and the new version carries no flag, on the
procedure or its checks, while keeping each check's citation."""

import pytest
from django.urls import reverse

from equipment.models import Procedure
from equipment.services.procedures import CHECK_FIELDS, copy_library_procedure
from tests.compliance.catalog.conftest import NOW
from tests.equipment.procedures.test_procedure_forms import check_fields

pytestmark = pytest.mark.django_db

FORM_FIELDS = [f for f in CHECK_FIELDS if f not in ("citation", "verify_locally")]


def site_copy(admin, site, code):
    library = Procedure.objects.get(site=None, code=code)
    return copy_library_procedure(actor=admin, procedure=library, site=site, now=NOW)


def posted(procedure, **fields) -> dict:
    """The edit form as the page posts it, with the current version's content and checks."""
    version = procedure.current_version
    checks = [
        {name: getattr(check, name) for name in FORM_FIELDS}
        for check in version.checks.order_by("position")
    ]
    data = {
        "name": version.name,
        "modalities": version.modalities,
        "categories": version.categories,
        "citation": version.citation,
        "performer_roles": version.performer_roles,
        "default_anchor": version.default_anchor,
        "default_preset": version.default_preset,
        "checks-TOTAL_FORMS": str(len(checks)),
        "checks-INITIAL_FORMS": "0",
        "checks-MIN_NUM_FORMS": "0",
        "checks-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, check in enumerate(checks):
        data.update(check_fields(index, check))
    return data


def test_the_edit_form_offers_verified_locally_on_a_flagged_version_only(
    loaded, client, admin, manager, site_a
):
    client.force_login(manager)
    flagged = site_copy(admin, site_a, "ACR-CT-DAILY-WATER")
    confirmed = site_copy(admin, site_a, "NRC-SURVEY-METER-CAL")
    url = reverse("equipment:procedure_edit", args=[flagged.pk])
    assert 'name="verified_locally"' in client.get(url).content.decode()
    url = reverse("equipment:procedure_edit", args=[confirmed.pk])
    assert 'name="verified_locally"' not in client.get(url).content.decode()


def test_verified_locally_lifts_the_flag_from_the_new_version_and_its_checks(
    loaded, client, admin, manager, site_a
):
    copy = site_copy(admin, site_a, "ACR-CT-DAILY-WATER")
    client.force_login(manager)
    url = reverse("equipment:procedure_edit", args=[copy.pk])
    response = client.post(
        url, posted(copy, reason="Checked against our ACR manual", verified_locally="on")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    copy.refresh_from_db()
    version = copy.current_version
    assert version.number == 2 and not version.verify_locally
    assert not version.checks.filter(verify_locally=True).exists()
    assert version.checks.get(key="water_hu").citation.startswith("ACR CT QC Manual 2017")
    html = client.get(reverse("equipment:procedure_detail", args=[copy.pk])).content.decode()
    assert "verify-locally-badge" not in html


def test_an_edit_without_it_keeps_the_flag(loaded, client, admin, manager, site_a):
    copy = site_copy(admin, site_a, "ACR-CT-DAILY-WATER")
    client.force_login(manager)
    url = reverse("equipment:procedure_edit", args=[copy.pk])
    assert client.post(url, posted(copy, reason="New name", name="Water QC")).status_code == 302
    copy.refresh_from_db()
    assert copy.current_version.verify_locally
    assert copy.current_version.checks.get(key="water_hu").verify_locally
