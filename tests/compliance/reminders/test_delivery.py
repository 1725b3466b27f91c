"""Delivery: the in-app notification exactly once, email at least once, leases that run out
re-queued by the next sweep, escalations to the site's managers, and each person's choice of
now or a morning digest at their home site's opening time (across time zones and a clock
change)."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail

from compliance.models import DeliveryMode, NoticeState, ReminderDelivery, ReminderNotice
from compliance.services.delivery import deliver_notices, next_digest_at, send_digests
from compliance.services.reminder_settings import set_reminder_preference
from imaging_ops.models import Notification
from tests import factories
from tests.compliance.reminders.conftest import sweep, sweep_and_deliver

pytestmark = pytest.mark.django_db
LEAD = datetime(2026, 4, 24, 11, 0, tzinfo=UTC)  # the calibration's "due in 14 days"
DUE = datetime(2026, 5, 8, 11, 0, tzinfo=UTC)


def told(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))


def test_a_reminder_reaches_the_assignee_in_app_and_by_email_with_a_direct_link(
    calibration, tech, settings
):
    settings.PUBLIC_BASE_URL = "https://imaging.example.org"
    sweep_and_deliver(LEAD)
    assert told(tech) == ["Due in 14 days: Dose calibrator accuracy — CT scanner (ALPHA-CAL1)"]
    [email] = mail.outbox
    assert email.to == [tech.email]
    link = f"https://imaging.example.org/equipment/schedules/{calibration.pk}/record/"
    assert link in email.body
    html, kind = email.alternatives[0]
    assert kind == "text/html" and f'href="{link}"' in html
    notice = ReminderNotice.objects.get()
    assert notice.state == NoticeState.SENT and notice.sent_at == LEAD


def test_delivering_a_notice_twice_tells_each_person_once(calibration, tech):
    report = sweep(LEAD)
    deliver_notices(notice_ids=report.queued, now=LEAD)
    deliver_notices(notice_ids=report.queued, now=LEAD + timedelta(minutes=1))
    assert len(told(tech)) == 1
    assert len(mail.outbox) == 1


def test_a_notice_whose_worker_died_is_requeued_and_delivered_without_a_second_in_app_notice(
    calibration, tech
):
    # GIVEN a worker claimed the notice and wrote the in-app notification, then died before
    # the email went (its lease still running)
    report = sweep(LEAD)
    notice = ReminderNotice.objects.get()
    deliver_notices(notice_ids=report.queued, now=LEAD)
    ReminderNotice.objects.filter(pk=notice.pk).update(
        state=NoticeState.SENDING, lease_until=LEAD + timedelta(minutes=5), sent_at=None
    )
    ReminderDelivery.objects.update(emailed_at=None, email_lease_until=None)
    mail.outbox.clear()
    # WHEN the next sweep runs inside the lease, nothing is re-queued
    assert sweep(LEAD + timedelta(minutes=4)).queued == []
    # WHEN a sweep runs after the lease ran out
    later = sweep(LEAD + timedelta(minutes=6))
    assert later.queued == [notice.pk] and later.requeued == 1
    deliver_notices(notice_ids=later.queued, now=LEAD + timedelta(minutes=6))
    # THEN the email goes (at least once) and the in-app notification is not written again
    assert len(mail.outbox) == 1
    assert len(told(tech)) == 1
    notice.refresh_from_db()
    assert notice.state == NoticeState.SENT and notice.attempts == 2


def test_a_notice_whose_queueing_was_lost_is_requeued_by_the_next_sweep(calibration, tech):
    report = sweep(LEAD)  # the broker lost the delivery task: nothing delivered it
    assert ReminderNotice.objects.get().state == NoticeState.PENDING
    next_sweep = sweep(LEAD + timedelta(minutes=5))
    assert next_sweep.queued == report.queued
    deliver_notices(notice_ids=next_sweep.queued, now=LEAD + timedelta(minutes=5))
    assert len(told(tech)) == 1


def test_a_claimed_notice_is_not_claimed_again_while_its_lease_runs(calibration):
    from compliance.services.delivery import claim_notice

    report = sweep(LEAD)
    [pk] = report.queued
    assert claim_notice(notice_id=pk, now=LEAD) is not None
    assert claim_notice(notice_id=pk, now=LEAD + timedelta(minutes=4)) is None
    assert claim_notice(notice_id=pk, now=LEAD + timedelta(minutes=6)) is not None


def test_an_escalation_goes_to_the_sites_standing_managers_too(calibration, tech, manager, person):
    from imaging_ops.vocabulary import Role

    trainee = person(Role.MANAGER, calibration.site, username="trainee", is_trainee=True)
    calibration.refresh_from_db()
    sweep_and_deliver(calibration.overdue_at + timedelta(days=7))
    assert [t.split(":")[0] for t in told(tech)] == ["Escalated"]
    assert [t.split(":")[0] for t in told(manager)] == ["Escalated"]
    assert told(trainee) == []


def test_a_role_assignment_reaches_everyone_holding_the_role_at_the_site(
    manager, site_a, person, site_b
):
    from imaging_ops.vocabulary import Role
    from tests.compliance.reminders.conftest import annual_schedule

    annual_schedule(manager, site_a, assignee_role=Role.PHYSICIST)
    here = person(Role.PHYSICIST, site_a, username="phys-a")
    elsewhere = person(Role.PHYSICIST, site_b, username="phys-b")
    sweep_and_deliver(LEAD)
    assert len(told(here)) == 1 and told(elsewhere) == []


def test_lead_stages_can_be_turned_off_but_due_and_overdue_still_come(calibration, tech):
    set_reminder_preference(user=tech, mode=DeliveryMode.IMMEDIATE, lead_stages=False)
    sweep_and_deliver(LEAD)
    assert told(tech) == [] and mail.outbox == []
    sweep_and_deliver(DUE)
    assert [t.split(":")[0] for t in told(tech)] == ["Due"]
    assert len(mail.outbox) == 1


def test_the_digest_collects_everything_for_a_person_in_one_email_at_their_morning(
    calibration, tech, manager, site_a
):
    from tests.compliance.reminders.conftest import annual_schedule

    annual_schedule(manager, site_a, tag="CAL2", assignee=tech)
    set_reminder_preference(user=tech, mode=DeliveryMode.DIGEST, lead_stages=True)
    tech.home_site = site_a
    tech.save(update_fields=["home_site"])
    sweep_and_deliver(LEAD)
    # In app at once; no email yet
    assert len(told(tech)) == 2 and mail.outbox == []
    # Alpha opens at 07:00 New York time: 11:00 UTC the next day
    morning = datetime(2026, 4, 25, 11, 0, tzinfo=UTC)
    assert send_digests(now=morning - timedelta(minutes=1)) == 0
    assert send_digests(now=morning) == 1
    [email] = mail.outbox
    assert email.subject == "Reminders: 2 items for 2026-04-25"
    assert email.body.count("Due in 14 days") == 2
    assert send_digests(now=morning + timedelta(minutes=15)) == 0


def test_the_digest_time_follows_the_home_sites_zone_and_its_clock_change(db):
    tokyo = factories.SiteFactory(code="TKY", time_zone="Asia/Tokyo", opens_at=time(8, 0))
    new_york = factories.SiteFactory(code="NYC", time_zone="America/New_York")
    in_tokyo = factories.UserFactory(username="kenji", home_site=tokyo)
    in_new_york = factories.UserFactory(username="nora", home_site=new_york)
    saturday = datetime(2026, 3, 7, 18, 0, tzinfo=UTC)  # 13:00 EST; 03:00 Sunday in Tokyo
    # Tokyo: Sunday 08:00 JST is Saturday 23:00 UTC
    assert next_digest_at(in_tokyo, now=saturday, fallback_site=new_york) == datetime(
        2026, 3, 7, 23, 0, tzinfo=UTC
    )
    # New York springs forward on Sunday 8 March: 07:00 EDT is 11:00 UTC, not 12:00
    assert next_digest_at(in_new_york, now=saturday, fallback_site=tokyo) == datetime(
        2026, 3, 8, 11, 0, tzinfo=UTC
    )
    # And the Saturday before the change, 07:00 EST was 12:00 UTC
    friday_night = datetime(2026, 3, 7, 3, 0, tzinfo=UTC)
    assert next_digest_at(in_new_york, now=friday_night, fallback_site=tokyo) == datetime(
        2026, 3, 7, 12, 0, tzinfo=UTC
    )


def test_without_a_home_site_the_digest_comes_at_the_notices_site_morning(db):
    chicago = factories.SiteFactory(code="CHI", time_zone="America/Chicago")
    homeless = factories.UserFactory(username="hal", home_site=None)
    now = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
    assert next_digest_at(homeless, now=now, fallback_site=chicago) == datetime(
        2026, 6, 2, 12, 0, tzinfo=UTC
    )
