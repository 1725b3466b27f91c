"""The procedure list: the person's sites' own procedures and the organisation library, filtered,
paginated, exported as CSV, in the same number of queries for 10 and for 500 procedures."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from equipment.models import Procedure
from equipment.services.procedures import copy_library_procedure, new_procedure_version
from equipment.services.schedules import create_schedule
from equipment.views.procedures import PAGE_SIZE
from imaging_ops.models import AuditEvent, User
from imaging_ops.vocabulary import Role
from tests import factories
from tests.equipment.conftest import NOW
from tests.equipment.procedures.conftest import add_procedures
from tests.equipment.schedules.test_schedule_list import add_schedules

pytestmark = pytest.mark.django_db

LIST = reverse("equipment:procedures")
EXPORT = reverse("equipment:procedure_export")


def codes(response) -> list[str]:
    return [p.code for p in response.context["procedures"]]


def test_a_person_sees_their_sites_procedures_and_the_library_not_another_sites(
    signed_in, tech, ct_qc, leak_test, library_qc, person, site_b
):
    elsewhere = person(Role.MANAGER, site_b)
    add_procedures(ct_qc, 1, site=site_b, prefix="BETA")
    response = signed_in(tech).get(LIST)
    assert response.status_code == 200
    assert sorted(codes(response)) == ["CT-DOSE", "LEAK", "LIB-CT-QC"]
    assert sorted(codes(signed_in(elsewhere).get(LIST))) == ["BETA-0000", "LIB-CT-QC"]


def test_the_list_answers_sign_in_first(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"owner": "library"}, ["LIB-CT-QC"]),
        ({"owner": "site"}, ["CT-DOSE", "LEAK"]),
        ({"kind": "leak_test"}, ["LEAK"]),
        ({"modality": "CT"}, ["CT-DOSE", "LIB-CT-QC"]),
        ({"q": "dose"}, ["CT-DOSE"]),
        ({"q": "leak TEST"}, ["LEAK"]),
        ({"q": "library"}, ["LIB-CT-QC"]),
    ],
)
def test_filters_narrow_the_list(signed_in, manager, ct_qc, leak_test, library_qc, query, expected):
    assert sorted(codes(signed_in(manager).get(LIST, query))) == expected


def test_the_site_filter_offers_only_the_persons_sites(signed_in, manager, ct_qc, site_a, site_b):
    add_procedures(ct_qc, 1, site=site_b, prefix="BETA")
    client = signed_in(manager)
    assert codes(client.get(LIST, {"site": site_a.pk})) == ["CT-DOSE"]
    response = client.get(LIST, {"site": site_b.pk})
    assert response.context["filter"].errors
    assert "BETA-0000" not in codes(response)


def test_the_list_is_paginated(signed_in, manager, ct_qc, site_a):
    add_procedures(ct_qc, PAGE_SIZE + 5, site=site_a)
    client = signed_in(manager)
    first = client.get(LIST)
    assert len(codes(first)) == PAGE_SIZE and first.context["is_paginated"]
    second = client.get(LIST, {"page": 2})
    assert len(codes(second)) == 6
    assert not set(codes(first)) & set(codes(second))


def test_a_filter_that_matches_nothing_says_so(signed_in, manager, ct_qc):
    page = signed_in(manager).get(LIST, {"q": "zzz"}).content.decode()
    assert "No procedure matches these filters" in page


def test_with_no_procedures_at_all_a_manager_is_offered_the_first(signed_in, manager, tech):
    page = signed_in(manager).get(LIST).content.decode()
    assert "No procedures yet" in page and reverse("equipment:procedure_create") in page
    page = signed_in(tech).get(LIST).content.decode()
    assert "No procedures yet" in page and reverse("equipment:procedure_create") not in page


def test_copies_say_when_the_library_moved_on(signed_in, admin, manager, site_a, library_qc):
    copy = copy_library_procedure(actor=manager, procedure=library_qc, site=site_a, now=NOW)
    client = signed_in(manager)
    assert "Library has a newer version" not in client.get(LIST).content.decode()
    new_procedure_version(
        actor=admin,
        procedure=library_qc,
        reason="2026 manual",
        now=NOW.replace(day=5),
        name="CT daily QC (2026)",
    )
    page = client.get(LIST).content.decode()
    assert "Library has a newer version" in page
    assert "Copied to your site" in page
    assert copy.code in page


def test_the_export_is_the_filtered_list_as_csv_and_is_audited(
    signed_in, manager, ct_qc, leak_test, library_qc, site_a
):
    response = signed_in(manager).get(EXPORT, {"owner": "site"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["owner"], r["code"], r["checks"]) for r in rows] == [
        ("ALPHA", "CT-DOSE", "2"),
        ("ALPHA", "LEAK", "1"),
    ]
    assert rows[0]["modalities"] == "CT" and rows[1]["citation"] == "10 CFR 35.67"
    event = AuditEvent.objects.get(object_type="procedure list")
    assert event.site_id == site_a.pk and event.changes == {"filters": {"owner": "site"}}


def test_the_export_refuses_bad_filters_back_to_the_list(signed_in, manager, site_b):
    response = signed_in(manager).get(EXPORT, {"site": site_b.pk})
    assert response.status_code == 302 and response["Location"].startswith(LIST)


def queries_for(client, url, query=None) -> int:
    client.get(url, query)  # warm caches (content types, sessions) outside the count
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured)


def test_the_list_and_export_run_the_same_queries_for_10_and_500_procedures(
    signed_in, admin, manager, person, site_a, site_b, ct_qc, ct, library_qc
):
    """GIVEN a manager at both sites, copies of the library and schedules on the procedures
    WHEN the list grows from 10 to 500 procedures (and the schedules to 300)
    THEN every view of it runs the same queries."""
    factories.MembershipFactory(user=manager, site=site_b, role=Role.MANAGER)
    manager = User.objects.get(pk=manager.pk)  # with both roles
    copy_library_procedure(actor=manager, procedure=library_qc, site=site_b, now=NOW)
    survey = create_schedule(actor=manager, equipment=ct, procedure=ct_qc, now=NOW)
    add_procedures(ct_qc, 4, site=site_a, prefix="A")
    add_procedures(ct_qc, 3, site=site_b, prefix="B")
    add_schedules(survey, 5)
    cases = [(LIST, None), (LIST, {"modality": "CT", "q": "dose"}), (EXPORT, None)]
    users = [manager, admin, person(Role.TECHNICIAN, site_a)]

    def measure():
        return {
            (user.username, url, str(query)): queries_for(signed_in(user), url, query)
            for user in users
            for url, query in cases
        }

    small = measure()
    assert Procedure.objects.count() == 10
    add_procedures(ct_qc, 245, site=site_a, prefix="AA")
    add_procedures(ct_qc, 245, site=site_b, prefix="BB")
    add_schedules(survey, 295)
    assert Procedure.objects.count() == 500
    assert measure() == small
    # A deep page costs what the first did.
    for user in users:
        deep = queries_for(signed_in(user), LIST, {"page": 3})
        assert deep == small[user.username, LIST, "None"]
