"""Who manages courses and requirements: the site's managers; its RSO for radiation-safety
courses only; the organisation catalog only system administrators."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from imaging_ops.vocabulary import Role
from tests.training.conftest import NOW
from training.models import Requirement
from training.services.courses import create_course, create_requirement, retire_requirement

pytestmark = pytest.mark.django_db


def course(actor, site, category="radiation_safety", code="RS-1"):
    return create_course(
        actor=actor, site=site, now=NOW, code=code, title="A course", category=category
    )


def test_a_manager_creates_courses_of_any_category(manager, site_a):
    assert course(manager, site_a, "mri_safety").site == site_a


def test_the_rso_manages_radiation_safety_courses_only(rso, site_a):
    made = course(rso, site_a)
    create_requirement(
        actor=rso, site=site_a, course=made, basis="area_class", subject="restricted", now=NOW
    )
    with pytest.raises(PermissionDenied, match="radiation-safety"):
        course(rso, site_a, "mri_safety", code="MRI-1")


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.PHYSICIST, Role.INSPECTOR])
def test_other_roles_do_not_manage_courses(person, site_a, role):
    with pytest.raises(PermissionDenied):
        course(person(role, site_a), site_a)


def test_a_trainee_manager_does_not_manage_courses(person, site_a):
    with pytest.raises(PermissionDenied):
        course(person(Role.MANAGER, site_a, is_trainee=True), site_a)


def test_the_catalog_is_for_system_administrators(manager):
    with pytest.raises(PermissionDenied):
        course(manager, None)


def test_a_requirement_names_a_real_subject_once(manager, site_a):
    made = course(manager, site_a)
    with pytest.raises(ValidationError) as wrong:
        create_requirement(
            actor=manager, site=site_a, course=made, basis="modality", subject="XX", now=NOW
        )
    assert "subject" in wrong.value.message_dict
    create_requirement(
        actor=manager, site=site_a, course=made, basis="modality", subject="NM", now=NOW
    )
    with pytest.raises(ValidationError) as twice:
        create_requirement(
            actor=manager, site=site_a, course=made, basis="modality", subject="NM", now=NOW
        )
    assert "subject" in twice.value.message_dict


def test_another_sites_course_cannot_be_required(manager, person, site_a, site_b):
    other = course(person(Role.MANAGER, site_b, username="bmgr"), site_b)
    with pytest.raises(ValidationError) as refused:
        create_requirement(
            actor=manager, site=site_a, course=other, basis="role", subject="technician", now=NOW
        )
    assert "course" in refused.value.message_dict


def test_a_retired_requirement_needs_a_reason_and_stays(manager, site_a):
    made = course(manager, site_a)
    requirement = create_requirement(
        actor=manager, site=site_a, course=made, basis="role", subject="technician", now=NOW
    )
    with pytest.raises(ValidationError):
        retire_requirement(actor=manager, requirement=requirement, reason=" ", now=NOW)
    retire_requirement(actor=manager, requirement=requirement, reason="Policy changed", now=NOW)
    assert Requirement.objects.get(pk=requirement.pk).retired_at == NOW
