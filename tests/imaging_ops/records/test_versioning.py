"""Versioned records: a stable identity, immutable signed versions, amendments with a reason,
voids with a reason, and nothing ever deleted. Acceptance notes are the record type used."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from equipment.models import AcceptanceNote, AcceptanceNoteVersion
from equipment.services.acceptance import (
    amend_acceptance_note,
    update_acceptance_draft,
    void_acceptance_note,
)
from imaging_ops.audit.trail import AuditAction, RegulatedWriteError
from imaging_ops.errors import Conflict
from imaging_ops.models import AuditEvent, Meaning, PolicyAcknowledgement
from imaging_ops.records.signatures import sign_record
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = pytest.mark.django_db


def sign(version, signer, meaning=Meaning.PERFORMED):
    PolicyAcknowledgement.objects.get_or_create(
        user=signer, policy_version="1", defaults={"acknowledged_at": timezone.now()}
    )
    return sign_record(
        version=version,
        signer=signer,
        meaning=meaning,
        password=factories.PASSWORD,
        username=signer.username,
        now=timezone.now(),
    )


@pytest.fixture
def note(tech):
    return factories.acceptance_note(actor=tech)


def fresh(note):
    return AcceptanceNote.objects.select_related("current_version").get(pk=note.pk)


@pytest.mark.req("11.10(e)")
def test_a_new_record_has_version_one_as_its_current_version(tech, note):
    version = fresh(note).current_version

    assert version.number == 1
    assert version.created_by == tech
    assert version.amendment_reason == ""
    assert list(note.versions.all()) == [version]


@pytest.mark.req("11.10(e)")
def test_an_unsigned_draft_is_corrected_in_place_and_the_change_is_audited(tech, note):
    update_acceptance_draft(actor=tech, note=note, summary="Corrected summary.", now=timezone.now())

    version = fresh(note).current_version
    assert (version.number, version.summary) == (1, "Corrected summary.")
    event = AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="equipment.acceptancenoteversion"
    ).get()
    assert event.changes["summary"][1] == "Corrected summary."


@pytest.mark.req("11.300", "11.10(e)")
def test_versioned_records_name_the_actor_outside_a_request(manager, site_a):
    from imaging_ops.audit.context import audit_actor

    equipment = factories.EquipmentFactory(site=site_a)
    with audit_actor("celery task test"):
        note = factories.acceptance_note(actor=manager, equipment=equipment)
    events = AuditEvent.objects.filter(
        object_type="equipment.acceptancenote", object_id=str(note.pk)
    )
    assert events.exists()
    assert all(e.actor_id == manager.pk for e in events)


@pytest.mark.req("11.10(e)")
@pytest.mark.req("11.70")
def test_a_signed_version_cannot_change_through_the_service(tech, note):
    sign(note.current_version, tech)

    with pytest.raises(Conflict, match=r"Version 1 is signed and cannot change.*Amend"):
        update_acceptance_draft(
            actor=tech, note=note, summary="Quietly changed.", now=timezone.now()
        )

    assert fresh(note).current_version.summary != "Quietly changed."


@pytest.mark.req("11.70")
def test_the_version_model_refuses_to_save_a_signed_version(tech, note):
    sign(note.current_version, tech)
    version = AcceptanceNoteVersion.objects.get(pk=note.current_version_id)
    version.summary = "Quietly changed."

    with pytest.raises(Conflict, match="signed and cannot change"):
        version.save()


@pytest.mark.req("11.10(e)")
def test_an_amendment_keeps_both_versions_and_the_reason(tech, note):
    sign(note.current_version, tech)

    amend_acceptance_note(
        actor=tech,
        note=note,
        reason="Wrong acceptance date",
        accepted_on=note.current_version.accepted_on.replace(day=1),
        now=timezone.now(),
    )

    first, second = AcceptanceNoteVersion.objects.filter(note=note).order_by("number")
    assert fresh(note).current_version == second
    assert (second.number, second.amendment_reason) == (2, "Wrong acceptance date")
    assert first.accepted_on.day == 2 and second.accepted_on.day == 1
    assert second.summary == first.summary  # fields not given are carried over
    assert first.signatures.count() == 1 and second.signatures.count() == 0
    amend = AuditEvent.objects.get(action=AuditAction.AMEND)
    assert (amend.reason, amend.changes) == ("Wrong acceptance date", {"version": [1, 2]})


def test_an_amendment_needs_a_reason(tech, note):
    with pytest.raises(ValidationError) as error:
        amend_acceptance_note(actor=tech, note=note, reason="  ", now=timezone.now())

    assert "reason" in error.value.message_dict
    assert note.versions.count() == 1


@pytest.mark.req("11.10(e)")
def test_void_requires_a_reason_and_keeps_the_record(manager, tech, note):
    with pytest.raises(ValidationError) as error:
        void_acceptance_note(actor=manager, note=note, reason="", now=timezone.now())
    assert "reason" in error.value.message_dict

    void_acceptance_note(actor=manager, note=note, reason="Entered twice", now=timezone.now())

    kept = fresh(note)
    assert kept.is_voided
    assert (kept.voided_by, kept.void_reason) == (manager, "Entered twice")
    assert kept.current_version.number == 1
    assert AuditEvent.objects.get(action=AuditAction.VOID).reason == "Entered twice"


def test_a_voided_record_cannot_be_amended_edited_or_voided_again(manager, note):
    void_acceptance_note(actor=manager, note=note, reason="Entered twice", now=timezone.now())
    now = timezone.now()

    with pytest.raises(Conflict, match="voided"):
        amend_acceptance_note(actor=manager, note=note, reason="Late fix", now=now)
    with pytest.raises(Conflict, match="voided"):
        update_acceptance_draft(actor=manager, note=note, summary="x", now=now)
    with pytest.raises(Conflict, match="voided"):
        void_acceptance_note(actor=manager, note=note, reason="Again", now=now)


@pytest.mark.req("11.10(e)")
def test_records_and_versions_are_never_deleted(note):
    with pytest.raises(RegulatedWriteError):
        note.delete()
    with pytest.raises(RegulatedWriteError):
        AcceptanceNoteVersion.objects.all().delete()
    with pytest.raises(RegulatedWriteError):
        AcceptanceNote.objects.filter(pk=note.pk).update(void_reason="x")


@pytest.mark.req("11.10(g)")
def test_a_technician_amends_their_own_record_only_before_review(tech, physicist, note):
    sign(note.current_version, tech)
    amend_acceptance_note(actor=tech, note=note, reason="Typo", now=timezone.now())
    sign(fresh(note).current_version, tech)
    sign(fresh(note).current_version, physicist, Meaning.REVIEWED)

    with pytest.raises(PermissionDenied, match="reviewed"):
        amend_acceptance_note(actor=tech, note=fresh(note), reason="Another", now=timezone.now())


@pytest.mark.req("11.10(g)")
def test_a_technician_cannot_amend_or_void_someone_elses_record(person, site_a, note):
    other = person(Role.TECHNICIAN, site_a, username="otto")

    with pytest.raises(PermissionDenied):
        amend_acceptance_note(actor=other, note=note, reason="Mine now", now=timezone.now())
    with pytest.raises(PermissionDenied):
        void_acceptance_note(actor=other, note=note, reason="Not needed", now=timezone.now())


@pytest.mark.req("11.10(g)")
def test_an_inspector_cannot_change_a_record(inspector, note):
    with pytest.raises(PermissionDenied):
        update_acceptance_draft(actor=inspector, note=note, summary="x", now=timezone.now())
