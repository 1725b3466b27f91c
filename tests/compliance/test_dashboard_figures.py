"""Each dashboard figure against a small history computed by hand (docs/dashboard.md)."""

from datetime import UTC, datetime, timedelta

import pytest

from compliance.selectors.dashboard import (
    DashboardScope,
    action_failures,
    availability_by_modality,
    compliance_by_modality,
    compliance_by_site,
    due_soon,
    expiring_identifiers,
    managed_site_ids,
    mean_time_to_repair,
    on_time_by_month,
    open_work_orders_by_priority,
    overdue_work,
    training_by_site,
)
from equipment.models import EquipmentStatus
from imaging_ops.models import SiteIdentifier, SiteMembership
from imaging_ops.vocabulary import Role
from tests.compliance.dashboard_data import (
    DAY,
    NOW,
    procedure,
    record,
    schedule,
    set_status,
    status_change,
    unit,
    work_order,
)
from training.models import Course, Requirement, TrainingRecord

pytestmark = pytest.mark.django_db
OUT, IN = EquipmentStatus.OUT_OF_SERVICE, EquipmentStatus.IN_SERVICE


def scope_for(user, *, modality="", start=NOW - 30 * DAY, end=NOW, site_ids=None):
    ids = managed_site_ids(user) if site_ids is None else site_ids
    return DashboardScope(user, ids, modality, start, end, NOW)


@pytest.fixture
def proc(manager, site_a):
    return procedure(manager, site_a)


@pytest.fixture
def ct(site_a):
    return unit(site_a, modality="CT", asset_tag="CT-1")


@pytest.fixture
def mr(site_a):
    return unit(site_a, modality="MR", asset_tag="MR-1")


def test_compliance_now_is_the_share_of_active_schedules_not_overdue(
    manager, site_a, proc, ct, mr, tech
):
    """GIVEN at Alpha: a CT schedule overdue, one due tomorrow, one past its hard limit but
    paused (not active), one on a retired CT (not active), and an MR schedule upcoming
    THEN 1 of 2 active CT schedules is overdue, 0 of 1 MR, 1 of 3 at Alpha."""
    other = procedure(manager, site_a, code="CT-PM")
    schedule(ct, proc, due=NOW - 10 * DAY, assignee=tech)
    schedule(ct, other, due=NOW + DAY)
    paused = unit(site_a, asset_tag="CT-2")
    schedule(paused, proc, due=NOW - 90 * DAY, hard=NOW - DAY, paused=True)
    retired = unit(site_a, asset_tag="CT-3", status=EquipmentStatus.RETIRED)
    schedule(retired, proc, due=NOW - 90 * DAY)
    schedule(mr, proc, due=NOW + 20 * DAY)

    by_modality = {row.key: row for row in compliance_by_modality(scope_for(manager))}
    assert (by_modality["CT"].total, by_modality["CT"].overdue) == (2, 1)
    assert by_modality["CT"].share == 0.5
    assert (by_modality["MR"].total, by_modality["MR"].overdue, by_modality["MR"].share) == (
        1,
        0,
        1.0,
    )
    [alpha] = compliance_by_site(scope_for(manager))
    assert (alpha.label, alpha.total, alpha.overdue) == ("ALPHA", 3, 1)
    assert [row.key for row in compliance_by_site(scope_for(manager, modality="MR"))] == [site_a.pk]


def test_the_boundary_of_overdue_is_the_stored_overdue_moment(manager, proc, ct):
    schedule(ct, proc, due=NOW - 7 * DAY, overdue=NOW)
    [row] = compliance_by_site(scope_for(manager))
    assert row.overdue == 1
    scope_ = DashboardScope(manager, managed_site_ids(manager), "", NOW, NOW, NOW - timedelta(1))
    [row] = compliance_by_site(scope_)
    assert row.overdue == 0


def test_overdue_work_comes_oldest_first_with_its_assignee_and_due_soon_excludes_it(
    manager, site_a, proc, ct, mr, tech
):
    other = procedure(manager, site_a, code="CT-PM")
    newer = schedule(ct, proc, due=NOW - 8 * DAY, assignee=tech)
    older = schedule(mr, proc, due=NOW - 40 * DAY)
    soon = schedule(ct, other, due=NOW + 29 * DAY)
    schedule(mr, other, due=NOW + 31 * DAY)
    rows = list(overdue_work(scope_for(manager)))
    assert rows == [older, newer] and rows[1].assignee == tech
    assert rows[0].state == "overdue"
    assert list(due_soon(scope_for(manager))) == [soon]


def test_on_time_completion_per_month_over_twelve_months(manager, proc, ct):
    """GIVEN in June 2026: on time, early, in grace and late records, one voided (does not
    count); in May: one past its hard limit; a record of June 2025 (outside the twelve months)
    THEN June: 3 of 4 on time; May: 0 of 1; eleven other months empty."""
    sched = schedule(ct, proc, due=NOW + DAY)
    for timeliness in ("on_time", "early", "in_grace", "late"):
        record(sched, manager, performed_at=NOW - DAY, timeliness=timeliness)
    record(sched, manager, performed_at=NOW - DAY, timeliness="late", counts=False)
    record(sched, manager, performed_at=datetime(2026, 5, 31, 23, tzinfo=UTC), timeliness="late")
    record(
        sched, manager, performed_at=datetime(2026, 5, 1, tzinfo=UTC), timeliness="past_hard_limit"
    )
    record(sched, manager, performed_at=datetime(2025, 6, 30, tzinfo=UTC))
    months = on_time_by_month(scope_for(manager))
    assert len(months) == 12
    assert months[0].month == datetime(2025, 7, 1, tzinfo=UTC)
    assert (months[-1].month, months[-1].total, months[-1].on_time) == (
        datetime(2026, 6, 1, tzinfo=UTC),
        4,
        3,
    )
    assert months[-1].share == 0.75
    assert (months[-2].total, months[-2].on_time) == (2, 0)
    assert all(m.total == 0 and m.share is None for m in months[:-2])


def test_availability_is_the_time_not_out_of_service_in_the_period(manager, site_a, ct, mr):
    """GIVEN a 30-day period and two CTs: CT-1 out of service from 40 days ago until 27 days
    ago (3 days inside the period) and again for the last 1.5 days (still out now); CT-2 never
    out; an MR never out
    THEN CT downtime 4.5 days of 60 unit-days: availability 92.5 %; MR 100 %."""
    unit(site_a, asset_tag="CT-2")
    status_change(ct, manager, at=NOW - 40 * DAY, to=OUT, before=IN)
    status_change(ct, manager, at=NOW - 27 * DAY, to=IN, before=OUT)
    status_change(ct, manager, at=NOW - timedelta(days=1.5), to=OUT, before=IN)
    set_status(ct, OUT)
    rows = {row.modality: row for row in availability_by_modality(scope_for(manager))}
    assert rows["CT"].units == 2 and rows["CT"].out_of_service == 1
    assert rows["CT"].downtime == timedelta(days=4.5)
    assert rows["CT"].availability == pytest.approx(1 - 4.5 / 60)
    assert rows["MR"].downtime == timedelta() and rows["MR"].availability == 1.0


def test_open_work_orders_by_priority_and_age_and_the_mean_time_to_repair(manager, ct):
    """GIVEN open work orders 2, 10 and 45 days old (urgent, urgent, low), one cancelled, and
    two verified in the period after 2 and 4 days, one verified before it
    THEN urgent: 1 under a week, 1 of 7-30 days; low: 1 over 30; MTTR 3 days over 2 repairs."""
    work_order(ct, manager, opened_at=NOW - 2 * DAY, priority="urgent")
    work_order(ct, manager, opened_at=NOW - 10 * DAY, priority="urgent", state="assigned")
    work_order(ct, manager, opened_at=NOW - 45 * DAY, priority="low", state="awaiting_parts")
    work_order(ct, manager, opened_at=NOW - 3 * DAY, state="cancelled", closed_at=NOW - DAY)
    work_order(ct, manager, opened_at=NOW - 12 * DAY, state="verified", closed_at=NOW - 10 * DAY)
    work_order(ct, manager, opened_at=NOW - 9 * DAY, state="verified", closed_at=NOW - 5 * DAY)
    work_order(ct, manager, opened_at=NOW - 90 * DAY, state="verified", closed_at=NOW - 60 * DAY)
    rows = {row.priority: row for row in open_work_orders_by_priority(scope_for(manager))}
    assert rows["urgent"].by_age == (1, 1, 0) and rows["low"].by_age == (0, 0, 1)
    assert rows["normal"].total == 0 and rows["high"].total == 0
    mttr = mean_time_to_repair(scope_for(manager))
    assert (mttr.repairs, mttr.mean) == (2, timedelta(days=3))


def test_no_repair_in_the_period_has_no_mean(manager, ct):
    assert mean_time_to_repair(scope_for(manager)).mean is None


def test_action_failures_in_the_period_by_modality(manager, site_a, proc, ct, mr):
    ct_schedule, mr_schedule = schedule(ct, proc, due=NOW), schedule(mr, proc, due=NOW)
    record(ct_schedule, manager, performed_at=NOW - DAY, outcome="action")
    record(ct_schedule, manager, performed_at=NOW - 2 * DAY, outcome="tolerance")
    record(ct_schedule, manager, performed_at=NOW - 31 * DAY, outcome="action")
    record(mr_schedule, manager, performed_at=NOW - DAY, outcome="action", counts=False)
    assert [(r.modality, r.failures) for r in action_failures(scope_for(manager))] == [("CT", 1)]


def test_identifiers_expiring_within_ninety_days(manager, site_a):
    def identifier(number, days):
        return SiteIdentifier.objects.create(
            site=site_a,
            kind="rml",
            number=number,
            issuer="State",
            expires_on=(NOW + days * DAY).date(),
        )

    expired, soon = identifier("A", -2), identifier("B", 90)
    identifier("C", 91)
    assert list(expiring_identifiers(scope_for(manager))) == [expired, soon]


def test_other_sites_are_never_counted(manager, person, site_a, site_b, proc, ct, tech):
    """A manager of Alpha who is a technician at Beta sees Alpha only; Beta's manager, Beta only."""
    person(Role.TECHNICIAN, site_b, username="max-at-beta")
    SiteMembership.objects.create(user=manager, site=site_b, role=Role.TECHNICIAN)
    beta_ct = unit(site_b, asset_tag="B-CT")
    schedule(ct, proc, due=NOW + DAY)
    schedule(beta_ct, procedure(manager, site_a, code="B-QC"), due=NOW - 30 * DAY)
    work_order(beta_ct, manager, opened_at=NOW - DAY)
    assert [r.label for r in compliance_by_site(scope_for(manager))] == ["ALPHA"]
    assert list(overdue_work(scope_for(manager))) == []
    assert sum(r.total for r in open_work_orders_by_priority(scope_for(manager))) == 0
    beta_manager = person(Role.MANAGER, site_b, username="bea")
    [beta] = compliance_by_site(scope_for(beta_manager))
    assert (beta.label, beta.overdue) == ("BETA", 1)
    # A technician manages nothing: no site, no figure.
    assert compliance_by_site(scope_for(tech)) == []


def test_training_compliance_is_the_share_of_required_qualifications_current(
    manager, person, site_a, site_b
):
    """GIVEN at Alpha: MR safety required for MR, radiation safety for technicians; Tess
    (technician) holds MR safety current and radiation safety expired yesterday; Rosa (RSO)
    holds nothing; an inspector is not counted; Max (manager) holds MR safety
    THEN required: Tess 2, Rosa 1, Max 1 = 4; current: Tess 1, Max 1 = 2; with MR, 3 and 2."""

    def course(code):
        return Course.objects.create(site=site_a, code=code, title=code, category="mri_safety")

    mr_safety, radiation = course("MR-SAFE"), course("RAD-SAFE")
    for made, basis, subject in (
        (mr_safety, "modality", {"modality": "MR"}),
        (radiation, "role", {"role": Role.TECHNICIAN}),
    ):
        Requirement.objects.create(site=site_a, course=made, basis=basis, created_at=NOW, **subject)
    tess = person(Role.TECHNICIAN, site_a, username="tess")
    person(Role.RSO, site_a, username="rosa")
    person(Role.INSPECTOR, site_a, username="ines")
    person(Role.TECHNICIAN, site_b, username="bob")  # Beta's people are never counted here

    def holds(who, made, *, expires):
        TrainingRecord.objects.create(
            site=site_a,
            person=who,
            course=made,
            completed_on=(NOW - 300 * DAY).date(),
            expires_on=expires,
            counts=True,
        )

    holds(tess, mr_safety, expires=None)
    holds(tess, radiation, expires=(NOW - DAY).date())
    holds(manager, mr_safety, expires=NOW.date())
    [alpha] = training_by_site(scope_for(manager))
    assert (alpha.label, alpha.required, alpha.current) == ("ALPHA", 4, 2)
    assert alpha.share == 0.5
    [mr] = training_by_site(scope_for(manager, modality="MR"))
    assert (mr.required, mr.current) == (3, 2)


def test_the_training_figure_is_counted_afresh_once_an_input_is_saved(manager, person, site_a):
    """GIVEN Tess (technician) must hold radiation safety, and holds nothing: 0 of 1 current
    (the figure is now cached) WHEN her record is saved THEN 1 of 1 at once; WHEN she leaves
    the site (her membership saved inactive) THEN nothing is required there."""
    radiation = Course.objects.create(
        site=site_a, code="RAD-SAFE", title="Radiation safety", category="radiation_safety"
    )
    Requirement.objects.create(
        site=site_a, course=radiation, basis="role", role=Role.TECHNICIAN, created_at=NOW
    )
    tess = person(Role.TECHNICIAN, site_a, username="tess")
    [alpha] = training_by_site(scope_for(manager))
    assert (alpha.label, alpha.required, alpha.current) == ("ALPHA", 1, 0)
    TrainingRecord.objects.create(
        site=site_a,
        person=tess,
        course=radiation,
        completed_on=(NOW - 10 * DAY).date(),
        expires_on=None,
        counts=True,
    )
    [alpha] = training_by_site(scope_for(manager))
    assert (alpha.required, alpha.current) == (1, 1)
    membership = SiteMembership.objects.get(user=tess, site=site_a)
    membership.is_active = False
    membership.save()
    assert training_by_site(scope_for(manager)) == []


def test_a_sign_in_leaves_the_training_figure_cached(manager, person, site_a):
    """A sign-in saves the account's last sign-in only: the cached figure stands."""
    from compliance.figure_cache import generation

    before = generation()
    manager.last_login = NOW
    manager.save(update_fields=["last_login"])
    assert generation() == before
    manager.is_active = False
    manager.save()
    assert generation() == before + 1
