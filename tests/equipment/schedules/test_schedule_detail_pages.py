"""A schedule's page (its timeline in the site's time, checks with bands and references with
their history, missed days, pauses, the audit history) and its forms: add from the equipment
page, edit, pause and resume, set and re-baseline a reference; each with a reason, field errors
that keep what was typed, 403 for those without the right, and the same queries however much
history there is."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from equipment.models import Category, EquipmentStatus, MissedOccurrence, Reference, Schedule
from equipment.services.procedures import create_procedure
from equipment.services.schedules import (
    create_schedule,
    pause_schedule,
    resume_schedule,
    set_reference,
)
from imaging_ops.vocabulary import Role
from tests import factories
from tests.equipment.conftest import NOW
from tests.equipment.schedules.test_schedule_list import LAST_SURVEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(manager, ct, ct_qc):
    return create_schedule(
        actor=manager, equipment=ct, procedure=ct_qc, now=NOW, last_done=LAST_SURVEY
    )


def url(schedule, action="") -> str:
    return f"/equipment/schedules/{schedule.pk}/{action}"


def test_the_page_shows_the_schedule_in_the_sites_time(client, tech, manager, survey):
    set_reference(
        actor=manager,
        schedule=survey,
        check_key="ctdi",
        value="42.10",
        reason="At acceptance",
        now=NOW,
    )
    set_reference(
        actor=manager, schedule=survey, check_key="ctdi", value="40", reason="New tube", now=NOW
    )
    MissedOccurrence.objects.create(schedule=survey, day=date(2026, 3, 2), annotation="Unit idle")
    pause_schedule(actor=manager, schedule=survey, now=NOW, reason="Tube replacement")
    client.force_login(tech)
    page = client.get(url(survey))
    assert page.status_code == 200
    text = page.content.decode()
    assert "CT-DOSE" in text and "ALPHA-CT1" in text and "Version 1" in text
    # Last done 2025-06-10 10:00 New York time; due a year later at opening (07:00 EDT).
    assert "2025-06-10 10:00 EDT" in text and "2026-06-10 07:00 EDT" in text
    assert "band-line" in text  # the percent band drawn as a number line
    assert "Reference 40" in text and "42.1 → 40" in text and "New tube" in text
    assert "Unit idle" in text
    assert "2026-03-04 09:00 EST (UTC\u221205:00) · 42.1 → 40" in text  # the change, in site time
    assert "Tube replacement" in text and "paused by" in text
    assert "resumed by" not in text  # the schedule's creation is no resume
    assert "Audit history" in text
    assert 'id="schedule-actions"' not in text  # a technician changes nothing here


def test_a_manager_is_offered_the_actions(client, manager, survey):
    client.force_login(manager)
    text = client.get(url(survey)).content.decode()
    assert 'id="schedule-actions"' in text and "Pause reminders" in text
    assert "needs one before the first record" in text


def test_another_sites_people_get_404(client, person, site_b, survey):
    client.force_login(person(Role.MANAGER, site_b))
    for action in ("", "edit/", "pause/", "references/"):
        assert client.get(url(survey, action)).status_code == 404
    assert client.get(f"/equipment/{survey.equipment_id}/schedules/new/").status_code == 404


def _count(client, address) -> int:
    client.get(address)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


def _grow(manager, survey, start: int, stop: int) -> None:
    """Reference changes, missed days, pauses and resumes numbered start..stop-1."""
    for n in range(start, stop):
        set_reference(
            actor=manager,
            schedule=survey,
            check_key="ctdi",
            value=str(40 + n),
            reason=f"R{n}",
            now=NOW,
        )
        MissedOccurrence.objects.create(schedule=survey, day=date(2025, 1, 1) + timedelta(n))
        pause_schedule(actor=manager, schedule=survey, now=NOW, reason=f"P{n}")
        resume_schedule(actor=manager, schedule=survey, now=NOW, reason=f"R{n}")


def test_the_page_runs_the_same_queries_for_1_and_50_history_rows(client, manager, survey):
    """The audit history shows the latest 50 events, so once the schedule's creation falls out
    of it the page names fewer kinds of record: never more queries, and the same from then on."""
    client.force_login(manager)
    _grow(manager, survey, 0, 1)
    one = _count(client, url(survey))
    _grow(manager, survey, 1, 50)
    assert Reference.objects.get().history.count() == 50
    fifty = _count(client, url(survey))
    assert fifty <= one
    _grow(manager, survey, 50, 100)
    assert _count(client, url(survey)) == fifty


def test_the_equipment_page_offers_add_a_schedule_and_links_each(client, manager, tech, survey):
    address = f"/equipment/{survey.equipment_id}/"
    client.force_login(manager)
    text = client.get(address).content.decode()
    assert 'id="add-schedule"' in text and url(survey) in text
    client.force_login(tech)
    text = client.get(address).content.decode()
    assert 'id="add-schedule"' not in text and url(survey) in text
    listed = client.get("/equipment/schedules/").content.decode()
    assert url(survey) in listed


@pytest.fixture
def weekly(manager, site_a):
    return create_procedure(
        actor=manager,
        site=site_a,
        code="CT-WEEKLY",
        kind="qc",
        now=NOW,
        name="Weekly CT constancy",
        modalities=["CT"],
        default_anchor="fixed",
        default_interval_weeks=1,
        default_grace_days=2,
        checks=[{"key": "noise", "name": "Noise", "kind": "numeric", "unit": "HU"}],
    )


def test_add_a_schedule_offers_what_applies_and_makes_it(client, manager, tech, ct, weekly, survey):
    mammo_only = create_procedure(
        actor=manager,
        site=ct.site,
        code="MG-QC",
        kind="qc",
        now=NOW,
        name="Mammo QC",
        modalities=["MG"],
        default_anchor="fixed",
        default_interval_days=1,
    )
    client.force_login(manager)
    address = f"/equipment/{ct.pk}/schedules/new/"
    form = client.get(address).context["form"]
    offered = {p.code for p in form.fields["procedure"].queryset}
    assert offered == {"CT-WEEKLY"}  # not the MG procedure, not the one already scheduled
    assert mammo_only.code not in offered
    answer = client.post(
        address,
        {
            "procedure": weekly.pk,
            "assignee": tech.pk,
            "last_done_on": "2026-03-02",
            "last_done_at": "08:30",
        },
    )
    assert answer.status_code == 302
    schedule = Schedule.objects.get(procedure=weekly)
    assert answer["Location"] == url(schedule)
    assert schedule.assignee == tech and schedule.interval_weeks == 1
    assert schedule.last_done.isoformat() == "2026-03-02T13:30:00+00:00"  # 08:30 EST


def test_a_refused_schedule_keeps_what_was_typed(client, manager, ct, weekly):
    client.force_login(manager)
    answer = client.post(
        f"/equipment/{ct.pk}/schedules/new/",
        {"procedure": weekly.pk, "starts_on": "2300-01-01", "grace_days": "17"},
    )
    assert answer.status_code == 400
    form = answer.context["form"]
    assert set(form.errors) == {"starts_on"}
    assert 'value="17"' in answer.content.decode()
    assert not Schedule.objects.exists()


def test_add_a_schedule_is_403_without_the_right_and_409_on_retired_equipment(
    client, tech, manager, site_a
):
    unit = factories.EquipmentFactory(site=site_a)
    client.force_login(tech)
    assert client.get(f"/equipment/{unit.pk}/schedules/new/").status_code == 403
    assert client.post(f"/equipment/{unit.pk}/schedules/new/", {}).status_code == 403
    retired = factories.EquipmentFactory(site=site_a, status=EquipmentStatus.RETIRED)
    client.force_login(manager)
    assert client.get(f"/equipment/{retired.pk}/schedules/new/").status_code == 409


def test_the_rso_is_offered_radiation_procedures_only(client, rso, site_a, leak_test, ct_qc):
    source = factories.EquipmentFactory(site=site_a, category=Category.SEALED_SOURCE, modalities=[])
    client.force_login(rso)
    form = client.get(f"/equipment/{source.pk}/schedules/new/").context["form"]
    assert {p.code for p in form.fields["procedure"].queryset} == {"LEAK"}


def test_editing_needs_a_reason_and_moves_the_clock(client, manager, survey):
    client.force_login(manager)
    form = client.get(url(survey, "edit/")).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data["interval_months"] = 6
    refused = client.post(url(survey, "edit/"), data)
    assert refused.status_code == 400 and set(refused.context["form"].errors) == {"reason"}
    assert 'value="6"' in refused.content.decode()
    data["reason"] = "Six-monthly by site policy"
    assert client.post(url(survey, "edit/"), data).status_code == 302
    stored = Schedule.objects.get(pk=survey.pk)
    assert stored.interval_months == 6 and stored.next_due != survey.next_due
    data.update(interval_months=0, interval_weeks=0, interval_days=0, reason="Oops")
    refused = client.post(url(survey, "edit/"), data)
    assert refused.status_code == 400 and "interval_months" in refused.context["form"].errors


def test_technicians_get_403_on_every_form(client, tech, survey):
    client.force_login(tech)
    for action in ("edit/", "pause/", "references/"):
        assert client.get(url(survey, action)).status_code == 403
        assert client.post(url(survey, action), {"reason": "x"}).status_code == 403


def test_pause_and_resume_need_a_reason(client, manager, survey):
    client.force_login(manager)
    assert client.post(url(survey, "pause/"), {"reason": ""}).status_code == 400
    assert client.get(url(survey, "resume/")).status_code == 409  # it runs
    assert client.post(url(survey, "pause/"), {"reason": "In storage"}).status_code == 302
    assert Schedule.objects.get(pk=survey.pk).paused
    assert client.get(url(survey, "pause/")).status_code == 409
    assert client.post(url(survey, "resume/"), {"reason": "Back"}).status_code == 302
    assert not Schedule.objects.get(pk=survey.pk).paused


def test_a_reference_is_set_and_rebaselined_with_a_reason(client, physicist, survey):
    client.force_login(physicist)
    address = url(survey, "references/")
    assert client.get(f"{address}?check=ctdi").context["form"].initial["check"] == "ctdi"
    refused = client.post(address, {"check": "ctdi", "value": "0", "reason": "At acceptance"})
    assert refused.status_code == 400 and set(refused.context["form"].errors) == {"value"}
    assert "At acceptance" in refused.content.decode()
    refused = client.post(address, {"check": "ctdi", "value": "42", "reason": ""})
    assert refused.status_code == 400 and set(refused.context["form"].errors) == {"reason"}
    ok = client.post(address, {"check": "ctdi", "value": "42", "reason": "At acceptance"})
    assert ok.status_code == 302 and ok["Location"] == url(survey)
    client.post(address, {"check": "ctdi", "value": "41.5", "reason": "New tube"})
    text = client.get(url(survey)).content.decode()
    assert "Reference 41.5" in text and "42 → 41.5" in text
