"""Managing courses and requirements in the app's pages: managers, the RSO for radiation-safety
courses; everyone else at the site sees the requirements and gets 403 for the forms."""

import pytest

from training.models import Course, Requirement

pytestmark = pytest.mark.django_db


def test_a_manager_creates_a_course_and_requires_it(client, manager, site_a):
    client.force_login(manager)
    response = client.post(
        f"/training/sites/{site_a.code}/courses/new/",
        {
            "code": "MRI-L1",
            "title": "MRI safety level 1",
            "category": "mri_safety",
            "validity_months": "12",
            "area_classes": ["mri_zone_3"],
        },
    )
    assert response.status_code == 302
    course = Course.objects.get(code="MRI-L1", site=site_a)
    assert course.area_classes == ["mri_zone_3"]
    url = f"/training/sites/{site_a.code}/requirements/"
    response = client.post(url, {"course": course.pk, "required_for": "area_class:mri_zone_3"})
    assert response.status_code == 302
    requirement = Requirement.objects.get()
    page = client.get(url)
    assert b"MRI-L1" in page.content
    retire = client.post(f"/training/requirements/{requirement.pk}/retire/", {"reason": ""})
    assert retire.status_code == 400 and "reason" in retire.context["form"].errors
    client.post(f"/training/requirements/{requirement.pk}/retire/", {"reason": "Merged"})
    requirement.refresh_from_db()
    assert requirement.retired_at is not None


def test_a_bad_course_names_its_fields(client, manager, site_a):
    client.force_login(manager)
    response = client.post(
        f"/training/sites/{site_a.code}/courses/new/",
        {"code": "", "title": "X", "category": "nope", "validity_months": "0"},
    )
    assert response.status_code == 400
    assert {"code", "category", "validity_months"} <= set(response.context["form"].errors)
    assert not Course.objects.exists()


def test_the_rso_may_not_create_an_mri_course(client, rso, site_a):
    client.force_login(rso)
    response = client.post(
        f"/training/sites/{site_a.code}/courses/new/",
        {"code": "MRI-L1", "title": "MRI", "category": "mri_safety"},
    )
    assert response.status_code == 403
    assert not Course.objects.exists()


def test_a_technician_sees_the_requirements_but_not_the_forms(client, tech, site_a):
    client.force_login(tech)
    assert client.get(f"/training/sites/{site_a.code}/requirements/").status_code == 200
    assert client.get(f"/training/sites/{site_a.code}/courses/new/").status_code == 403
    response = client.post(f"/training/sites/{site_a.code}/requirements/", {"course": "1"})
    assert response.status_code == 403
