"""Assigning a procedure to every unit of a modality at a site at once: one schedule on each
active unit without one, the rest skipped with the reason, all or nothing; permission asked once
(the RSO for radiation procedures only); the page previews in a fixed number of queries."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from equipment.models import Category, EquipmentStatus, Schedule
from equipment.selectors.procedures import ALREADY_SCHEDULED
from equipment.services.assignment import assign_to_modality
from equipment.services.schedules import create_schedule
from imaging_ops.vocabulary import Role
from tests import factories
from tests.equipment.conftest import NOW, refused_fields
from tests.page_errors import shown_on

pytestmark = pytest.mark.django_db

LAST_SURVEY = datetime(2025, 6, 10, 14, 0, tzinfo=UTC)


@pytest.fixture
def fleet(site_a, site_b):
    """Alpha's units: three CTs (one a PET/CT), a retired CT, an MR, a sealed source; Beta has
    a CT of its own."""
    unit = factories.EquipmentFactory
    return {
        "ct1": unit(site=site_a, asset_tag="A-CT1"),
        "ct2": unit(site=site_a, asset_tag="A-CT2", status=EquipmentStatus.IN_SERVICE),
        "petct": unit(site=site_a, asset_tag="A-PETCT", modalities=["PT", "CT"]),
        "old": unit(site=site_a, asset_tag="A-CT0", status=EquipmentStatus.RETIRED),
        "mr": unit(site=site_a, asset_tag="A-MR1", modalities=["MR"]),
        "source": unit(
            site=site_a,
            asset_tag="A-CS137",
            category=Category.SEALED_SOURCE,
            modalities=[],
            name="Cs-137 check source",
        ),
        "beta": unit(site=site_b, asset_tag="B-CT1"),
    }


def assign(actor, procedure, **fields):
    fields.setdefault("modality", "CT")
    return assign_to_modality(
        actor=actor, procedure=procedure, site=procedure.site, now=NOW, **fields
    )


def tags(units) -> list[str]:
    return [u.asset_tag for u in units]


def test_every_active_unit_of_the_modality_gets_a_schedule(manager, ct_qc, fleet):
    result = assign(manager, ct_qc)
    assert sorted(tags(s.equipment for s in result.created)) == ["A-CT1", "A-CT2", "A-PETCT"]
    assert [(s.equipment.asset_tag, s.reason) for s in result.skipped] == [
        ("A-CT0", "Retired: retired equipment gets no new schedules.")
    ]
    schedule = Schedule.objects.get(equipment=fleet["ct2"])
    assert schedule.procedure == ct_qc and schedule.anchor == "from_completion"
    assert not Schedule.objects.filter(equipment__in=[fleet["mr"], fleet["beta"]]).exists()
    # The CT survey's percent check needs a reference on each.
    assert result.references_needed == ("ctdi",)


def test_units_that_already_have_one_are_skipped_and_assigning_again_makes_none(
    manager, ct_qc, fleet
):
    create_schedule(actor=manager, equipment=fleet["ct1"], procedure=ct_qc, now=NOW)
    result = assign(manager, ct_qc)
    assert sorted(tags(s.equipment for s in result.created)) == ["A-CT2", "A-PETCT"]
    assert ("A-CT1", ALREADY_SCHEDULED) in [
        (s.equipment.asset_tag, s.reason) for s in result.skipped
    ]
    again = assign(manager, ct_qc)
    assert again.created == ()
    assert Schedule.objects.count() == 3


def test_a_procedure_by_category_reaches_its_categories_without_a_modality(rso, leak_test, fleet):
    result = assign(rso, leak_test, modality=None)
    assert tags(s.equipment for s in result.created) == ["A-CS137"]


def test_the_assignee_and_the_last_done_go_on_every_new_schedule(manager, physicist, ct_qc, fleet):
    result = assign(manager, ct_qc, assignee=physicist, last_done=LAST_SURVEY)
    assert {s.assignee for s in result.created} == {physicist}
    assert {s.last_done for s in result.created} == {LAST_SURVEY}
    by_role = assign(manager, ct_qc, assignee_role=Role.PHYSICIST)
    assert by_role.created == ()


def test_a_last_done_in_the_future_saves_no_schedule(manager, ct_qc, fleet):
    with pytest.raises(ValidationError) as excinfo:
        assign(manager, ct_qc, last_done=datetime(2027, 1, 1, tzinfo=UTC))
    assert refused_fields(excinfo) == {"last_done"}
    assert not Schedule.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"modality": "MR"}, "modality"),
        ({"modality": "XX"}, "modality"),
        ({"modality": None}, "modality"),
        ({"assignee_role": Role.INSPECTOR}, "assignee_role"),
    ],
)
def test_bad_input_is_a_field_error_and_saves_nothing(manager, ct_qc, fleet, fields, field):
    with pytest.raises(ValidationError) as excinfo:
        assign(manager, ct_qc, **fields)
    assert refused_fields(excinfo) == {field}
    assert not Schedule.objects.exists()


def test_a_person_and_a_role_together_are_refused(manager, physicist, ct_qc, fleet):
    with pytest.raises(ValidationError) as excinfo:
        assign(manager, ct_qc, assignee=physicist, assignee_role=Role.PHYSICIST)
    assert refused_fields(excinfo) == {"assignee_role"}


def test_the_assignee_must_work_at_the_site(manager, person, site_b, ct_qc, fleet):
    with pytest.raises(ValidationError) as excinfo:
        assign(manager, ct_qc, assignee=person(Role.PHYSICIST, site_b))
    assert refused_fields(excinfo) == {"assignee"}


def test_a_library_procedure_is_assigned_through_a_copy(admin, library_qc, site_a, fleet):
    with pytest.raises(ValidationError) as excinfo:
        assign_to_modality(actor=admin, procedure=library_qc, site=site_a, modality="CT", now=NOW)
    assert refused_fields(excinfo) == {"procedure"}


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.INSPECTOR])
def test_technicians_and_inspectors_may_not_assign(person, site_a, ct_qc, fleet, role):
    with pytest.raises(PermissionDenied):
        assign(person(role, site_a), ct_qc)
    assert not Schedule.objects.exists()


def test_the_rso_assigns_radiation_procedures_only(rso, ct_qc, leak_test, fleet):
    with pytest.raises(PermissionDenied, match="radiation procedures only"):
        assign(rso, ct_qc)
    assert assign(rso, leak_test, modality=None).created


def test_permission_is_asked_before_the_input_is_judged(person, site_b, ct_qc, fleet):
    with pytest.raises(PermissionDenied):
        assign(person(Role.MANAGER, site_b), ct_qc, modality="XX")


# --- the page ------------------------------------------------------------------------------


def assign_url(procedure):
    return reverse("equipment:procedure_assign", args=[procedure.pk])


def test_the_preview_lists_who_gets_one_and_who_is_skipped_and_creates_nothing(
    signed_in, manager, ct_qc, fleet
):
    response = signed_in(manager).get(assign_url(ct_qc), {"preview": "1", "modality": "CT"})
    assert response.status_code == 200
    plan = response.context["plan"]
    assert tags(plan.create) == ["A-CT1", "A-CT2", "A-PETCT"]
    assert [s.equipment.asset_tag for s in plan.skipped] == ["A-CT0"]
    text = response.content.decode()
    assert "Create 3 schedules" in text and "Retired: retired equipment" in text
    assert not Schedule.objects.exists()


def test_confirming_creates_the_schedules(signed_in, manager, physicist, ct_qc, fleet):
    data = {
        "modality": "CT",
        "assignee": physicist.pk,
        "last_done_on": "2025-06-10",
        "last_done_at": "10:00",
    }
    response = signed_in(manager).post(assign_url(ct_qc), data)
    assert response.status_code == 302
    assert Schedule.objects.filter(procedure=ct_qc, assignee=physicist).count() == 3
    # 10:00 in New York on a summer day is 14:00 UTC.
    assert set(Schedule.objects.values_list("last_done", flat=True)) == {LAST_SURVEY}
    follow = signed_in(manager).get(response["Location"])
    assert "Created 3 schedules; skipped 1 unit." in follow.content.decode()


def test_a_bad_preview_shows_its_field_errors(signed_in, manager, person, site_b, ct_qc, fleet):
    outsider = person(Role.PHYSICIST, site_b)
    client = signed_in(manager)
    response = client.get(assign_url(ct_qc), {"preview": "1", "modality": "MR"})
    assert response.status_code == 400 and shown_on(response, "modality")
    response = client.get(
        assign_url(ct_qc), {"preview": "1", "modality": "CT", "assignee": outsider.pk}
    )
    assert response.status_code == 400 and shown_on(response, "assignee")
    assert response.context["plan"] is None


def test_a_day_without_a_time_is_refused_and_saves_nothing(signed_in, manager, ct_qc, fleet):
    response = signed_in(manager).post(
        assign_url(ct_qc), {"modality": "CT", "last_done_on": "2025-06-10"}
    )
    assert response.status_code == 400
    assert shown_on(response, "last_done_at") == ["Give the time it was done too."]
    assert not Schedule.objects.exists()


def test_a_future_last_done_on_the_page_is_a_field_error(signed_in, manager, ct_qc, fleet):
    response = signed_in(manager).post(
        assign_url(ct_qc),
        {"modality": "CT", "last_done_on": "2027-01-01", "last_done_at": "09:00"},
    )
    assert response.status_code == 400
    assert not Schedule.objects.exists()
    assert "The work cannot have been done in the future." in response.content.decode()


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.INSPECTOR, Role.RSO])
def test_those_who_may_not_edit_the_survey_get_no_form(
    signed_in, person, site_a, ct_qc, fleet, role
):
    client = signed_in(person(role, site_a))
    assert client.get(assign_url(ct_qc)).status_code == 403
    assert client.post(assign_url(ct_qc), {"modality": "CT"}).status_code == 403
    assert not Schedule.objects.exists()


def test_a_library_procedure_answers_409_with_the_way_forward(signed_in, manager, library_qc):
    response = signed_in(manager).get(assign_url(library_qc))
    assert response.status_code == 409
    assert "copy it to your site first" in response.content.decode()


def test_another_sites_procedure_answers_404(signed_in, person, site_b, ct_qc):
    assert signed_in(person(Role.MANAGER, site_b)).get(assign_url(ct_qc)).status_code == 404


def test_assign_refuses_a_post_without_the_csrf_token(manager, ct_qc, fleet):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.post(assign_url(ct_qc), {"modality": "CT"}).status_code == 403
    assert not Schedule.objects.exists()


def test_the_preview_runs_the_same_queries_for_5_and_120_units(
    signed_in, manager, ct_qc, fleet, site_a, person
):
    for n in range(4):
        person(Role.TECHNICIAN, site_a, username=f"tech{n}")
    client = signed_in(manager)
    query = {"preview": "1", "modality": "CT"}

    def count():
        client.get(assign_url(ct_qc), query)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(assign_url(ct_qc), query)
        assert response.status_code == 200
        return len(captured), len(response.context["plan"].create)

    small, made = count()
    for n in range(115):
        status = EquipmentStatus.RETIRED if n % 10 == 0 else EquipmentStatus.IN_SERVICE
        factories.EquipmentFactory(site=site_a, asset_tag=f"A-CT{n + 10}", status=status)
    for n in range(20):
        person(Role.PHYSICIST, site_a, username=f"phys{n}")
    create_schedule(actor=manager, equipment=fleet["ct1"], procedure=ct_qc, now=NOW)
    large, made_large = count()
    assert made_large > made + 100
    assert large == small
