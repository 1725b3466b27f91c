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
