"""The missed-days page: the missed days at your sites, filtered and paginated, exported as CSV
with the same filters, and annotated, one or several ticked days, with one reason, by those who
perform the procedure there or a manager; the same queries for 10 and for 500 missed days."""

import csv
import io
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from equipment.models import MissedOccurrence
from imaging_ops.vocabulary import Role
from tests.equipment.missed.builders import (
    NOW,
    add_missed,
    add_schedules,
    annual_survey,
    overdue_daily_qc,
    schedule,
    unit,
)

pytestmark = pytest.mark.django_db

LIST = reverse("equipment:missed_list")
EXPORT = reverse("equipment:missed_export")
MONDAY, TUESDAY = date(2026, 3, 2), date(2026, 3, 3)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def qc(manager, site_a):
    """Alpha's daily CT QC, never done: Monday and Tuesday missed."""
    return overdue_daily_qc(manager, site_a)


@pytest.fixture
def survey_days(manager, site_a):
    """Two missed days on a schedule of a procedure only physicists perform."""
    survey = schedule(manager, unit(site_a, "ALPHA-CT9"), annual_survey(manager, site_a))
    add_missed([survey], [MONDAY, TUESDAY])
    return list(MissedOccurrence.objects.filter(schedule=survey))


@pytest.fixture
def beta_day(person, site_b):
    qc = overdue_daily_qc(person(Role.MANAGER, site_b, username="bea"), site_b, tag="BETA-CT1")
    return MissedOccurrence.objects.filter(schedule=qc).first()


def listed(response) -> list[tuple[str, str]]:
    return [
        (row.missed.schedule.equipment.asset_tag, row.missed.day.isoformat())
        for row in response.context["rows"]
    ]


def test_the_list_shows_missed_days_at_my_sites_newest_first(client, tech, qc, beta_day):
    client.force_login(tech)
    response = client.get(LIST)
    assert response.status_code == 200
    assert listed(response) == [("ALPHA-CT1", "2026-03-03"), ("ALPHA-CT1", "2026-03-02")]
    assert "BETA-CT1" not in response.content.decode()
    assert "No reason given yet" in response.content.decode()


def test_the_filters_narrow_the_list(client, tech, manager, qc, survey_days, site_a):
    client.force_login(tech)
    monday = MissedOccurrence.objects.get(schedule=qc, day=MONDAY)
    client.post(LIST, {"occurrences": [monday.pk], "annotation": "Unit not used that day"})

    def tags(**filters):
        return listed(client.get(LIST, filters))

    assert tags(equipment=qc.equipment_id) == [
        ("ALPHA-CT1", "2026-03-03"),
        ("ALPHA-CT1", "2026-03-02"),
    ]
    assert tags(procedure=qc.procedure_id, annotated="yes") == [("ALPHA-CT1", "2026-03-02")]
    assert len(tags(annotated="no")) == 3
    assert tags(day_from="2026-03-03", day_to="2026-03-03", equipment=qc.equipment_id) == [
        ("ALPHA-CT1", "2026-03-03")
    ]
    assert len(tags(site=site_a.pk)) == 4
    # The physicists' survey is not the technician's work.
    assert {tag for tag, _ in tags(mine="true")} == {"ALPHA-CT1"}


def test_bad_filters_are_field_errors_not_a_list_of_everything(client, tech, qc, beta_day):
    client.force_login(tech)
    reversed_period = client.get(LIST, {"day_from": "2026-03-04", "day_to": "2026-03-01"})
    assert reversed_period.status_code == 200 and reversed_period.context["rows"] == []
    assert "The period is reversed" in reversed_period.content.decode()
    other_site = client.get(LIST, {"equipment": beta_day.schedule.equipment_id})
    assert other_site.context["rows"] == [] and "equipment" in other_site.context["filter"].errors
    assert client.get(LIST, {"day_from": "yesterday"}).context["filter"].errors


def test_the_list_is_paginated(client, tech, qc):
    add_missed([qc], [date(2026, 1, 1) + timedelta(days=n) for n in range(58)])
    client.force_login(tech)
    first = client.get(LIST)
    assert len(first.context["rows"]) == 50 and first.context["paginator"].count == 60
    second = client.get(LIST, {"page": 2})
    assert len(second.context["rows"]) == 10
    assert listed(second)[-1] == ("ALPHA-CT1", "2026-01-01")


def test_ticked_days_are_annotated_with_one_reason(client, tech, qc):
    client.force_login(tech)
    days = list(MissedOccurrence.objects.filter(schedule=qc))
    answer = client.post(
        f"{LIST}?annotated=no",
        {"occurrences": [d.pk for d in days], "annotation": "Unit not used that day"},
        follow=True,
    )
    assert answer.redirect_chain == [(f"{LIST}?annotated=no", 302)]
    assert "Annotated 2 missed days." in answer.content.decode()
    assert set(MissedOccurrence.objects.values_list("annotation", "annotated_by")) == {
        ("Unit not used that day", tech.pk)
    }
    assert answer.context["rows"] == []  # the filter kept: none is left without a reason


def test_an_empty_reason_is_a_field_error_and_saves_nothing(client, tech, qc):
    client.force_login(tech)
    days = [d.pk for d in MissedOccurrence.objects.filter(schedule=qc)]
    answer = client.post(LIST, {"occurrences": days, "annotation": "   "})
    assert answer.status_code == 400
    assert answer.context["form"].errors["annotation"] == [
        "Say why the work was not done, e.g. “Unit not used that day”."
    ]
    # The ticked days stay ticked.
    assert answer.context["ticked"] == {str(pk) for pk in days}
    nothing_ticked = client.post(LIST, {"annotation": "Site closed"})
    assert nothing_ticked.status_code == 400
    assert "occurrences" in nothing_ticked.context["form"].errors
    assert not MissedOccurrence.objects.exclude(annotation="").exists()


def test_another_sites_day_is_no_choice(client, tech, qc, beta_day):
    client.force_login(tech)
    answer = client.post(LIST, {"occurrences": [beta_day.pk], "annotation": "Site closed"})
    assert answer.status_code == 400 and "occurrences" in answer.context["form"].errors
    beta_day.refresh_from_db()
    assert beta_day.annotation == ""


def test_an_inspector_reads_the_list_but_may_not_annotate(client, inspector, qc):
    client.force_login(inspector)
    assert client.get(LIST).status_code == 200
    day = MissedOccurrence.objects.filter(schedule=qc).first()
    answer = client.post(LIST, {"occurrences": [day.pk], "annotation": "Site closed"})
    assert answer.status_code == 403
    assert "You are not allowed to annotate missed days" in answer.content.decode()
    assert not MissedOccurrence.objects.exclude(annotation="").exists()


def test_only_those_who_perform_the_procedure_or_a_manager_annotate_it(
    client, tech, physicist, manager, survey_days
):
    client.force_login(tech)
    page = client.get(LIST)
    assert not any(row.may_annotate for row in page.context["rows"])
    assert 'name="occurrences"' not in page.content.decode()
    refused = client.post(LIST, {"occurrences": [survey_days[0].pk], "annotation": "Site closed"})
    assert refused.status_code == 403
    assert (
        "Only those who perform CT-SURVEY (physicist) or a manager of the site may annotate"
        in refused.content.decode()
    )
    assert not MissedOccurrence.objects.exclude(annotation="").exists()

    for allowed, reason in ((physicist, "Physicist on leave"), (manager, "Site closed")):
        client.force_login(allowed)
        done = client.post(LIST, {"occurrences": [survey_days[0].pk], "annotation": reason})
        assert done.status_code == 302
        survey_days[0].refresh_from_db()
        assert survey_days[0].annotation == reason and survey_days[0].annotated_by == allowed


def test_the_csv_has_the_filtered_rows_with_local_times(client, tech, qc, beta_day):
    client.force_login(tech)
    monday = MissedOccurrence.objects.get(schedule=qc, day=MONDAY)
    client.post(LIST, {"occurrences": [monday.pk], "annotation": "=HYPERLINK(1)"})
    answer = client.get(EXPORT, {"annotated": "yes"})
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert rows[0] == [
        "site",
        "asset_tag",
        "equipment",
        "procedure_code",
        "procedure",
        "day",
        "annotation",
        "annotated_by",
        "annotated_at",
    ]
    assert [r[:2] + r[3:4] + r[5:7] for r in rows[1:]] == [
        ["ALPHA", "ALPHA-CT1", "CT-DAILY", "2026-03-02", "'=HYPERLINK(1)"]
    ]
    assert rows[1][7] == tech.display_name and rows[1][8] == "2026-03-04 09:00 EST (UTC\u221205:00)"
    everything = list(
        csv.reader(io.StringIO(b"".join(client.get(EXPORT).streaming_content).decode()))
    )
    assert len(everything) == 3  # Beta's day is not in it


def test_the_csv_refuses_bad_filters_with_the_reason(client, tech, qc):
    client.force_login(tech)
    answer = client.get(EXPORT, {"day_from": "2026-03-04", "day_to": "2026-03-01"}, follow=True)
    assert answer.redirect_chain[0][0].startswith(LIST)
    assert "Correct the filters before exporting." in answer.content.decode()


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


def test_the_page_and_the_csv_run_the_same_queries_for_10_and_500_missed_days(client, tech, qc):
    """
    GIVEN missed days on many daily schedules (more than a page of them)
    WHEN the list, the list with filters and the CSV are read with 10 and with 500 missed days
    THEN each runs the same number of queries
    """
    more = add_schedules(qc, 4)
    add_missed(more, [MONDAY, TUESDAY])
    client.force_login(tech)
    urls = [LIST, f"{LIST}?annotated=no&mine=true&day_from=2026-03-01", EXPORT]
    client.get(LIST)  # warm up
    ten = [count_queries(client, url) for url in urls]
    assert MissedOccurrence.objects.count() == 10

    add_missed(add_schedules(qc, 245), [MONDAY, TUESDAY])
    assert MissedOccurrence.objects.count() == 500
    assert [count_queries(client, url) for url in urls] == ten
