"""Adding or changing a role shows every field error of one submit at once: a date that does
not parse beside an inspector marked as trainee, each on its field, and nothing is saved."""

import pytest

from imaging_ops.models import SiteMembership
from imaging_ops.vocabulary import Role
from tests.page_errors import shown_on

pytestmark = pytest.mark.django_db

NOT_A_TRAINEE = "Inspectors are not trainees."
BAD_DATE = "Enter a valid date."


@pytest.fixture
def colleague(person, site_a):
    return person(Role.TECHNICIAN, site_a, username="colleague")


def test_a_new_role_with_a_bad_date_and_a_trainee_inspector_shows_both(
    client, manager, site_a, colleague
):
    client.force_login(manager)
    before = SiteMembership.objects.count()

    response = client.post(
        f"/sites/{site_a.code}/people/{colleague.pk}/roles/",
        {"role": Role.INSPECTOR, "is_trainee": "on", "expires_on": "next spring"},
    )

    assert response.status_code == 400
    assert shown_on(response, "is_trainee") == [NOT_A_TRAINEE]
    assert shown_on(response, "expires_on") == [BAD_DATE]
    assert SiteMembership.objects.count() == before


def test_a_role_change_with_a_bad_date_and_a_trainee_inspector_shows_both(
    client, manager, site_a, person
):
    inspector = person(Role.INSPECTOR, site_a, username="ines")
    row = SiteMembership.objects.get(user=inspector, site=site_a)
    client.force_login(manager)

    response = client.post(
        f"/sites/{site_a.code}/roles/{row.pk}/",
        {f"m{row.pk}-is_trainee": "on", f"m{row.pk}-expires_on": "31/31/2030"},
    )

    assert response.status_code == 400
    assert shown_on(response, f"m{row.pk}-is_trainee") == [NOT_A_TRAINEE]
    assert shown_on(response, f"m{row.pk}-expires_on") == [BAD_DATE]
    row.refresh_from_db()
    assert row.is_trainee is False
