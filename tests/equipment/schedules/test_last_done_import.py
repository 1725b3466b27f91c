"""Importing "last done" dates from CSV: each row's clock starts from the date given (a date is
the schedule's due time that day at the site), every problem is reported by line and column,
nothing is applied while a row is wrong, and the import reads and writes in batches."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from equipment.documents import csv_io
from equipment.documents.last_done_import import import_last_done
from equipment.models import EquipmentStatus, Schedule
from equipment.selectors.schedules import scheduled
from equipment.services.last_done import record_last_done
from equipment.services.records import create_service_record, void_service_record
from equipment.services.schedules import create_schedule, set_reference
from imaging_ops.audit.mixin import audited_bulk_writes
from imaging_ops.models import AuditEvent
from imaging_ops.vocabulary import Role
from tests import factories
from tests.equipment.conftest import NOW
from tests.equipment.schedules.test_schedule_list import add_schedules

pytestmark = pytest.mark.django_db
HEADER = "site,asset_tag,procedure,last_done,note"
ROW = "ALPHA,ALPHA-CT1,CT-DOSE,2025-06-10,From the paper log"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def upload(*lines: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("last-done.csv", "\n".join(lines).encode(), content_type="text/csv")


def run(actor, *rows: str, header: str = HEADER, **options):
    return import_last_done(actor=actor, upload=upload(header, *rows), now=NOW, **options)


def reasons(report) -> list[tuple[int, str | None, str]]:
    return [(e.line, e.column, e.reason) for e in report.errors]


@pytest.fixture
def survey(manager, ct, ct_qc):
    """The CT dose survey on Alpha's CT, not yet done here (annual from completion, 30 days
    each side, 14-month hard limit)."""
    return create_schedule(actor=manager, equipment=ct, procedure=ct_qc, now=NOW)


def untouched(schedule) -> bool:
    fresh = Schedule.objects.get(pk=schedule.pk)
    return (
        fresh.last_done is None
        and fresh.baseline_done is None
        and (fresh.next_due == schedule.next_due)
    )


# --- the clock -----------------------------------------------------------------------------


def test_a_date_is_the_due_time_that_day_at_the_site_and_moves_the_clock(manager, survey):
    report = run(manager, ROW)
    assert report.saved and report.updated == 1 and not report.errors
    survey.refresh_from_db()
    # 07:00 in New York on 10 June 2025 (EDT) is 11:00 UTC.
    assert survey.last_done == survey.baseline_done == utc(2025, 6, 10, 11, 0)
    assert survey.next_due == utc(2026, 6, 10, 11, 0)
    assert survey.window_opens == utc(2026, 5, 11, 4, 0)  # local midnight, 30 days early
    assert survey.overdue_at == utc(2026, 7, 10, 11, 0)  # 30 days of grace, before the limit
    assert survey.hard_limit_at == utc(2026, 8, 10, 11, 0)  # 14 months from the last done
    assert scheduled(manager, now=NOW).get(pk=survey.pk).state == "upcoming"


def test_an_old_date_puts_the_schedule_past_its_hard_limit(manager, survey):
    assert run(manager, "ALPHA,ALPHA-CT1,CT-DOSE,2024-12-01,").saved
    survey.refresh_from_db()
    assert survey.hard_limit_at == utc(2026, 2, 1, 12, 0)  # 07:00 EST, 14 months on
    assert survey.overdue_at == utc(2025, 12, 31, 12, 0)  # due 1 December, 30 days of grace
    assert scheduled(manager, now=NOW).get(pk=survey.pk).state == "past_hard_limit"


def test_each_schedule_gets_an_audit_event_with_the_note(manager, survey):
    run(manager, ROW)
    event = AuditEvent.objects.filter(object_type="equipment.schedule", action="update").get()
    assert event.object_id == str(survey.pk) and event.reason == "From the paper log"
    assert event.changes["last_done"] == [None, "2025-06-10T11:00:00+00:00"]


def test_a_date_in_winter_reads_with_standard_time(manager, survey):
    run(manager, "ALPHA,ALPHA-CT1,CT-DOSE,2025-01-10,")
    survey.refresh_from_db()
    assert survey.last_done == utc(2025, 1, 10, 12, 0)  # 07:00 EST


def test_a_date_is_the_local_day_of_the_schedules_own_site(manager, person, site_b, ct_qc):
    beta_manager = person(Role.MANAGER, site_b, username="bea")
    beta_ct = factories.EquipmentFactory(site=site_b, asset_tag="BETA-CT1")
    procedure = factories_procedure(beta_manager, site_b)
    beta = create_schedule(actor=beta_manager, equipment=beta_ct, procedure=procedure, now=NOW)
    assert run(beta_manager, "beta,beta-ct1,ct-dose,2025-06-10,").saved  # codes in any case
    beta.refresh_from_db()
    assert beta.last_done == utc(2025, 6, 10, 12, 0)  # 07:00 in Chicago (CDT)


def factories_procedure(actor, site):
    from equipment.services.procedures import create_procedure

    return create_procedure(
        actor=actor,
        site=site,
        code="CT-DOSE",
        kind="physicist_survey",
        now=NOW,
        name="CT dose survey",
        default_anchor="from_completion",
        default_interval_months=12,
        default_hard_limit_months=14,
    )


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        ("2025-06-10T23:30-05:00", utc(2025, 6, 11, 4, 30)),
        ("2025-06-10T23:30:00Z", utc(2025, 6, 10, 23, 30)),
        ("2025-06-10 08:15+0200", utc(2025, 6, 10, 6, 15)),
    ],
)
def test_a_moment_with_its_offset_is_taken_as_given(manager, survey, cell, stored):
    assert run(manager, f"ALPHA,ALPHA-CT1,CT-DOSE,{cell},").saved
    survey.refresh_from_db()
    assert survey.last_done == stored


def test_a_moment_a_few_minutes_ahead_of_the_server_is_still_the_past(manager, survey):
    ahead = (NOW + timedelta(minutes=4)).isoformat()
    assert run(manager, f"ALPHA,ALPHA-CT1,CT-DOSE,{ahead},").saved


# --- every error ---------------------------------------------------------------------------


@pytest.fixture
def spare(site_a):
    """A second unit at Alpha with no schedule."""
    return factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT2")


ERRORS = {
    "unknown site": ("NOPE,ALPHA-CT1,CT-DOSE,2025-06-10,", "site", "not one of your sites"),
    "another site": ("BETA,ALPHA-CT1,CT-DOSE,2025-06-10,", "site", "not one of your sites"),
    "no site": (",ALPHA-CT1,CT-DOSE,2025-06-10,", "site", "Give the site"),
    "unknown equipment": ("ALPHA,NOPE-9,CT-DOSE,2025-06-10,", "asset_tag", "no equipment"),
    "no asset tag": ("ALPHA,,CT-DOSE,2025-06-10,", "asset_tag", "Give the asset tag"),
    "unknown procedure": ("ALPHA,ALPHA-CT1,NOPE,2025-06-10,", "procedure", "no procedure"),
    "no schedule": (
        "ALPHA,ALPHA-CT2,CT-DOSE,2025-06-10,",
        "procedure",
        "assign the procedure first",
    ),
    "a day in the future": ("ALPHA,ALPHA-CT1,CT-DOSE,2026-03-05,", "last_done", "future"),
    "a moment in the future": (
        f"ALPHA,ALPHA-CT1,CT-DOSE,{(NOW + timedelta(minutes=6)).isoformat()},",
        "last_done",
        "future",
    ),
    "before 1900": ("ALPHA,ALPHA-CT1,CT-DOSE,1899-12-31,", "last_done", "between 1900 and 2100"),
    "after 2100": ("ALPHA,ALPHA-CT1,CT-DOSE,2101-01-01,", "last_done", "between 1900 and 2100"),
    "text": ("ALPHA,ALPHA-CT1,CT-DOSE,last Tuesday,", "last_done", "is not a date"),
    "another format": ("ALPHA,ALPHA-CT1,CT-DOSE,10/06/2025,", "last_done", "is not a date"),
    "no such day": ("ALPHA,ALPHA-CT1,CT-DOSE,2025-02-30,", "last_done", "not a date in the"),
    "no offset": ("ALPHA,ALPHA-CT1,CT-DOSE,2025-06-10T09:30,", "last_done", "no offset"),
    "blank": ("ALPHA,ALPHA-CT1,CT-DOSE,,", "last_done", "Give the date"),
    "a long note": (f"ALPHA,ALPHA-CT1,CT-DOSE,2025-06-10,{'n' * 501}", "note", "500 characters"),
    "a short row": ("ALPHA,ALPHA-CT1,CT-DOSE", None, "3 cells"),
}


@pytest.mark.parametrize("case", ERRORS)
def test_each_bad_row_is_reported_and_nothing_is_applied(manager, site_b, survey, spare, case):
    row, column, words = ERRORS[case]
    report = run(manager, row)
    assert not report.saved
    [(line, got_column, reason)] = reasons(report)
    assert (line, got_column) == (2, column) and words in reason, reason
    assert untouched(survey)


def test_a_row_given_twice_is_reported_on_both_lines(manager, survey):
    report = run(manager, ROW, "alpha,alpha-ct1,ct-dose,2025-07-01,")
    assert [(line, column) for line, column, _ in reasons(report)] == [(2, None), (3, None)]
    assert "lines 2 and 3" in report.errors[0].reason
    assert untouched(survey)


@pytest.mark.parametrize("status", [EquipmentStatus.RETIRED, EquipmentStatus.DISPOSED])
def test_retired_and_disposed_equipment_takes_no_date(manager, survey, status):
    # The schedule stays on the books; the machine is gone.
    with audited_bulk_writes():
        type(survey.equipment).objects.filter(pk=survey.equipment_id).update(status=status)
    report = run(manager, ROW)
    [(_, column, reason)] = reasons(report)
    assert column == "asset_tag" and "take no new dates" in reason
    assert untouched(survey)


def test_a_date_before_a_record_on_file_is_refused(manager, survey):
    record_on(survey, manager, performed_at=utc(2025, 9, 1, 14, 0))
    report = run(manager, ROW)
    [(_, column, reason)] = reasons(report)
    assert column == "last_done" and "the record is the truth" in reason
    assert "2025-09-01 10:00 EDT" in reason
    # A date after the record is the department's later truth.
    assert run(manager, "ALPHA,ALPHA-CT1,CT-DOSE,2025-10-01,").saved


def test_an_imported_date_newer_than_every_record_survives_a_void(manager, survey):
    record_on(survey, manager, performed_at=utc(2025, 9, 1, 14, 0))
    assert run(manager, "ALPHA,ALPHA-CT1,CT-DOSE,2025-10-01,").saved
    imported = Schedule.objects.get(pk=survey.pk).last_done
    later = record_on(survey, manager, performed_at=utc(2025, 10, 20, 14, 0))
    void_service_record(actor=manager, record=later, reason="Wrong machine", now=NOW)
    assert Schedule.objects.get(pk=survey.pk).last_done == imported


def record_on(schedule, actor, *, performed_at):
    set_reference(
        actor=actor, schedule=schedule, check_key="ctdi", value="50", reason="Set", now=NOW
    )
    checks = {c.key: c.pk for c in schedule.procedure.current_version.checks.all()}
    return create_service_record(
        actor=actor,
        schedule=schedule,
        performed_at=performed_at,
        now=NOW,
        values={checks["ctdi"]: "50", checks["notes"]: "ok"},
        signature={
            "password": factories.PASSWORD,
            "acknowledge_policy": True,
            "username": actor.username,
        },
    )


def test_the_rso_may_not_set_dates_of_other_than_radiation_procedures(rso, survey):
    report = run(rso, ROW)
    [(_, column, reason)] = reasons(report)
    assert column == "site" and "radiation procedures only" in reason
    assert untouched(survey)


def test_a_site_where_the_person_may_not_edit_schedules_is_refused(person, site_a, site_b, survey):
    manager_b = person(Role.MANAGER, site_b, username="mia")
    factories.MembershipFactory(user=manager_b, site=site_a, role=Role.TECHNICIAN)
    report = run(manager_b, ROW)
    [(_, column, reason)] = reasons(report)
    assert column == "site" and "not allowed" in reason
    assert untouched(survey)


def test_one_bad_row_applies_nothing_and_the_valid_rows_can_be_saved_alone(
    manager, survey, ct_qc, site_a
):
    other = create_schedule(
        actor=manager,
        equipment=factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT3"),
        procedure=ct_qc,
        now=NOW,
    )
    rows = (ROW, "ALPHA,ALPHA-CT3,CT-DOSE,someday,")
    report = run(manager, *rows)
    assert not report.saved and report.invalid == 1 and report.updated == 1
    assert untouched(survey) and untouched(other)
    report = run(manager, *rows, skip_invalid=True)
    assert report.saved and report.updated == 1 and report.invalid == 1
    survey.refresh_from_db()
    assert survey.last_done == utc(2025, 6, 10, 11, 0) and untouched(other)


def test_a_dry_run_checks_everything_and_saves_nothing(manager, survey):
    report = run(manager, ROW, dry_run=True)
    assert not report.saved and report.updated == 1 and not report.errors
    [change] = report.changes
    assert change.after == "2025-06-10 07:00 EDT (UTC\u221204:00)"
    assert change.next_due == "2026-06-10 07:00 EDT (UTC\u221204:00)"
    assert untouched(survey)


def test_importing_the_same_file_again_changes_nothing(manager, survey):
    run(manager, ROW)
    events = AuditEvent.objects.count()
    report = run(manager, ROW)
    assert report.saved and report.unchanged == 1 and report.updated == 0
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("site,asset_tag,procedure\nALPHA,X,Y", "Missing column: last_done"),
        ("site,asset_tag,procedure,last_done,colour\nA,B,C,D,E", "Unknown column: colour"),
        (HEADER, "no rows"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(manager, survey, text, words):
    with pytest.raises(csv_io.FileError, match=words):
        import_last_done(actor=manager, upload=upload(text), now=NOW)


# --- the service on its own ----------------------------------------------------------------


def test_the_service_refuses_by_field_and_checks_permission(manager, tech, survey):
    with pytest.raises(PermissionDenied):
        record_last_done(actor=tech, schedule=survey, last_done=utc(2025, 6, 10), now=NOW)
    with pytest.raises(ValidationError) as refused:
        record_last_done(
            actor=manager, schedule=survey, last_done=datetime(2025, 6, 10, 9), now=NOW
        )
    assert set(refused.value.message_dict) == {"last_done"}
    saved = record_last_done(
        actor=manager, schedule=survey, last_done=utc(2025, 6, 10, 14), note="Paper", now=NOW
    )
    assert saved.hard_limit_at == utc(2026, 8, 10, 14)


# --- queries -------------------------------------------------------------------------------


def rows_for(schedules) -> list[str]:
    return [
        f"ALPHA,{s.equipment.asset_tag},CT-DOSE,2025-06-{1 + n % 28:02d},row {n}"
        for n, s in enumerate(schedules)
    ]


def queries_to_import(actor, rows) -> tuple[int, int]:
    """The queries an import of `rows` runs: (reads, writes)."""
    actor = type(actor).objects.get(pk=actor.pk)  # memberships read afresh each time
    with CaptureQueriesContext(connection) as queries:
        report = import_last_done(actor=actor, upload=upload(HEADER, *rows), now=NOW)
    assert report.saved and report.updated == len(rows), reasons(report)
    sql = [q["sql"].lstrip().upper() for q in queries.captured_queries]
    reads = sum(1 for text in sql if text.startswith("SELECT"))
    return reads, len(sql) - reads


def test_the_import_reads_with_the_same_queries_for_10_and_100_rows_and_writes_in_bulk(
    manager, survey
):
    add_schedules(survey, 109)
    schedules = list(Schedule.objects.select_related("equipment").order_by("pk"))
    ten_reads, ten_writes = queries_to_import(manager, rows_for(schedules[:10]))
    reads, writes = queries_to_import(manager, rows_for(schedules[10:]))
    assert reads == ten_reads
    # One UPDATE for the schedules and the audit trail's inserts, in batches (SQLite takes
    # fewer rows a statement than PostgreSQL): never a statement per row.
    assert writes <= ten_writes + 2


# --- the page ------------------------------------------------------------------------------

PAGE = "/equipment/schedules/import-last-done/"


def test_the_page_and_its_template(client, manager):
    assert reverse("equipment:last_done_import") == PAGE
    client.force_login(manager)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert reverse("equipment:last_done_template") in page.content.decode()
    template = client.get(reverse("equipment:last_done_template"))
    assert template["Content-Type"] == "text/csv"
    header, *examples = list(csv.reader(io.StringIO(template.content.decode())))
    assert header == HEADER.split(",") and len(examples) == 2


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.INSPECTOR])
def test_people_who_edit_schedules_nowhere_get_403(client, person, site_a, role):
    client.force_login(person(role, site_a))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"file": upload(HEADER, ROW)}).status_code == 403


def test_signing_in_comes_first(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_schedule_list_links_the_import_for_editors_only(client, manager, tech):
    client.force_login(manager)
    assert PAGE in client.get(reverse("equipment:schedules")).content.decode()
    client.force_login(tech)
    assert PAGE not in client.get(reverse("equipment:schedules")).content.decode()


def test_uploading_shows_the_report_with_each_rows_errors(client, manager, survey):
    client.force_login(manager)
    response = client.post(PAGE, {"file": upload(HEADER, ROW, "ALPHA,ALPHA-CT1,CT-DOSE,x,")})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Nothing was saved" in text and "is not a date" in text and "last_done" in text
    assert untouched(survey)
    response = client.post(PAGE, {"file": upload(HEADER, ROW)})
    assert "Saved: 1 schedules updated" in response.content.decode()
    survey.refresh_from_db()
    assert survey.last_done == utc(2025, 6, 10, 11, 0)


def test_a_file_the_page_cannot_read_is_said_beside_the_file(client, manager):
    client.force_login(manager)
    response = client.post(PAGE, {"file": upload("site,asset_tag\nA,B")})
    assert response.status_code == 400
    assert "Missing columns: procedure, last_done" in response.content.decode()
    big = SimpleUploadedFile("big.csv", b"x" * (csv_io.MAX_BYTES + 1), content_type="text/csv")
    response = client.post(PAGE, {"file": big})
    assert response.status_code == 400 and "the limit is 5 MB" in response.content.decode()
