"""Service records: recorded and signed in one step, judged on the server against the bands in
force, the instrument gate at the moment of the work, outside performers countersigned, and the
schedule moved (and moved back) with what counts."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from equipment.limits import Outcome
from equipment.models import (
    Category,
    Measurement,
    ProcedureKind,
    RecordAttachment,
    ServiceRecord,
)
from equipment.scheduling import Timeliness
from equipment.services.procedures import create_procedure
from equipment.services.records import (
    amend_service_record,
    create_service_record,
    sign_service_record,
    void_service_record,
)
from imaging_ops.models import AuthFailure, Meaning
from tests import factories
from tests.equipment.conftest import NOW, refused_fields
from tests.equipment.records.conftest import PDF, sign, values_for

pytestmark = pytest.mark.django_db


def record(schedule, actor, *, now=NOW, performed_at=None, signature=True, **kwargs):
    kwargs.setdefault("values", values_for(schedule))
    return create_service_record(
        actor=actor,
        schedule=schedule,
        performed_at=performed_at or now - timedelta(minutes=10),
        now=now,
        signature=sign(username=actor.username) if signature else None,
        **kwargs,
    )


def test_a_signed_record_counts_and_moves_the_schedule(tech, daily):
    before = daily.next_due
    # Due 07:00 at the site (a day after the last, from completion); done 06:30.
    made = record(
        daily,
        tech,
        values=values_for(daily, ma="106"),
        performed_at=NOW - timedelta(hours=2, minutes=30),
    )
    daily.refresh_from_db()
    assert made.counts and made.outcome == Outcome.TOLERANCE
    version = made.current_version
    assert version.timeliness == Timeliness.ON_TIME and version.due_satisfied == before
    assert daily.last_done == version.performed_at and daily.next_due > before
    ma = version.measurements.get(procedure_check__key="ma")
    assert (ma.value_text, ma.result, ma.crossed) == ("106", "tolerance", "tolerance_high")
    assert ma.band["tolerance_high"] == "105"
    noise = version.measurements.get(procedure_check__key="noise")
    assert noise.reference == Decimal("5.0") and noise.result == Outcome.PASS
    assert [s.meaning for s in version.signatures.all()] == [Meaning.PERFORMED]


def test_a_wrong_password_saves_nothing_and_counts_a_failure(tech, daily):
    with pytest.raises(ValidationError) as refused:
        record(daily, tech, signature=False) if False else create_service_record(
            actor=tech,
            schedule=daily,
            performed_at=NOW,
            now=NOW,
            values=values_for(daily),
            signature={"password": "wrong", "acknowledge_policy": True, "username": "tess"},
        )
    assert "password" in refused_fields(refused)
    assert not ServiceRecord.objects.exists() and not Measurement.objects.exists()
    assert AuthFailure.objects.filter(user=tech).count() == 1


def test_every_problem_is_a_field_error_at_once(tech, daily):
    with pytest.raises(ValidationError) as refused:
        record(
            daily,
            tech,
            values=values_for(daily, ma="12x", noise="", artefacts="maybe"),
            performed_at=NOW + timedelta(minutes=6),
        )
    checks = {c.key: c.pk for c in daily.procedure.current_version.checks.all()}
    assert refused_fields(refused) == {
        "performed_at",
        f"measurements.{checks['ma']}",
        f"measurements.{checks['noise']}",
        f"measurements.{checks['artefacts']}",
    }
    assert not ServiceRecord.objects.exists()


def test_naive_moments_are_refused(tech, daily):
    with pytest.raises(ValidationError) as refused:
        record(daily, tech, performed_at=datetime(2026, 3, 4, 8, 0))
    assert refused_fields(refused) == {"performed_at"}


def test_an_action_value_needs_a_confirmation_and_a_comment(tech, daily):
    action = values_for(daily, ma="120")
    with pytest.raises(ValidationError) as refused:
        record(daily, tech, values=action)
    assert refused_fields(refused) == {"confirm_action", "comments"}
    made = record(daily, tech, values=action, confirm_action=True, comments="Tube arcing; called")
    assert made.outcome == Outcome.ACTION and made.current_version.action_confirmed


def test_late_entries_are_flagged(tech, daily, settings):
    settings.RECORD_LATE_ENTRY_HOURS = 12
    made = record(daily, tech, performed_at=NOW - timedelta(hours=13))
    assert made.current_version.late_entry
    assert not record(daily, tech, performed_at=NOW - timedelta(hours=1)).current_version.late_entry


def test_inspectors_record_nothing(inspector, daily):
    with pytest.raises(PermissionDenied):
        record(daily, inspector, signature=False)


@pytest.fixture
def meter(site_a):
    return factories.EquipmentFactory(
        site=site_a, asset_tag="ALPHA-DOS1", category=Category.QA_INSTRUMENT, modalities=[]
    )


def calibrate(meter, actor, site, *, valid_until):
    procedure = create_procedure(
        actor=factories.MembershipFactory(site=site, role="manager").user,
        site=site,
        code="CAL-DOS",
        kind=ProcedureKind.CALIBRATION,
        now=NOW,
        name="Dosimeter calibration",
        categories=[Category.QA_INSTRUMENT],
        external_allowed=True,
        checks=[{"key": "ok", "name": "Certificate in order", "kind": "boolean"}],
    )
    ok = procedure.current_version.checks.get().pk
    made = create_service_record(
        actor=actor,
        equipment=meter,
        procedure=procedure,
        performed_at=NOW - timedelta(days=300),
        now=NOW,
        values={ok: "yes"},
        valid_until=valid_until,
        external={"name": "Lab tech", "organisation": "Accredited Lab", "credentials": "ADCL"},
        attachments=[SimpleUploadedFile("certificate.pdf", PDF)],
    )
    return made


def test_an_instrument_counts_until_its_calibration_expires(tech, physicist, daily, meter, site_a):
    expiry = datetime(2026, 3, 1, 5, 0, tzinfo=UTC)
    calibration = calibrate(meter, tech, site_a, valid_until=expiry)
    assert not calibration.counts  # an outside lab's certificate counts once reviewed
    with pytest.raises(ValidationError) as refused:
        record(daily, tech, instruments=[meter], performed_at=expiry - timedelta(days=1))
    assert "no passing calibration" in refused.value.message_dict["instruments"][0]
    sign_service_record(
        record=calibration,
        signer=physicist,
        now=NOW,
        meaning=Meaning.REVIEWED,
        **sign(username="phil"),
    )
    calibration.refresh_from_db()
    assert calibration.counts
    made = record(daily, tech, instruments=[meter], performed_at=expiry - timedelta(days=1))
    assert list(made.current_version.instruments.all()) == [meter]
    with pytest.raises(ValidationError) as refused:
        record(daily, tech, instruments=[meter], performed_at=expiry + timedelta(days=1))
    assert "expired on 2026-03-01" in refused.value.message_dict["instruments"][0]


def test_an_outside_record_needs_its_report_and_no_self_review(tech, meter, site_a):
    with pytest.raises(ValidationError) as refused:
        create_service_record(
            actor=tech,
            equipment=meter,
            procedure=calibrate(meter, tech, site_a, valid_until=NOW).procedure,
            performed_at=NOW,
            now=NOW,
            values={},
            valid_until=NOW,
            external={"name": "", "organisation": ""},
        )
    assert {"external.name", "external.organisation"} <= refused_fields(refused)


def test_attachments_are_refused_by_type_and_size(tech, daily, settings):
    settings.RECORD_ATTACHMENT_MAX_MB = 1
    exe = SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf")
    big = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024 + 1))
    odd = SimpleUploadedFile("notes.docx", b"PK")
    with pytest.raises(ValidationError) as refused:
        record(daily, tech, attachments=[exe, big, odd])
    message = refused.value.message_dict["attachments"][0]
    assert "not really a PDF" in message and "larger than 1 MB" in message
    assert "notes.docx" in message
    made = record(daily, tech, attachments=[SimpleUploadedFile("report.pdf", PDF)])
    attachment = RecordAttachment.objects.get(version=made.current_version)
    assert attachment.sha256 in str(made.current_version.record_content())


@pytest.mark.parametrize("name", ["report\r\nX-Header.pdf", "report\x00.pdf", "re\u202eport.pdf"])
def test_a_file_name_with_control_characters_is_refused(tech, daily, name):
    with pytest.raises(ValidationError) as refused:
        record(daily, tech, attachments=[SimpleUploadedFile(name, PDF)])
    assert "unusual" in refused.value.message_dict["attachments"][0]


def test_void_and_amend_recompute_the_schedule(tech, manager, daily):
    baseline = daily.last_done
    made = record(daily, tech)
    daily.refresh_from_db()
    assert daily.last_done == made.performed_at
    later = made.performed_at + timedelta(minutes=5)
    amend_service_record(
        actor=tech,
        record=made,
        reason="Wrong time typed",
        now=NOW,
        performed_at=later,
        values=values_for(daily),
        signature=sign(username="tess"),
    )
    daily.refresh_from_db()
    assert daily.last_done == later and made.current_version.number == 2
    void_service_record(actor=manager, record=made, reason="Wrong machine", now=NOW)
    daily.refresh_from_db()
    made.refresh_from_db()
    assert not made.counts and daily.last_done == baseline


def test_an_unsigned_record_does_not_move_the_schedule(tech, daily):
    due = daily.next_due
    made = record(daily, tech, signature=False)
    daily.refresh_from_db()
    assert not made.counts and daily.next_due == due
    sign_service_record(
        record=made, signer=tech, now=NOW, meaning=Meaning.PERFORMED, **sign(username="tess")
    )
    daily.refresh_from_db()
    assert daily.next_due > due


def test_the_performer_roles_gate_names_who_performs(person, site_a, manager, ct):
    survey = create_procedure(
        actor=manager,
        site=site_a,
        code="CT-SURVEY",
        kind=ProcedureKind.PHYSICIST_SURVEY,
        now=NOW,
        name="CT annual survey",
        modalities=["CT"],
        performer_roles=["physicist"],
        checks=[{"key": "ok", "name": "Survey complete", "kind": "boolean"}],
    )
    ok = survey.current_version.checks.get().pk
    technician = person("technician", site_a, username="terry")
    trainee = person("physicist", site_a, username="pia", is_trainee=True)

    def survey_by(actor):
        return create_service_record(
            actor=actor,
            equipment=ct,
            procedure=survey,
            performed_at=NOW - timedelta(hours=1),
            now=NOW,
            values={ok: "yes"},
            signature=sign(username=actor.username),
        )

    with pytest.raises(PermissionDenied, match="performed by: physicist"):
        survey_by(technician)
    assert survey_by(trainee).counts
