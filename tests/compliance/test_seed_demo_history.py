"""`manage.py seed_demo` writes the main site's last twelve weeks through the services: daily CT
QC with values at tolerance, a missed day annotated, a late entry, the weekly MRI phantom, the
dose calibrator's constancy, an outside survey and calibration countersigned with their
documents, leak tests with a calibrated meter; and the technician's morning after it.

The demo is seeded once for the module (read-only tests, each in its own rolled-back
savepoint), on a Thursday morning before the site opens, with a clock change inside the
history (1 November 2026 in New York).
"""

from datetime import UTC, date, datetime, time, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from compliance.demo.history import HISTORY_WEEKS, HOT_LAB_WEEKS
from equipment.limits import Outcome
from equipment.models import (
    MissedOccurrence,
    RecordAttachment,
    Schedule,
    ServiceRecord,
    ServiceRecordVersion,
)
from equipment.scheduling import ScheduleStatus, Timeliness
from equipment.selectors.trends import trends
from equipment.selectors.work import my_work
from equipment.services.record_content import last_calibration
from equipment.services.records import recompute_schedule
from imaging_ops.audit.verify import verify_chain
from imaging_ops.models import AuditEvent, Meaning, Signature, Site, User
from imaging_ops.records.signatures import signature_is_valid

# 06:15 EST on Thursday 19 November 2026: the technician's morning, before the 07:00 opening.
NOW = datetime(2026, 11, 19, 11, 15, tzinfo=UTC)
TODAY = date(2026, 11, 19)
MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo seeded once at NOW, rolled back when the module ends."""
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=MD5, MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        out = StringIO()
        with time_machine.travel(NOW, tick=False):
            call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def main(demo, db):
    return Site.objects.get(code="MAIN")


def records(code, suffix="", *, site="MAIN"):
    found = ServiceRecord.objects.filter(
        procedure__code=code, equipment__site__code=site
    ).select_related("current_version", "equipment__site")
    if suffix:
        found = found.filter(equipment__asset_tag=f"{site}-{suffix}")
    return list(found.order_by("performed_at"))


def schedule(suffix, code):
    return Schedule.objects.select_related("equipment__site", "procedure__current_version").get(
        equipment__asset_tag=f"MAIN-{suffix}", procedure__code=code
    )


def local(record):
    return record.equipment.site.local(record.performed_at)


def clinical_days(site, since, until):
    days = (since + timedelta(days=n) for n in range((until - since).days))
    return [day for day in days if site.is_clinical_day(day)]


# --- what the history holds --------------------------------------------------------------


def test_the_history_holds_every_kind_the_department_keeps(main, demo):
    for code in (
        "ACR-CT-DAILY-WATER",
        "ACR-MR-WEEKLY-PHANTOM",
        "NRC-DC-CONSTANCY",
        "MQSA-ANNUAL-SURVEY",
        "NRC-SURVEY-METER-CAL",
        "NRC-LEAK-TEST",
    ):
        assert records(code), code
    assert {r.equipment.asset_tag for r in records("NRC-LEAK-TEST")} == {
        "MAIN-SRC1",
        "MAIN-SRC2",
        "MAIN-SRC3",
    }
    assert not ServiceRecord.objects.filter(equipment__site__code="NORTH").exists()
    assert "History at MAIN:" in demo and "ending yesterday" in demo


def test_daily_ct_qc_covers_each_clinical_day_but_the_missed_one_before_opening(main):
    ct = records("ACR-CT-DAILY-WATER", "CT1")
    first = TODAY - timedelta(weeks=HISTORY_WEEKS)
    owed = clinical_days(main, first, TODAY)
    [missed] = MissedOccurrence.objects.filter(schedule__equipment__asset_tag="MAIN-CT1")

    assert sorted(local(r).date() for r in ct) == [day for day in owed if day != missed.day]
    assert all(time(6, 0) <= local(r).time() < time(7, 0) for r in ct)
    assert {r.current_version.timeliness for r in ct} == {Timeliness.ON_TIME}
    assert all(r.counts and r.current_version.signatures.count() == 1 for r in ct)
    # Before and after the clock change, the records sit at the same local morning hour.
    offsets = {local(r).utcoffset() for r in ct}
    assert offsets == {timedelta(hours=-4), timedelta(hours=-5)}


def test_some_ct_values_are_at_tolerance_and_the_trend_shows_them_in_their_bands(main):
    tolerance = [r for r in records("ACR-CT-DAILY-WATER", "CT1") if r.outcome == Outcome.TOLERANCE]
    ct = schedule("CT1", "ACR-CT-DAILY-WATER")

    assert len(tolerance) >= 2
    assert all(r.current_version.comments for r in tolerance)
    charts = {t.check.key: t for t in trends([ct], now=NOW)}
    hu = charts["water_hu"]
    assert len(hu.measurements) >= 50
    assert Outcome.TOLERANCE in {m.result for m in hu.measurements}
    assert {zone.label for zone in hu.chart.zones} >= {"Pass", "Tolerance"}
    assert not ServiceRecord.objects.filter(outcome=Outcome.ACTION).exists()


def test_one_missed_day_is_written_by_the_roll_over_and_annotated_by_the_technician(main):
    [missed] = MissedOccurrence.objects.all()
    tech = User.objects.get(username="tech")

    assert missed.schedule.equipment.asset_tag == "MAIN-CT1"
    assert main.is_clinical_day(missed.day)
    assert "Unit not used that day" in missed.annotation
    assert missed.annotated_by == tech and main.today(missed.annotated_at) > missed.day
    assert not my_work(tech, now=NOW).missed.count


def test_one_weekly_phantom_was_entered_late_from_the_paper_sheet(main):
    mr = records("ACR-MR-WEEKLY-PHANTOM", "MR15")
    late = [r for r in mr if r.current_version.late_entry]

    assert len(mr) >= HISTORY_WEEKS
    [record] = late
    version = record.current_version
    assert version.recorded_at - version.performed_at > timedelta(hours=24)
    assert version.timeliness == Timeliness.ON_TIME and "paper worksheet" in version.comments
    # The other records of the history were entered as the work was done, but for the survey,
    # entered when its report came.
    entered_late = ServiceRecordVersion.objects.filter(late_entry=True)
    assert set(entered_late.values_list("record__procedure__code", flat=True)) == {
        "ACR-MR-WEEKLY-PHANTOM",
        "MQSA-ANNUAL-SURVEY",
    }


def test_the_dose_calibrator_constancy_is_recorded_each_day_of_use(main):
    constancy = records("NRC-DC-CONSTANCY", "DC1")
    since = TODAY - timedelta(weeks=HOT_LAB_WEEKS)

    assert [local(r).date() for r in constancy] == clinical_days(main, since, TODAY)
    assert {r.outcome for r in constancy} == {Outcome.PASS}
    assert all(r.current_version.valid_until for r in constancy)


def test_the_outside_survey_has_its_report_attached_and_is_countersigned_as_reviewed(main):
    [survey] = records("MQSA-ANNUAL-SURVEY", "MG1")
    version = survey.current_version
    [report] = version.attachments.all()
    [signature] = version.signatures.all()

    assert version.is_external and version.external_organisation == "Tri-State Medical Physics"
    assert report.content_type == "application/pdf" and report.file.read().startswith(b"%PDF-")
    assert signature.meaning == Meaning.REVIEWED and signature.signer.username == "manager"
    assert signature_is_valid(signature, version)
    received = version.report_received_on
    assert received is not None and 0 < (received - local(survey).date()).days <= 30
    assert survey.counts and version.timeliness == Timeliness.ON_TIME
    assert not records("MQSA-ANNUAL-SURVEY", "MG2")  # its survey is due in the coming months


def test_the_meter_used_for_the_leak_tests_is_in_calibration_on_each_test_day(main):
    used = ServiceRecordVersion.objects.filter(instruments__isnull=False).distinct()

    assert set(used.values_list("record__procedure__code", flat=True)) == {"NRC-LEAK-TEST"}
    for version in used:
        for instrument in version.instruments.all():
            calibration = last_calibration(instrument, before=version.performed_at)
            assert calibration is not None, instrument.asset_tag
            assert calibration.valid_until >= version.performed_at
            assert calibration.is_external and calibration.attachments.count() == 1
            [countersigned] = calibration.signatures.all()
            assert countersigned.meaning == Meaning.REVIEWED
    leak = records("NRC-LEAK-TEST")
    assert all(r.outcome == Outcome.PASS and r.counts for r in leak)
    assert {r.current_version.timeliness for r in leak} == {Timeliness.ON_TIME}


def test_every_schedules_clock_is_what_the_service_computes_from_its_records(main):
    for kept in Schedule.objects.filter(equipment__site=main).select_related("equipment__site"):
        before = (kept.last_done, kept.next_due, kept.overdue_at, kept.hard_limit_at)
        recompute_schedule(kept, now=NOW)
        kept.refresh_from_db()
        assert (kept.last_done, kept.next_due, kept.overdue_at, kept.hard_limit_at) == before


def test_the_audit_trail_holds_the_history_and_its_chain_is_intact(main):
    signatures = Signature.objects.count()

    assert AuditEvent.objects.filter(action="sign").count() == signatures
    assert verify_chain().ok
    assert RecordAttachment.objects.count() == 2


# --- the morning after -------------------------------------------------------------------


def test_the_technicians_morning_shows_todays_work_one_overdue_item_and_the_rest_done(main):
    tech = User.objects.get(username="tech")

    work = my_work(tech, now=NOW)

    rows = {(r.schedule.equipment.asset_tag, r.schedule.procedure.code): r for r in work.rows}
    assert rows.pop(("MAIN-MR30", "ACR-MR-WEEKLY-PHANTOM")).status == ScheduleStatus.OVERDUE
    assert set(rows) == {
        ("MAIN-CT1", "ACR-CT-DAILY-WATER"),
        ("MAIN-CT2", "ACR-CT-DAILY-WATER"),
        ("MAIN-PETCT", "ACR-CT-DAILY-WATER"),
        ("MAIN-DC1", "NRC-DC-CONSTANCY"),
    }
    assert all(r.status == ScheduleStatus.OPEN and r.due_today for r in rows.values())
    # Done: this week's phantom on the 1.5 T (Monday), and yesterday's daily work.
    weekly = schedule("MR15", "ACR-MR-WEEKLY-PHANTOM")
    assert main.today(weekly.last_done) == date(2026, 11, 16) and weekly.next_due > NOW
    ct = schedule("CT1", "ACR-CT-DAILY-WATER")
    assert main.today(ct.last_done) == TODAY - timedelta(days=1)


def test_the_technicians_home_page_reads_as_that_morning(main, client):
    client.force_login(User.objects.get(username="tech"))

    with time_machine.travel(NOW, tick=False):
        page = client.get("/").content.decode()

    assert "MAIN-MR30" in page and "Overdue" in page
    assert "MAIN-CT1" in page and "due today" in page
    assert "Every missed day of your work has a reason." in page


def test_the_pages_show_the_trend_and_the_countersigned_report(main, client):
    client.force_login(User.objects.get(username="inspector"))
    ct = schedule("CT1", "ACR-CT-DAILY-WATER").equipment
    [survey] = records("MQSA-ANNUAL-SURVEY", "MG1")
    [report] = survey.current_version.attachments.all()

    with time_machine.travel(NOW, tick=False):
        trend = client.get(reverse("equipment:equipment_trends", args=[ct.pk]))
        page = client.get(reverse("equipment:record_detail", args=[survey.pk]))
        download = client.get(reverse("equipment:record_attachment", args=[report.pk]))

    assert trend.status_code == 200 and "Tolerance" in trend.content.decode()
    assert page.status_code == 200
    text = page.content.decode()
    assert "Alex Moreno" in text and "Reviewed" in text and report.name in text
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


# --- idempotent ----------------------------------------------------------------------------


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            ServiceRecord,
            ServiceRecordVersion,
            RecordAttachment,
            MissedOccurrence,
            Schedule,
            Signature,
            AuditEvent,
        )
    }


@pytest.mark.parametrize("later", [timedelta(0), timedelta(days=1, hours=3)])
def test_a_rerun_adds_nothing_the_same_morning_or_the_next(main, later):
    before = counts()
    out = StringIO()

    with time_machine.travel(NOW + later, tick=False):
        call_command("seed_demo", stdout=out)

    assert counts() == before
    assert "the history is there already" in out.getvalue()
