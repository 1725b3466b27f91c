"""The site schedule list page and its CSV: scoped, filtered by status and kind, counts per
status, times in the site's zone, and the same queries for 10 and for 200 schedules."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from equipment.models import Procedure, ProcedureVersion, Schedule
from equipment.services.schedules import create_schedule
from imaging_ops.audit.mixin import audited_bulk_writes
from tests.equipment.conftest import NOW
from tests.equipment.schedules.test_schedule_list import LAST_SURVEY, add_schedules

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(manager, ct, ct_qc):
    return create_schedule(
        actor=manager, equipment=ct, procedure=ct_qc, now=NOW, last_done=LAST_SURVEY
    )


def test_the_list_shows_schedules_with_local_times_and_counts(client, tech, survey):
    client.force_login(tech)
    page = client.get("/equipment/schedules/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "ALPHA-CT1" in text and "CT-DOSE" in text
    assert "EDT" in text or "EST" in text  # New York's own clock
    counts = {v: n for v, _label, n in page.context["status_counts"]}
    assert sum(counts.values()) == 1


def test_filters_and_an_empty_result_say_so(client, tech, survey):
    client.force_login(tech)
    page = client.get("/equipment/schedules/?kind=leak_test")
    assert page.context["rows"] == [] and "No schedule matches" in page.content.decode()
    page = client.get("/equipment/schedules/?due_within_days=-3")
    assert page.status_code == 200 and page.context["filter"].errors
    state = page.context["filter"].form.fields["status"].choices[0][0]
    assert client.get(f"/equipment/schedules/?status={state}").status_code == 200


def test_another_sites_people_see_none_of_it(client, person, site_b, survey):
    client.force_login(person("technician", site_b))
    assert client.get("/equipment/schedules/").context["rows"] == []
    export = b"".join(client.get("/equipment/schedules/export/").streaming_content)
    assert len(list(csv.reader(io.StringIO(export.decode())))) == 1


def test_the_csv_has_the_filtered_rows(client, tech, survey):
    client.force_login(tech)
    answer = client.get("/equipment/schedules/export/?kind=physicist_survey")
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert rows[0][:3] == ["site", "asset_tag", "equipment"]
    assert [r[1] for r in rows[1:]] == ["ALPHA-CT1"]


def count(client, url) -> int:
    client.get(url)  # the first request of a login session also saves the session
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(url)
        if hasattr(answer, "streaming_content"):
            b"".join(answer.streaming_content)
    assert answer.status_code == 200
    return len(queries)


def test_page_and_csv_queries_do_not_grow_with_schedules(client, tech, survey):
    client.force_login(tech)
    add_schedules(survey, 9)
    page, export = (
        count(client, "/equipment/schedules/"),
        count(client, "/equipment/schedules/export/"),
    )
    add_schedules(survey, 190)
    assert Schedule.objects.count() == 200
    assert count(client, "/equipment/schedules/") == page
    assert count(client, "/equipment/schedules/export/") == export


def add_machine_schedules(template, count: int) -> None:
    """`count` more schedules on the template's own machine, each of a procedure of its own."""
    site, kind = template.procedure.site, template.procedure.kind
    version = template.procedure.current_version
    start = Procedure.objects.count()
    with audited_bulk_writes():
        procedures = Procedure.objects.bulk_create(
            Procedure(site=site, code=f"P{start + n}", kind=kind) for n in range(count)
        )
        versions = ProcedureVersion.objects.bulk_create(
            ProcedureVersion(
                procedure=p,
                number=1,
                created_at=version.created_at,
                created_by_id=version.created_by_id,
                name=f"Procedure {p.code}",
            )
            for p in procedures
        )
        for procedure, made in zip(procedures, versions, strict=True):
            procedure.current_version = made
        Procedure.objects.bulk_update(procedures, ["current_version"])
        fields = {
            f.attname: getattr(template, f.attname)
            for f in Schedule._meta.concrete_fields
            if not f.primary_key and f.attname != "procedure_id"
        }
        Schedule.objects.bulk_create(Schedule(**fields, procedure=p) for p in procedures)


def test_the_equipment_page_runs_the_same_queries_for_10_and_500_schedules(client, tech, survey):
    client.force_login(tech)
    url = f"/equipment/{survey.equipment_id}/"
    add_machine_schedules(survey, 9)
    ten = count(client, url)
    assert "CT-DOSE" in client.get(url).content.decode()
    add_machine_schedules(survey, 490)
    assert survey.equipment.schedules.count() == 500
    assert count(client, url) == ten
