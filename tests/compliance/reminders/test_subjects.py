"""The other subjects through the same interface: licences and accreditations expiring (90, 60
and 30 days before), work orders open past their due date (overdue, then escalated; closing
cancels the rest), and daily work's one overdue digest per site per day."""

from datetime import UTC, date, datetime, timedelta

import pytest

from compliance.models import NoticeState, ReminderNotice, SubjectKind
from equipment.models import MissedOccurrence, WorkOrderState
from equipment.services.work_orders import open_work_order, transition_work_order
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.models import Notification, SiteIdentifier
from imaging_ops.vocabulary import IdentifierKind
from tests.compliance.reminders.conftest import (
    NOW,
    daily_schedule,
    machine,
    sweep,
    sweep_and_deliver,
)

pytestmark = pytest.mark.django_db


def stages(kind) -> list[tuple]:
    return list(
        ReminderNotice.objects.filter(subject_kind=kind)
        .order_by("pk")
        .values_list("due_on", "stage")
    )


def test_a_licence_is_reminded_90_60_and_30_days_before_it_expires(site_a, manager, rso):
    licence = SiteIdentifier.objects.create(
        site=site_a,
        kind=IdentifierKind.RADIOACTIVE_MATERIALS_LICENCE,
        number="NY-1234",
        issuer="NYS DOH",
        expires_on=date(2026, 9, 30),
    )
    day_90 = datetime(2026, 7, 2, 11, 0, tzinfo=UTC)  # 07:00 EDT
    sweep(day_90 - timedelta(minutes=1))
    assert stages(SubjectKind.SITE_IDENTIFIER) == []
    sweep_and_deliver(day_90)
    sweep_and_deliver(day_90 + timedelta(days=1))
    sweep_and_deliver(datetime(2026, 8, 31, 11, 0, tzinfo=UTC))  # a gap past 60: 30 only
    assert stages(SubjectKind.SITE_IDENTIFIER) == [
        (licence.expires_on, "lead-90"),
        (licence.expires_on, "lead-30"),
    ]
    # The managers and, for a radioactive materials licence, the RSO
    assert Notification.objects.filter(user=manager).count() == 2
    assert Notification.objects.filter(user=rso).count() == 2


def test_a_renewed_licence_starts_again_from_its_new_expiry(site_a, manager):
    licence = SiteIdentifier.objects.create(
        site=site_a,
        kind=IdentifierKind.ACCREDITATION,
        number="ACR-9",
        issuer="ACR",
        expires_on=date(2026, 9, 30),
    )
    report = sweep(datetime(2026, 7, 2, 11, 0, tzinfo=UTC))
    with regulated_transaction(actor=manager):
        licence.expires_on = date(2029, 9, 30)
        licence.save()
    from compliance.services.delivery import deliver_notices

    deliver_notices(notice_ids=report.queued, now=datetime(2026, 7, 2, 12, 0, tzinfo=UTC))
    assert ReminderNotice.objects.get().state == NoticeState.CANCELLED
    assert not Notification.objects.exists()


def test_a_work_order_past_its_due_date_is_overdue_then_escalated_until_closed(
    site_a, manager, tech
):
    order = open_work_order(
        actor=manager,
        equipment=machine(site_a, "XR1"),
        problem="Collimator light dim",
        now=NOW,
        due_on=date(2026, 3, 10),
        assignee=manager,
    )
    overdue = datetime(2026, 3, 11, 11, 0, tzinfo=UTC)  # the next morning, 07:00 EDT
    sweep(overdue - timedelta(minutes=1))
    assert stages(SubjectKind.WORK_ORDER) == []
    sweep_and_deliver(overdue)
    sweep_and_deliver(overdue + timedelta(hours=6))
    assert stages(SubjectKind.WORK_ORDER) == [(order.due_on, "overdue")]
    transition_work_order(
        work_order=order, to=WorkOrderState.CANCELLED, actor=manager, now=overdue, reason="Dup"
    )
    sweep(overdue + timedelta(days=8))
    assert stages(SubjectKind.WORK_ORDER) == [(order.due_on, "overdue")]


def test_daily_work_missed_gets_one_digest_per_site_per_day(site_a, manager, tech):
    first = daily_schedule(manager, site_a, "QC1")
    second = daily_schedule(manager, site_a, "QC2")
    for schedule in (first, second):
        MissedOccurrence.objects.create(schedule=schedule, day=date(2026, 3, 4))
    morning = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)  # Thursday 07:00 EST
    sweep(morning - timedelta(minutes=1))
    assert stages(SubjectKind.MISSED_DAYS) == []
    sweep_and_deliver(morning)
    sweep_and_deliver(morning + timedelta(hours=3))
    assert stages(SubjectKind.MISSED_DAYS) == [(date(2026, 3, 4), "overdue")]
    [note] = Notification.objects.filter(user=manager)
    assert "QC1" in note.body and "QC2" in note.body
    # Each schedule's own reminders stay silent: daily work lives in "My work"
    assert stages(SubjectKind.SCHEDULE) == []


def test_training_is_reminded_60_30_and_7_days_before_and_when_it_expires(site_a, manager, tech):
    from tests.training.conftest import train
    from training.services.courses import create_course

    course = create_course(
        actor=manager,
        site=site_a,
        now=NOW,
        code="CT-DOSE",
        title="CT dose optimisation",
        category="dose_optimisation",
        validity_months=12,
        modalities=["CT"],
    )
    [record] = train(manager, site_a, course, tech, held_on=date(2026, 3, 4), now=NOW).records.all()
    assert record.expires_on == date(2027, 3, 4)
    day_60 = datetime(2027, 1, 3, 12, 0, tzinfo=UTC)  # 07:00 EST at Alpha
    sweep(day_60 - timedelta(minutes=1))
    assert stages(SubjectKind.TRAINING) == []
    sweep_and_deliver(day_60)
    sweep_and_deliver(datetime(2027, 2, 25, 12, 0, tzinfo=UTC))  # a gap past 30: 7 only
    sweep_and_deliver(datetime(2027, 3, 4, 12, 0, tzinfo=UTC))
    assert stages(SubjectKind.TRAINING) == [
        (record.expires_on, "lead-60"),
        (record.expires_on, "lead-7"),
        (record.expires_on, "expired"),
    ]
    assert Notification.objects.filter(user=tech).count() == 3
    assert Notification.objects.filter(user=manager).count() == 3  # and the site's managers


def test_renewed_training_is_not_reminded_again(site_a, manager, tech):
    from tests.training.conftest import train
    from training.services.courses import create_course

    course = create_course(
        actor=manager,
        site=site_a,
        now=NOW,
        code="MRI-L1",
        title="MRI safety level 1",
        category="mri_safety",
        validity_months=12,
    )
    train(manager, site_a, course, tech, held_on=date(2026, 3, 4), now=NOW)
    sweep_and_deliver(datetime(2027, 1, 3, 12, 0, tzinfo=UTC))
    assert len(stages(SubjectKind.TRAINING)) == 1
    renewal = datetime(2027, 1, 10, 15, 0, tzinfo=UTC)
    train(manager, site_a, course, tech, held_on=date(2027, 1, 10), now=renewal)
    sweep_and_deliver(datetime(2027, 2, 25, 12, 0, tzinfo=UTC))
    assert len(stages(SubjectKind.TRAINING)) == 1  # the old record is superseded
