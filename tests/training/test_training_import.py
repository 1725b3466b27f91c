"""Importing past training from CSV: each row a training record signed once by the importer
as reviewed (so a passed one counts), every problem reported by line and column, nothing
saved while a row is wrong (unless the valid rows alone are asked for), a dry run saving
nothing, a second import of the same file changing nothing, and an outside instructor's name
shown wherever the instructor is."""

import subprocess
from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imaging_ops.csv_import import FileError
from imaging_ops.models import AuditEvent, AuthFailure, Meaning, Signature
from imaging_ops.vocabulary import Role
from tests import factories
from tests.training.conftest import NOW, sign
from training.documents import records_import
from training.documents.certificates import certificate_content
from training.documents.records_import import import_training_records, template_csv
from training.models import Course, TrainingRecord
from training.selectors.matrix import competency_matrix
from training.selectors.records import training_records
from training.services.sessions import amend_training_record

pytestmark = pytest.mark.django_db

HEADER = "site,person,course,completed_on,passed,score,instructor,instructor_name,notes"
ROW = "ALPHA,tess,CT-DOSE,2025-11-14,yes,92,phil,,Paper sign-in sheet"
OUTSIDE = "ALPHA,tess@example.org,MRI-L2,2025-06-02,yes,,,Dr. R. Outside,"


@pytest.fixture(autouse=True)
def _on_the_4th():
    with time_machine.travel(NOW, tick=False):
        yield


def upload(*lines: str, name: str = "training.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, "\n".join(lines).encode(), content_type="text/csv")


def run(actor, *rows: str, header: str = HEADER, dry_run=False, signature=None, **options):
    if signature is None and not dry_run:
        signature = sign(username=actor.username)
    return import_training_records(
        actor=actor,
        upload=upload(header, *rows),
        now=NOW,
        dry_run=dry_run,
        signature=signature,
        **options,
    )


def reasons(report) -> list[tuple[int, str | None, str]]:
    return [(e.line, e.column, e.reason) for e in report.errors]


def only_error(report) -> tuple[int, str | None, str]:
    (error,) = reasons(report)
    return error


# --- the happy path ------------------------------------------------------------------------


def test_rows_become_training_records_signed_by_the_importer_as_reviewed(
    manager, tech, physicist, site_a, ct_dose, mri_l2
):
    report = run(manager, ROW, OUTSIDE)
    assert report.saved and report.created == 2 and not report.errors, reasons(report)
    ct = TrainingRecord.objects.get(course=ct_dose)
    version = ct.current_version
    assert ct.person == tech and ct.site == site_a and ct.imported and ct.counts
    assert ct.session is None and ct.completed_on == date(2025, 11, 14)
    # Computed from the course's 12 months, never read from the file.
    assert ct.expires_on == version.expires_on == date(2026, 11, 14)
    assert version.instructor == physicist and version.instructor_name == ""
    assert str(version.score) == "92.0" and version.notes == "Paper sign-in sheet"
    (signature,) = Signature.objects.filter(object_id=version.pk, site=site_a)
    assert signature.signer == manager and signature.meaning == Meaning.REVIEWED
    mri = TrainingRecord.objects.get(course=mri_l2).current_version
    assert mri.instructor is None and mri.instructor_name == "Dr. R. Outside"
    assert AuditEvent.objects.filter(action="sign", actor=manager).count() == 2


def test_a_failed_attempt_is_kept_and_does_not_count(manager, tech, physicist, site_a, ct_dose):
    report = run(manager, "ALPHA,tess,CT-DOSE,2025-11-14,no,41,phil,,")
    assert report.saved and report.created == 1
    record = TrainingRecord.objects.get()
    assert not record.counts and not record.current_version.passed


def test_an_imported_record_makes_the_matrix_current(manager, tech, physicist, site_a, ct_dose):
    before = competency_matrix(site_a, on=date(2026, 3, 4))
    tess = next(row for row in before.rows if row.person == tech)
    assert tess.cells[0].status == "missing"
    run(manager, ROW)
    after = competency_matrix(site_a, on=date(2026, 3, 4))
    tess = next(row for row in after.rows if row.person == tech)
    assert tess.cells[0].status == "current" and tess.cells[0].expires_on == date(2026, 11, 14)


def test_a_catalog_course_is_found_when_the_site_has_none_of_that_code(
    manager, tech, physicist, site_a
):
    """GIVEN the organisation catalog's electrical safety course, which never expires, THEN a
    row naming its code imports against it, with no expiry."""
    catalog = Course.objects.create(
        site=None, code="ELECTRICAL-SAFETY", title="Electrical safety", category="electrical_safety"
    )
    report = run(manager, "ALPHA,tess,electrical-safety,2024-05-01,yes,,,Vendor trainer,")
    assert report.saved, reasons(report)
    record = TrainingRecord.objects.get()
    assert record.course == catalog and record.expires_on is None and record.counts


def test_a_username_wins_over_another_accounts_identical_email(
    manager, person, tech, physicist, site_a, ct_dose
):
    odd = person(Role.TECHNICIAN, site_a, username="odd")
    odd.email = "tess"
    odd.save(update_fields=["email"])
    report = run(manager, ROW)
    assert report.saved and TrainingRecord.objects.get().person == tech


def test_the_template_is_a_file_the_import_reads(manager, site_a):
    lines = template_csv().splitlines()
    assert lines[0] == HEADER


# --- each row error ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("GAMMA,tess,CT-DOSE,2025-11-14,yes,,phil,,", "site", "is not one of your sites"),
        (",tess,CT-DOSE,2025-11-14,yes,,phil,,", "site", "Give the site's code"),
        ("ALPHA,nobody,CT-DOSE,2025-11-14,yes,,phil,,", "person", "No one at your sites"),
        ("ALPHA,,CT-DOSE,2025-11-14,yes,,phil,,", "person", "Give the person's"),
        ("ALPHA,tess,NOPE,2025-11-14,yes,,phil,,", "course", "has no course “NOPE”"),
        ("ALPHA,tess,CT-DOSE,2026-03-05,yes,,phil,,", "completed_on", "cannot be in the future"),
        ("ALPHA,tess,CT-DOSE,14/11/2025,yes,,phil,,", "completed_on", "is not a date"),
        ("ALPHA,tess,CT-DOSE,2025-02-30,yes,,phil,,", "completed_on", "is not a date"),
        ("ALPHA,tess,CT-DOSE,1949-12-31,yes,,phil,,", "completed_on", "before 1950"),
        ("ALPHA,tess,CT-DOSE,2025-11-14,yes,101,phil,,", "score", "from 0 to 100"),
        ("ALPHA,tess,CT-DOSE,2025-11-14,yes,abc,phil,,", "score", "from 0 to 100"),
        ("ALPHA,tess,CT-DOSE,2025-11-14,maybe,,phil,,", "passed", "“maybe” is not yes or no"),
        ("ALPHA,tess,CT-DOSE,2025-11-14,,,phil,,", "passed", "Say whether the person passed"),
        ("ALPHA,tess,CT-DOSE,2025-11-14,yes,,,,", "instructor", "Give the instructor"),
        ("ALPHA,tess,CT-DOSE,2025-11-14,yes,,phil,Dr. Out,", "instructor_name", "not both"),
        ("ALPHA,tess,CT-DOSE,2025-11-14,yes,,tess,,", "instructor", "their own training"),
        ("ALPHA,tess,CT-DOSE,2025-11-14,yes,,ghost,,", "instructor", "instructor_name instead"),
        ("ALPHA,tess,CT-DOSE,2025-11-14,yes,,,Dr\u202eOut,", "instructor_name", "text-direction"),
        ("ALPHA,max,CT-DOSE,2025-11-14,yes,,phil,,", "person", "your own training"),
        ("ALPHA,tess,CT-DOSE,2025-11-14,yes,,phil", None, "has 7 cells"),
    ],
)
def test_each_row_error_names_its_line_and_column_and_saves_nothing(
    manager, tech, physicist, site_a, ct_dose, row, column, words
):
    report = run(manager, ROW.replace("2025-11-14", "2025-10-01"), row)
    assert not report.saved and report.invalid == 1 and report.created == 1
    line, got_column, reason = only_error(report)
    assert line == 3 and got_column == column and words in reason, reason
    assert not TrainingRecord.objects.exists()


def test_a_person_without_a_role_at_the_site_is_refused(
    manager, person, site_a, site_b, physicist, ct_dose
):
    # Bea works at Beta, where the manager is a technician too: known, but not at Alpha.
    person(Role.TECHNICIAN, site_b, username="bea")
    factories.MembershipFactory(user=manager, site=site_b, role=Role.TECHNICIAN)
    manager = type(manager).objects.get(pk=manager.pk)  # memberships read afresh
    report = run(manager, "ALPHA,bea,CT-DOSE,2025-11-14,yes,,phil,,")
    assert only_error(report) == (2, "person", "bea holds no role at ALPHA.")


def test_a_site_out_of_reach_reads_as_unknown(manager, site_a, site_b, tech, physicist, ct_dose):
    known = run(manager, "BETA,tess,CT-DOSE,2025-11-14,yes,,phil,,")
    unknown = run(manager, "NOWHERE,tess,CT-DOSE,2025-11-14,yes,,phil,,")
    assert only_error(known)[2] == "“BETA” is not one of your sites."
    assert only_error(unknown)[2] == "“NOWHERE” is not one of your sites."


def test_a_person_known_only_at_other_sites_reads_as_unknown(
    manager, person, site_a, site_b, physicist, ct_dose
):
    person(Role.TECHNICIAN, site_b, username="bea")
    report = run(manager, "ALPHA,bea,CT-DOSE,2025-11-14,yes,,phil,,")
    assert only_error(report)[2] == "No one at your sites has the username or e-mail address “bea”."


def test_duplicate_rows_in_one_file_name_the_other_lines(manager, tech, physicist, ct_dose):
    report = run(manager, ROW, OUTSIDE.replace("MRI-L2", "CT-DOSE"), ROW.replace("tess", "TESS"))
    assert not report.saved
    assert [(e.line, e.column) for e in report.errors] == [(2, None), (4, None)]
    assert "is on lines 2 and 4" in report.errors[0].reason
    assert not TrainingRecord.objects.exists()


def test_a_file_that_cannot_be_read_is_refused_whole(manager, site_a, ct_dose):
    with pytest.raises(FileError, match="Missing column: passed"):
        run(manager, "ALPHA,tess,CT-DOSE,2025-11-14", header="site,person,course,completed_on")
    with pytest.raises(FileError, match="Unknown column: expires_on"):
        run(manager, ROW + ",2026-11-14", header=HEADER + ",expires_on")
    with pytest.raises(FileError, match="header but no rows"):
        run(manager)


def test_a_file_over_the_row_limit_is_refused(manager, monkeypatch):
    monkeypatch.setattr(records_import, "MAX_ROWS", 2)
    with pytest.raises(FileError, match="more than 2 rows"):
        run(manager, ROW, OUTSIDE, ROW.replace("tess", "terry", 1))


def test_a_byte_order_mark_is_fine(manager, tech, physicist, ct_dose):
    file = SimpleUploadedFile("t.csv", ("\ufeff" + HEADER + "\n" + ROW).encode())
    report = import_training_records(
        actor=manager, upload=file, now=NOW, signature=sign(username="max")
    )
    assert report.saved and report.created == 1


# --- the options ---------------------------------------------------------------------------


def test_a_dry_run_saves_and_signs_nothing_and_needs_no_password(
    manager, tech, physicist, ct_dose, mri_l2
):
    events = AuditEvent.objects.count()
    report = run(manager, ROW, OUTSIDE, dry_run=True)
    assert not report.saved and report.created == 2 and not report.errors
    assert "Dry run, nothing saved: 2 to create" in report.summary
    assert not TrainingRecord.objects.exists() and not Signature.objects.exists()
    assert AuditEvent.objects.count() == events


def test_all_or_nothing_by_default_and_the_valid_rows_alone_when_asked(
    manager, tech, physicist, ct_dose, mri_l2
):
    bad = "ALPHA,tess,NOPE,2025-11-14,yes,,phil,,"
    refused = run(manager, ROW, bad, OUTSIDE)
    assert not refused.saved and not TrainingRecord.objects.exists()
    assert "Nothing was saved: 1 of 3 rows are invalid" in refused.summary
    partial = run(manager, ROW, bad, OUTSIDE, skip_invalid=True)
    assert partial.saved and partial.created == 2 and partial.invalid == 1
    assert [e.line for e in partial.errors] == [3]
    assert TrainingRecord.objects.count() == 2


def test_importing_the_same_file_again_changes_nothing(manager, tech, physicist, ct_dose, mri_l2):
    first = run(manager, ROW, OUTSIDE)
    assert first.created == 2
    events = AuditEvent.objects.count()
    again = run(manager, ROW, OUTSIDE)
    assert again.saved and again.created == 0 and again.unchanged == 2 and not again.errors
    assert TrainingRecord.objects.count() == 2 and AuditEvent.objects.count() == events


def test_a_voided_record_is_not_a_duplicate(manager, tech, physicist, ct_dose):
    from training.services.sessions import void_training_record

    run(manager, ROW)
    void_training_record(
        actor=manager, record=TrainingRecord.objects.get(), reason="Wrong person", now=NOW
    )
    report = run(manager, ROW)
    assert report.created == 1 and TrainingRecord.objects.filter(counts=True).count() == 1


# --- who may import ------------------------------------------------------------------------


def test_a_technician_of_another_site_is_refused_at_alpha(
    person, site_a, site_b, tech, physicist, ct_dose
):
    beta_tech = person(Role.TECHNICIAN, site_b, username="bert")
    report = run(beta_tech, ROW)
    # Alpha's people are as unknown to him as Alpha itself.
    assert reasons(report) == [
        (2, "site", "“ALPHA” is not one of your sites."),
        (2, "person", "No one at your sites has the username or e-mail address “tess”."),
        (
            2,
            "instructor",
            "No one at your sites has the username or e-mail address “phil”; name an outside "
            "instructor in instructor_name instead.",
        ),
    ]
    assert not TrainingRecord.objects.exists()


def test_a_technician_imports_at_their_own_site(tech, person, physicist, site_a, ct_dose):
    person(Role.TECHNICIAN, site_a, username="terry")
    report = run(tech, ROW.replace("tess", "terry", 1))
    assert report.saved and report.created == 1


def test_trainees_and_inspectors_may_not_import(person, site_a, tech, physicist, ct_dose):
    trainee = person(Role.TECHNICIAN, site_a, username="tina", is_trainee=True)
    inspector = person(Role.INSPECTOR, site_a, username="ines")
    for user in (trainee, inspector):
        with pytest.raises(PermissionDenied):
            run(user, ROW)
    assert not TrainingRecord.objects.exists()


def test_an_inspector_at_alpha_who_records_at_beta_is_refused_row_by_row(
    person, site_a, site_b, tech, physicist, ct_dose
):
    both = person(Role.INSPECTOR, site_a, username="iris")
    factories.MembershipFactory(user=both, site=site_b, role=Role.TECHNICIAN)
    report = run(both, ROW)
    assert only_error(report) == (2, "site", "You are not allowed to record training at ALPHA.")


def test_a_wrong_password_signs_and_saves_nothing_and_counts(manager, tech, physicist, ct_dose):
    with pytest.raises(ValidationError) as refused:
        run(
            manager,
            ROW,
            signature={"password": "wrong", "username": "max", "acknowledge_policy": True},
        )
    assert "password" in refused.value.message_dict
    assert not TrainingRecord.objects.exists()
    assert AuthFailure.objects.filter(user=manager, kind=AuthFailure.Kind.SIGNATURE).count() == 1


def test_the_first_signature_needs_the_policy_acknowledged(manager, tech, physicist, ct_dose):
    with pytest.raises(ValidationError) as refused:
        run(manager, ROW, signature={"password": factories.PASSWORD, "username": "max"})
    assert "acknowledge_policy" in refused.value.message_dict
    assert not TrainingRecord.objects.exists()


# --- the outside instructor wherever the instructor is shown ------------------------------


@pytest.fixture
def outside_record(manager, tech, mri_l2):
    run(manager, OUTSIDE)
    return training_records().get(course=mri_l2)


def test_the_certificate_names_the_outside_instructor_and_the_reviewer(outside_record):
    content = certificate_content(outside_record)
    assert content.instructor == "Dr. R. Outside"
    assert content.signature_label.startswith("Recorded from past training evidence")
    assert "Reviewed" in content.instructor_signature and content.signature_valid


@pytest.mark.needs_poppler
def test_the_certificate_pdf_prints_the_outside_instructor(client, tech, outside_record, tmp_path):
    client.force_login(tech)
    response = client.get(f"/training/records/{outside_record.pk}/certificate.pdf")
    assert response.status_code == 200
    path = tmp_path / "certificate.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(  # noqa: S603
        ["pdftotext", str(path), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "Instructor: Dr. R. Outside" in text and "Reviewed" in text


def test_the_pages_and_the_api_show_the_outside_instructor(
    client, api, manager, tech, outside_record
):
    client.force_login(manager)
    record_page = client.get(f"/training/records/{outside_record.pk}/")
    assert "Dr. R. Outside" in record_page.content.decode()
    assert "(outside instructor)" in record_page.content.decode()
    person_page = client.get(f"/training/people/{tech.pk}/")
    assert "Dr. R. Outside" in person_page.content.decode()
    api.force_authenticate(manager)
    (row,) = api.get("/api/v1/training-records/").json()["results"]
    assert row["instructor"] is None and row["instructor_name"] == "Dr. R. Outside"
    assert row["imported"] is True and row["counts"] is True
    assert row["signatures"][0]["meaning"] == "reviewed"


def test_an_amendment_keeps_the_outside_instructor_and_counts_again_once_reviewed(
    manager, physicist, outside_record
):
    from training.services.sessions import sign_training_record

    amend_training_record(
        actor=manager, record=outside_record, reason="Score from the sheet", score="88", now=NOW
    )
    outside_record.refresh_from_db()
    assert not outside_record.counts
    assert outside_record.current_version.instructor_name == "Dr. R. Outside"
    sign_training_record(
        record=outside_record,
        signer=physicist,
        now=NOW,
        meaning=Meaning.REVIEWED,
        **sign(username="phil"),
    )
    outside_record.refresh_from_db()
    assert outside_record.counts


def test_a_record_with_an_account_instructor_keeps_its_signed_hash(tech, physicist, ct_dose):
    """Records made before instructor_name existed hash as they did: their signatures verify."""
    from tests.training.conftest import train

    record = train(physicist, tech.memberships.get().site, ct_dose, tech).records.get()
    content = record.current_version.record_content()
    assert "instructor_name" not in content and content["instructor_id"] == physicist.pk


# --- queries -------------------------------------------------------------------------------


def _people(site, count: int) -> list[str]:
    names = []
    for n in range(count):
        user = factories.UserFactory(username=f"p{n:04d}")
        factories.MembershipFactory(user=user, site=site, role=Role.TECHNICIAN)
        names.append(user.username)
    return names


def queries_to_import(actor, rows) -> tuple[int, int]:
    """The queries an import of `rows` runs: (reads before the first write, all statements
    but savepoints)."""
    actor = type(actor).objects.get(pk=actor.pk)  # memberships read afresh each time
    with CaptureQueriesContext(connection) as queries:
        report = run(actor, *rows)
    assert report.saved, reasons(report)
    sql = [
        text
        for q in queries.captured_queries
        if not (text := q["sql"].lstrip().upper()).startswith(("SAVEPOINT", "RELEASE"))
    ]
    first_write = next(
        (n for n, text in enumerate(sql) if text.startswith(("INSERT", "UPDATE"))), len(sql)
    )
    return first_write, len(sql)


def test_the_import_reads_alike_for_10_and_200_rows_and_writes_a_fixed_number_per_record(
    manager, physicist, site_a, ct_dose
):
    names = _people(site_a, 210)
    rows = [f"ALPHA,{name},CT-DOSE,2025-11-14,yes,,phil,," for name in names]
    # Acknowledge the policy once, so both imports sign alike.
    run(manager, rows[0])
    ten_reads, ten_total = queries_to_import(manager, rows[1:11])
    many_reads, many_total = queries_to_import(manager, rows[11:211])
    assert many_reads == ten_reads <= 10
    # Each record, through the record and signature services: the identity, its version
    # (validated), the current pointer, the signature (locked, checked, written) and what
    # counts — 13 statements — plus its share of the audit trail's batched inserts.
    assert many_total - ten_total <= 190 * 14, (many_total - ten_total) / 190
    # Re-importing them all changes nothing, with the same queries for 10 and 200 rows.
    again_ten = queries_to_import(manager, rows[1:11])
    again_many = queries_to_import(manager, rows[11:211])
    assert again_ten == again_many


# --- the page and the API ------------------------------------------------------------------

PAGE = "/training/import/"


def test_the_page_is_linked_from_the_matrix_and_the_courses(client, manager, site_a, ct_dose):
    client.force_login(manager)
    matrix = client.get(f"/training/sites/{site_a.code}/matrix/").content.decode()
    assert f'href="{PAGE}?site=ALPHA"' in matrix
    assert f'href="{PAGE}"' in client.get("/training/courses/").content.decode()
    page = client.get(PAGE, {"site": "ALPHA"})
    assert page.status_code == 200 and page.context["site"] == site_a
    template = client.get("/training/import/template.csv")
    assert template.status_code == 200 and template.content.decode().startswith(HEADER)


def test_the_upload_page_runs_a_fixed_number_of_queries(
    client, manager, site_a, django_assert_max_num_queries
):
    client.force_login(manager)
    with django_assert_max_num_queries(9):
        assert client.get(PAGE, {"site": "ALPHA"}).status_code == 200


def test_the_page_imports_and_reports(client, manager, tech, physicist, ct_dose):
    client.force_login(manager)
    bad = "ALPHA,tess,NOPE,2025-11-14,yes,,phil,,"
    response = client.post(
        PAGE,
        {
            "file": upload(HEADER, ROW, bad),
            "skip_invalid": "on",
            "username": "max",
            "password": factories.PASSWORD,
            "acknowledge_policy": "on",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Saved: 1 training records created and signed" in body
    assert "has no course “NOPE”" in body and TrainingRecord.objects.count() == 1


def test_the_page_asks_the_password_and_says_a_wrong_one(client, manager, tech, ct_dose):
    client.force_login(manager)
    missing = client.post(PAGE, {"file": upload(HEADER, ROW)})
    assert missing.status_code == 400 and "password" in missing.context["form"].errors
    wrong = client.post(
        PAGE,
        {
            "file": upload(HEADER, ROW),
            "username": "max",
            "password": "nope",
            "acknowledge_policy": "on",
        },
    )
    assert wrong.status_code == 400
    assert "not correct" in wrong.context["form"].errors["password"][0]
    assert not TrainingRecord.objects.exists()


def test_the_page_refuses_trainees_and_inspectors(client, person, site_a):
    for user in (
        person(Role.TECHNICIAN, site_a, username="tina", is_trainee=True),
        person(Role.INSPECTOR, site_a, username="ines"),
    ):
        client.force_login(user)
        assert client.get(PAGE).status_code == 403
        assert client.post(PAGE, {"file": upload(HEADER, ROW)}).status_code == 403


API = "/api/v1/training-records/import/"


def test_the_api_imports_with_the_signature_every_time(api, manager, tech, physicist, ct_dose):
    api.force_authenticate(manager)
    no_username = api.post(
        API,
        {"file": upload(HEADER, ROW), "password": factories.PASSWORD, "acknowledge_policy": "true"},
        format="multipart",
    )
    assert no_username.status_code == 400 and "username" in no_username.json()
    response = api.post(
        API,
        {
            "file": upload(HEADER, ROW),
            "username": "max",
            "password": factories.PASSWORD,
            "acknowledge_policy": "true",
        },
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    report = response.json()
    assert report["saved"] and report["created"] == 1 and report["errors"] == []


def test_the_api_reports_rows_and_refuses_a_bad_file_or_signature(
    api, manager, tech, physicist, ct_dose, person, site_a
):
    api.force_authenticate(manager)
    dry = api.post(
        API,
        {"file": upload(HEADER, ROW, "ALPHA,tess,CT-DOSE,soon,yes,,phil,,"), "dry_run": "true"},
        format="multipart",
    )
    assert dry.status_code == 200
    assert dry.json()["errors"] == [
        {
            "line": 3,
            "person": "tess",
            "column": "completed_on",
            "reason": "“soon” is not a date; write it as YYYY-MM-DD, e.g. 2025-03-04.",
        }
    ]
    unreadable = api.post(
        API, {"file": upload("nonsense", "1,2"), "dry_run": "1"}, format="multipart"
    )
    assert unreadable.status_code == 400 and "file" in unreadable.json()
    wrong = api.post(
        API,
        {
            "file": upload(HEADER, ROW),
            "username": "max",
            "password": "nope",
            "acknowledge_policy": "true",
        },
        format="multipart",
    )
    assert wrong.status_code == 400 and "password" in wrong.json()
    api.force_authenticate(person(Role.TECHNICIAN, site_a, username="tina", is_trainee=True))
    refused = api.post(API, {"file": upload(HEADER, ROW), "dry_run": "1"}, format="multipart")
    assert refused.status_code == 403
    assert not TrainingRecord.objects.exists()
