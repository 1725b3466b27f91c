"""The training pages: the matrix with its filters and CSV (constant queries), recording a
session in one form, a person's page and "my training", the courses list and the
authorization list."""

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imaging_ops.vocabulary import Role
from tests import factories
from tests.training.conftest import NOW, train
from training.models import TrainingRecord

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on_the_4th():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_matrix_page_and_its_csv(client, manager, tech, physicist, site_a, ct_dose):
    train(physicist, site_a, ct_dose, tech)
    client.force_login(manager)
    page = client.get(f"/training/sites/{site_a.code}/matrix/")
    assert page.status_code == 200
    assert b'data-status="current"' in page.content and b'data-status="missing"' in page.content
    filtered = client.get(f"/training/sites/{site_a.code}/matrix/", {"status": "missing"})
    assert tech.username.encode() not in filtered.content
    assert client.get(f"/training/sites/{site_a.code}/matrix/", {"status": "x"}).status_code == 400
    refused = client.get(f"/training/sites/{site_a.code}/matrix.csv", {"role": "pilot"})
    assert refused.status_code == 302 and "role=pilot" in refused["Location"]
    csv = b"".join(client.get(f"/training/sites/{site_a.code}/matrix.csv").streaming_content)
    lines = csv.decode().splitlines()
    assert lines[0] == "person,username,roles,CT-DOSE,CT-DOSE expires on"
    assert any(
        line.startswith(f"{tech.full_name},tess,Technician,Current,2027-03-04") for line in lines
    )


def test_the_matrix_page_runs_a_constant_number_of_queries(
    client, manager, physicist, site_a, ct_dose
):
    client.force_login(manager)
    url = f"/training/sites/{site_a.code}/matrix/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    people = [
        factories.MembershipFactory(site=site_a, role=Role.TECHNICIAN).user for _ in range(30)
    ]
    train(physicist, site_a, ct_dose, *people)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_another_sites_matrix_is_not_found(client, person, site_a, site_b):
    client.force_login(person(Role.MANAGER, site_b, username="bmgr"))
    assert client.get(f"/training/sites/{site_a.code}/matrix/").status_code == 404


def test_recording_a_session_in_one_form(client, tech, person, site_a, ct_dose):
    people = [person(Role.TECHNICIAN, site_a, username=f"n{i}") for i in range(3)]
    client.force_login(tech)
    url = f"/training/sites/{site_a.code}/sessions/new/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "course": ct_dose.pk,
            "held_on": "2026-03-04",
            "attendees": [p.pk for p in people],
            "not_passed": [people[2].pk],
            "username": "tess",
            "password": factories.PASSWORD,
            "acknowledge_policy": "on",
        },
    )
    assert response.status_code == 302
    assert TrainingRecord.objects.filter(counts=True).count() == 2
    assert TrainingRecord.objects.filter(counts=False, person=people[2]).exists()


def test_a_wrong_password_shows_on_the_form_and_saves_nothing(
    client, tech, person, site_a, ct_dose
):
    other = person(Role.TECHNICIAN, site_a, username="other")
    client.force_login(tech)
    response = client.post(
        f"/training/sites/{site_a.code}/sessions/new/",
        {
            "course": ct_dose.pk,
            "held_on": "2026-03-04",
            "attendees": [other.pk],
            "username": "tess",
            "password": "nope",
            "acknowledge_policy": "on",
        },
    )
    assert response.status_code == 400
    assert "password" in response.context["form"].errors
    assert not TrainingRecord.objects.exists()


def test_a_trainee_gets_403_for_the_session_form(client, person, site_a, ct_dose):
    client.force_login(person(Role.TECHNICIAN, site_a, username="learner", is_trainee=True))
    url = f"/training/sites/{site_a.code}/sessions/new/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"course": ct_dose.pk, "password": "x"}).status_code == 403
    assert not TrainingRecord.objects.exists()


def test_my_training_and_a_persons_page(client, tech, physicist, person, site_a, site_b, ct_dose):
    train(physicist, site_a, ct_dose, tech)
    client.force_login(tech)
    mine = client.get("/training/")
    assert mine.status_code == 200 and b"CT-DOSE" in mine.content and b"Current" in mine.content
    client.force_login(physicist)
    assert b"CT-DOSE" in client.get(f"/training/people/{tech.pk}/").content
    client.force_login(person(Role.MANAGER, site_b, username="bmgr"))
    assert client.get(f"/training/people/{tech.pk}/").status_code == 404


def test_the_courses_and_authorization_pages(client, manager, tech, physicist, site_a, mri_l2):
    train(physicist, site_a, mri_l2, tech, held_on=date(2026, 3, 1))
    client.force_login(manager)
    assert b"MRI-L2" in client.get("/training/courses/").content
    page = client.get(f"/training/sites/{site_a.code}/authorized/mri_zone_4/")
    assert page.status_code == 200 and [p.username for p in page.context["people"]] == ["tess"]
    assert client.get(f"/training/sites/{site_a.code}/authorized/nowhere/").status_code == 404


def test_the_matrix_escapes_names_and_links_each_person(client, manager, tech, site_a, ct_dose):
    tech.full_name = 'Zoë <b>"Ångström"</b>'
    tech.save()
    client.force_login(manager)
    page = client.get(f"/training/sites/{site_a.code}/matrix/").content.decode()
    assert "<b>" not in page and "Zoë &lt;b&gt;&quot;Ångström&quot;&lt;/b&gt;" in page
    assert f'href="/training/people/{tech.pk}/"' in page
