"""A technician's home page opens on "My work": the due, overdue, past-hard-limit and missed
work at their sites that is theirs (assigned to them or to a role they hold, or unassigned with
a procedure they perform), most urgent first, each with its site's local due time, in the same
number of queries however many schedules there are."""

from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from equipment.models import MissedOccurrence
from equipment.scheduling import ScheduleStatus
from equipment.services.missed import annotate_missed
from imaging_ops.models import SiteClosure
from imaging_ops.vocabulary import Role
from tests.equipment.missed.builders import (
    NOW,
    add_missed,
    add_schedules,
    annual_survey,
    daily_qc,
    overdue_daily_qc,
    schedule,
    unit,
)

pytestmark = pytest.mark.django_db

S = ScheduleStatus
HOME = reverse("home")
DUE_AT_SEVEN = "2026-03-04 07:00 EST (UTC\u221205:00)"  # New York, with its offset


# A survey technicians may be given too (one may only be given work one may perform).
SHARED = ("physicist", "technician")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def my_work(client, user):
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    return response


def shown(response) -> list[tuple[str, str]]:
    return [
        (row.schedule.equipment.asset_tag, row.status) for row in response.context["my_work"].rows
    ]


def survey_done(manager, site, tag, last_done, survey, **fields):
    return schedule(manager, unit(site, tag), survey, last_done=last_done, **fields)


def test_an_overdue_daily_qc_is_shown_with_its_local_due_time_and_opens_its_record_form(
    client, tech, manager, site_a
):
    qc = overdue_daily_qc(manager, site_a)
    response = my_work(client, tech)

    assert shown(response) == [("ALPHA-CT1", S.OVERDUE)]
    text = response.content.decode()
    assert "Today\u2019s occurrence" in text and DUE_AT_SEVEN in text
    assert reverse("equipment:record_new", args=[qc.pk]) + "?next=/" in text
    # What they saw before stays below: the other lists of the page.
    assert text.index('id="my-work"') < text.index('id="also-waiting"')


def test_work_is_listed_most_urgent_first(client, tech, manager, site_a):
    """
    GIVEN a technician's schedules in each state: past the hard limit, overdue, due (in grace),
    in its window, and one not yet open
    WHEN they open their home page
    THEN the first four are listed most urgent first and the one not yet open is not
    """
    survey = annual_survey(manager, site_a, performer_roles=SHARED)
    for tag, done in [
        ("ALPHA-OPEN", datetime(2025, 3, 20, 15, tzinfo=UTC)),
        ("ALPHA-DUE", datetime(2025, 2, 20, 15, tzinfo=UTC)),
        ("ALPHA-LATER", datetime(2025, 9, 1, 15, tzinfo=UTC)),
        ("ALPHA-HARD", datetime(2024, 12, 1, 15, tzinfo=UTC)),
    ]:
        survey_done(manager, site_a, tag, done, survey, assignee=tech)
    overdue_daily_qc(manager, site_a)

    response = my_work(client, tech)

    assert shown(response) == [
        ("ALPHA-HARD", S.PAST_HARD_LIMIT),
        ("ALPHA-CT1", S.OVERDUE),
        ("ALPHA-DUE", S.DUE),
        ("ALPHA-OPEN", S.OPEN),
    ]
    figures = {f.status: f.count for f in response.context["my_work"].figures}
    assert figures == {S.PAST_HARD_LIMIT: 1, S.OVERDUE: 1, S.DUE: 1, S.OPEN: 1}


def test_work_is_mine_by_assignment_by_role_or_by_the_procedures_performers(
    client, tech, manager, physicist, person, site_a, site_b
):
    survey = annual_survey(manager, site_a)
    overdue = datetime(2024, 12, 1, 15, tzinfo=UTC)
    survey_done(manager, site_a, "ALPHA-PHYS", overdue, survey)  # physicists perform it
    shared = annual_survey(manager, site_a, code="CT-SHARED", performer_roles=SHARED)
    survey_done(manager, site_a, "ALPHA-ROLE", overdue, shared, assignee_role=Role.TECHNICIAN)
    survey_done(manager, site_a, "ALPHA-OTHER", overdue, survey, assignee=physicist)
    survey_done(manager, site_a, "ALPHA-ME", overdue, shared, assignee=tech)
    anyone = daily_qc(manager, site_a, code="CT-ANYONE", performer_roles=())
    overdue_daily_qc(manager, site_a, tag="ALPHA-ANY", procedure=anyone)
    beta_manager = person(Role.MANAGER, site_b, username="bea")
    overdue_daily_qc(beta_manager, site_b, tag="BETA-CT1")  # not one of the tech's sites

    assert sorted(tag for tag, _ in shown(my_work(client, tech))) == [
        "ALPHA-ANY",
        "ALPHA-ME",
        "ALPHA-ROLE",
    ]
    assert sorted(tag for tag, _ in shown(my_work(client, physicist))) == [
        "ALPHA-ANY",
        "ALPHA-OTHER",
        "ALPHA-PHYS",
    ]


def test_the_figures_open_the_schedule_list_filtered_the_same_way(client, tech, manager, site_a):
    survey = annual_survey(manager, site_a)  # physicists'
    shared = annual_survey(manager, site_a, code="CT-SHARED", performer_roles=SHARED)
    survey_done(manager, site_a, "ALPHA-HARD", datetime(2024, 12, 1, 15, tzinfo=UTC), survey)
    survey_done(manager, site_a, "ALPHA-MINE", datetime(2024, 12, 1, 15, tzinfo=UTC), survey)
    mine = survey_done(
        manager, site_a, "ALPHA-T", datetime(2024, 12, 1, 15, tzinfo=UTC), shared, assignee=tech
    )
    overdue_daily_qc(manager, site_a)
    work = my_work(client, tech).context["my_work"]
    figure = next(f for f in work.figures if f.status == S.PAST_HARD_LIMIT)
    assert figure.count == 1
    parts = urlsplit(figure.url)
    assert parts.path == reverse("equipment:schedules")
    assert parse_qs(parts.query) == {"mine": ["true"], "status": [S.PAST_HARD_LIMIT]}
    listed = client.get(figure.url).context["rows"]
    assert [row.schedule.pk for row in listed] == [mine.pk]
    everything = client.get(work.url).context["rows"]
    assert sorted(r.schedule.equipment.asset_tag for r in everything) == ["ALPHA-CT1", "ALPHA-T"]


def test_a_daily_qc_the_roll_over_has_not_reached_shows_as_todays_occurrence(
    client, tech, manager, site_a
):
    # Created on Monday and never rolled over: its stored day is Monday.
    schedule(manager, unit(site_a, "ALPHA-CT1"), daily_qc(manager, site_a))
    row = my_work(client, tech).context["my_work"].rows[0]
    assert row.due == DUE_AT_SEVEN and row.due_today
    assert row.status == S.OVERDUE  # no grace: overdue at 07:00 today, not since Monday


def test_a_daily_qc_on_a_closed_day_is_not_todays_work(client, tech, manager, site_a):
    schedule(manager, unit(site_a, "ALPHA-CT1"), daily_qc(manager, site_a))
    SiteClosure.objects.create(site=site_a, date=date(2026, 3, 4), reason="Power works")
    assert my_work(client, tech).context["my_work"].rows == []


def test_nothing_due_says_so_and_what_comes_next(client, tech, manager, site_a):
    survey = annual_survey(manager, site_a)
    survey_done(manager, site_a, "ALPHA-LATER", datetime(2025, 9, 1, 15, tzinfo=UTC), survey)
    survey.current_version.performer_roles = ["technician"]
    survey.current_version.save()
    text = my_work(client, tech).content.decode()
    assert "Nothing is due at your sites." in text
    assert "Next: " in text and "CT-SURVEY on ALPHA-LATER" in text
    assert "2026-09-01" in text


def test_nothing_scheduled_at_all_says_where_to_look(client, tech):
    text = my_work(client, tech).content.decode()
    assert "Nothing is due at your sites." in text
    assert "No work is scheduled for you or your roles yet" in text
    assert "Every missed day of your work has a reason." in text


def test_a_person_with_no_sites_has_no_work_and_no_error(client, django_user_model):
    from tests import factories

    response = my_work(client, factories.UserFactory(username="nobody"))
    assert "my_work" not in response.context
    assert "You hold no role at any site yet" in response.content.decode()


def test_missed_days_without_a_reason_are_counted_newest_first_and_linked(
    client, tech, manager, site_a
):
    qc = overdue_daily_qc(manager, site_a)  # Monday and Tuesday missed
    monday = MissedOccurrence.objects.get(schedule=qc, day="2026-03-02")
    response = my_work(client, tech)
    missed = response.context["missed"]
    assert missed.count == 2 and [m.day.isoformat() for m in missed] == [
        "2026-03-03",
        "2026-03-02",
    ]
    link = reverse("equipment:missed_list") + "?mine=true&amp;annotated=no"
    assert link in response.content.decode()
    assert "Say why for 2 missed days" in response.content.decode()

    annotate_missed(actor=tech, occurrences=[monday], annotation="Unit not used", now=NOW)
    missed = my_work(client, tech).context["missed"]
    assert missed.count == 1 and missed.items[0].day.isoformat() == "2026-03-03"


def test_missed_days_older_than_two_weeks_are_still_shown(client, tech, manager, site_a):
    """The newest are looked for in the last two weeks first; older ones are found too."""
    qc = overdue_daily_qc(manager, site_a)
    recent = list(MissedOccurrence.objects.filter(schedule=qc))
    annotate_missed(actor=tech, occurrences=recent, annotation="Unit not used", now=NOW)
    add_missed([qc], ["2026-01-05", "2026-01-06"])
    missed = my_work(client, tech).context["missed"]
    assert missed.count == 2
    assert [m.day.isoformat() for m in missed] == ["2026-01-06", "2026-01-05"]


def count_home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(HOME)
    assert response.status_code == 200
    return len(queries)


def test_my_work_runs_the_same_queries_for_10_and_500_schedules(client, tech, manager, site_a):
    qc = overdue_daily_qc(manager, site_a)
    survey = annual_survey(manager, site_a, performer_roles=SHARED)
    hard = survey_done(
        manager, site_a, "ALPHA-HARD", datetime(2024, 12, 1, 15, tzinfo=UTC), survey, assignee=tech
    )
    add_missed(add_schedules(qc, 4), ["2026-03-02", "2026-03-03"])
    add_schedules(hard, 4)
    client.force_login(tech)
    client.get(HOME)  # warm up: sessions, content types
    ten = count_home_queries(client)

    add_missed(add_schedules(qc, 245), ["2026-03-02", "2026-03-03"])
    add_schedules(hard, 245)
    five_hundred = count_home_queries(client)

    work = client.get(HOME).context["my_work"]
    assert work.count == 500 and len(work.rows) == 20 and work.more == 480
    assert five_hundred == ten


def test_each_rows_due_time_is_its_own_sites(client, tech, manager, person, site_a, site_b):
    """
    GIVEN a technician at Alpha (New York) and Beta (Chicago), each with an overdue daily QC
    due at the site's 07:00 opening
    THEN each row says 07:00 in its own site's zone, with the zone's abbreviation and offset
    """
    from tests import factories

    factories.MembershipFactory(user=tech, site=site_b, role=Role.TECHNICIAN)
    overdue_daily_qc(manager, site_a)
    beta_manager = person(Role.MANAGER, site_b, username="bea")
    with time_machine.travel(NOW.replace(hour=16), tick=False):  # 10:00 in Chicago
        overdue_daily_qc(beta_manager, site_b, tag="BETA-CT1")
        rows = my_work(client, tech).context["my_work"].rows
    assert {(r.schedule.equipment.asset_tag, r.due) for r in rows} == {
        ("ALPHA-CT1", DUE_AT_SEVEN),
        ("BETA-CT1", "2026-03-04 07:00 CST (UTC\u221206:00)"),
    }


def test_the_api_filters_schedules_to_my_work_the_same_way(api, tech, manager, site_a):
    survey = annual_survey(manager, site_a)
    survey_done(manager, site_a, "ALPHA-PHYS", datetime(2024, 12, 1, 15, tzinfo=UTC), survey)
    qc = overdue_daily_qc(manager, site_a)
    api.force_authenticate(tech)
    answer = api.get("/api/v1/schedules/", {"mine": "true"})
    assert answer.status_code == 200
    assert [row["id"] for row in answer.json()["results"]] == [qc.pk]
    assert api.get("/api/v1/schedules/").json()["count"] == 2
