"""Copying a library procedure to one of the person's sites: the sites offered are those where
they may edit it and that hold no copy yet; the copy keeps its link to the original."""

import pytest
from django.test import Client
from django.urls import reverse

from equipment.models import Procedure
from equipment.services.procedures import copy_library_procedure, create_procedure
from imaging_ops.models import User
from imaging_ops.vocabulary import Role
from tests import factories
from tests.equipment.conftest import NOW
from tests.page_errors import shown_on

pytestmark = pytest.mark.django_db


def copy_url(procedure):
    return reverse("equipment:procedure_copy", args=[procedure.pk])


def offered_sites(response) -> set[str]:
    return {label for value, label in response.context["form"].fields["site"].choices if value}


def test_a_manager_copies_a_library_procedure_to_their_site(signed_in, manager, site_a, library_qc):
    client = signed_in(manager)
    response = client.get(copy_url(library_qc))
    assert response.status_code == 200 and offered_sites(response) == {str(site_a)}
    response = client.post(copy_url(library_qc), {"site": site_a.pk})
    copy = Procedure.objects.get(site=site_a)
    assert response.status_code == 302
    assert response["Location"] == reverse("equipment:procedure_detail", args=[copy.pk])
    assert copy.copied_from == library_qc and copy.current_version.name == "CT daily QC (library)"


def test_a_manager_of_two_sites_chooses_among_those_without_a_copy(
    signed_in, manager, site_a, site_b, library_qc
):
    factories.MembershipFactory(user=manager, site=site_b, role=Role.MANAGER)
    manager = User.objects.get(pk=manager.pk)
    copy_library_procedure(actor=manager, procedure=library_qc, site=site_a, now=NOW)
    response = signed_in(manager).get(copy_url(library_qc))
    assert offered_sites(response) == {str(site_b)}


def test_a_site_that_already_has_its_copy_is_told_so(signed_in, manager, site_a, library_qc):
    copy_library_procedure(actor=manager, procedure=library_qc, site=site_a, now=NOW)
    response = signed_in(manager).get(copy_url(library_qc))
    assert response.status_code == 409
    assert "already has its copy" in response.content.decode()


def test_a_code_the_site_already_uses_is_said_beside_the_site(
    signed_in, admin, manager, site_a, ct_qc
):
    library = create_procedure(
        actor=admin, site=None, code="CT-DOSE", kind="qc", now=NOW, name="Library CT dose"
    )
    response = signed_in(manager).post(copy_url(library), {"site": site_a.pk})
    assert response.status_code == 400
    assert shown_on(response, "site") == ["This site already has a procedure with that code."]


def test_a_site_not_offered_is_a_field_error(signed_in, manager, site_b, library_qc):
    response = signed_in(manager).post(copy_url(library_qc), {"site": site_b.pk})
    assert response.status_code == 400
    assert shown_on(response, "site")
    assert not Procedure.objects.filter(copied_from=library_qc).exists()


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.INSPECTOR])
def test_technicians_and_inspectors_may_not_copy(signed_in, person, site_a, library_qc, role):
    client = signed_in(person(role, site_a))
    assert client.get(copy_url(library_qc)).status_code == 403
    assert client.post(copy_url(library_qc), {"site": site_a.pk}).status_code == 403
    assert not Procedure.objects.filter(copied_from=library_qc).exists()


def test_the_rso_copies_the_leak_test_but_not_the_ct_qc(
    signed_in, rso, site_a, library_qc, library_leak
):
    client = signed_in(rso)
    assert client.get(copy_url(library_qc)).status_code == 403
    assert client.post(copy_url(library_leak), {"site": site_a.pk}).status_code == 302
    assert Procedure.objects.get(copied_from=library_leak).site == site_a


def test_a_sites_own_procedure_is_not_copied(signed_in, manager, ct_qc):
    response = signed_in(manager).get(copy_url(ct_qc))
    assert response.status_code == 409
    assert "organisation library" in response.content.decode()


def test_copy_refuses_a_post_without_the_csrf_token(manager, site_a, library_qc):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.post(copy_url(library_qc), {"site": site_a.pk}).status_code == 403
    assert not Procedure.objects.filter(copied_from=library_qc).exists()
