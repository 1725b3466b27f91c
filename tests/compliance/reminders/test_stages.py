"""The pure stage rules: where each stage falls, lead stages only for long intervals, local
wall-clock time kept across a daylight-saving change, and the current stage only after a gap."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from compliance.reminders.stages import (
    current_rank,
    expiry_boundaries,
    next_reminder,
    past_due_boundaries,
    schedule_boundaries,
    stage_label,
    stage_to_claim,
)

NEW_YORK = ZoneInfo("America/New_York")
DUE = datetime(2026, 5, 8, 11, 0, tzinfo=UTC)  # 07:00 EDT


def stages(**overrides):
    arguments = {
        "due": DUE,
        "overdue_at": DUE + timedelta(days=30),
        "zone": NEW_YORK,
        "lead": 14,
        "shortest_interval_days": 12 * 28,
        "escalate_after_days": 7,
    }
    arguments.update(overrides)
    return schedule_boundaries(**arguments)


def test_a_yearly_schedule_has_lead_due_overdue_and_escalated_stages():
    assert [(b.code, b.at) for b in stages()] == [
        ("lead-14", datetime(2026, 4, 24, 11, 0, tzinfo=UTC)),
        ("due", DUE),
        ("overdue", DUE + timedelta(days=30)),
        ("escalated", DUE + timedelta(days=37)),
    ]


def test_no_lead_stage_where_the_interval_is_not_longer_than_the_lead():
    assert [b.code for b in stages(shortest_interval_days=14)] == ["due", "overdue", "escalated"]
    assert stages(shortest_interval_days=15)[0].code == "lead-14"


def test_a_lead_of_zero_days_means_no_lead_stage():
    assert [b.code for b in stages(lead=0)] == ["due", "overdue", "escalated"]


def test_without_grace_due_and_overdue_are_one_stage():
    assert [b.code for b in stages(overdue_at=DUE)] == ["lead-14", "overdue", "escalated"]


def test_the_lead_keeps_the_local_clock_across_the_spring_change():
    # Due Monday 16 March 2026 07:00 EDT (11:00 UTC); 14 days earlier is 2 March, 07:00 EST.
    due = datetime(2026, 3, 16, 11, 0, tzinfo=UTC)
    lead = stages(due=due, overdue_at=due + timedelta(days=30))[0]
    assert lead.at == datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_the_current_stage_is_claimed_once_and_only_the_current_one_after_a_gap():
    boundaries = stages()
    before = boundaries[0].at - timedelta(minutes=1)
    assert stage_to_claim(boundaries, now=before, claimed=None) is None
    assert stage_to_claim(boundaries, now=boundaries[0].at, claimed=None).code == "lead-14"
    assert stage_to_claim(boundaries, now=boundaries[0].at, claimed=0) is None
    # Six weeks without a sweep: overdue has fallen; lead and due are never sent.
    late = DUE + timedelta(days=31)
    assert stage_to_claim(boundaries, now=late, claimed=None).code == "overdue"
    assert current_rank(boundaries, late) == 2


def test_the_next_reminder_is_the_first_stage_after_now_or_never():
    boundaries = stages()
    assert next_reminder(boundaries, now=DUE) == DUE + timedelta(days=30)
    assert next_reminder(boundaries, now=DUE + timedelta(days=40)) is None


def test_licences_are_reminded_90_60_and_30_days_before_at_the_sites_opening_time():
    boundaries = expiry_boundaries(
        expires_on=date(2026, 9, 30),
        leads=(30, 90, 60),
        expired=False,
        clock=time(7),
        zone=NEW_YORK,
    )
    assert [(b.code, b.at) for b in boundaries] == [
        ("lead-90", datetime(2026, 7, 2, 11, 0, tzinfo=UTC)),
        ("lead-60", datetime(2026, 8, 1, 11, 0, tzinfo=UTC)),
        ("lead-30", datetime(2026, 8, 31, 11, 0, tzinfo=UTC)),
    ]
    assert stage_label("lead-60") == "Due in 60 days"


def test_a_work_order_is_overdue_the_morning_after_its_due_date_then_escalated():
    boundaries = past_due_boundaries(
        due_on=date(2026, 11, 1), clock=time(7), zone=NEW_YORK, escalate_after_days=7
    )
    # 1 November 2026 is the autumn change: 2 November 07:00 is EST (12:00 UTC).
    assert [(b.code, b.at) for b in boundaries] == [
        ("overdue", datetime(2026, 11, 2, 12, 0, tzinfo=UTC)),
        ("escalated", datetime(2026, 11, 9, 12, 0, tzinfo=UTC)),
    ]
