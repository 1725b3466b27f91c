"""The procedure pages: your sites' procedures and the library, filtered; one procedure with
its checks, each numeric band drawn as a number line with a text equivalent; another site's
procedure is not found; the list runs the same queries for 5 and for 60 procedures."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from equipment.models import ProcedureKind
from equipment.services.procedures import create_procedure
from tests.equipment.conftest import CTDI, NOW

pytestmark = pytest.mark.django_db


def make(actor, site, code, kind=ProcedureKind.QC):
    return create_procedure(
        actor=actor,
        site=site,
        code=code,
        kind=kind,
        now=NOW,
        name=f"Procedure {code}",
        checks=[CTDI],
    )


def test_the_list_shows_sites_and_library_and_filters(client, tech, manager, admin, site_a, ct_qc):
    library = make(admin, None, "LIB-QC")
    client.force_login(tech)
    page = client.get("/equipment/procedures/")
    assert {p.code for p in page.context["procedures"]} == {"CT-DOSE", "LIB-QC"}
    only = client.get("/equipment/procedures/?library=yes").context["procedures"]
    assert [p.pk for p in only] == [library.pk]
    none = client.get("/equipment/procedures/?kind=leak_test")
    assert "No procedure matches" in none.content.decode()


def test_the_page_draws_each_numeric_band(client, tech, ct_qc):
    client.force_login(tech)
    page = client.get(f"/equipment/procedures/{ct_qc.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and "<svg" in text
    assert "Tolerance high 10 % of reference (inclusive)" in text


def test_another_sites_procedure_is_not_found(client, person, site_b, ct_qc):
    client.force_login(person("technician", site_b))
    assert client.get(f"/equipment/procedures/{ct_qc.pk}/").status_code == 404
    assert list(client.get("/equipment/procedures/").context["procedures"]) == []


def count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_runs_the_same_queries_for_5_and_60_procedures(client, tech, manager, site_a):
    client.force_login(tech)
    for n in range(5):
        make(manager, site_a, f"A{n}")
    few = count(client, "/equipment/procedures/")
    for n in range(55):
        make(manager, site_a, f"B{n}")
    assert count(client, "/equipment/procedures/") == few
