"""The audit trail: every regulated write is recorded, nothing bypasses it, and the hash chain
names the first event that was edited, deleted, reordered, forged or cut off."""

import threading

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from equipment.models import Equipment, EquipmentStatus
from equipment.services import registry as services
from equipment.services.status import change_equipment_status
from imaging_ops.audit import verify as audit_verify
from imaging_ops.audit.context import audit_actor
from imaging_ops.audit.trail import (
    AuditAction,
    RegulatedWriteError,
    canonical_text,
    chain_hash,
    record_event,
    regulated_transaction,
)
from imaging_ops.audit.verify import Anchor, verify_chain
from imaging_ops.models import AuditChainHead, AuditEvent, Site, User
from tests import factories
from tests.audit_tools import tamper

pytestmark = [pytest.mark.django_db, pytest.mark.req("11.10(e)")]


def events_of(obj):
    return list(
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("seq")
    )


def make_events(n: int) -> None:
    for i in range(n):
        with audit_actor("tests"):
            record_event(AuditAction.EXPORT, object_type="test", object_id=str(i))


# --- what is recorded -------------------------------------------------------------------------


def test_creating_a_record_writes_its_values_with_the_actor(manager, site_a):
    equipment = services.create_equipment(
        actor=manager, site=site_a, asset_tag="CT-1", name="CT scanner", modalities=["CT"]
    )
    [event] = events_of(equipment)
    assert event.action == AuditAction.CREATE
    assert event.site_id == site_a.pk
    assert event.changes["asset_tag"] == [None, "CT-1"]
    assert event.changes["modalities"] == [None, ["CT"]]


def test_an_update_records_old_and_new_values_of_changed_fields_only(manager, site_a):
    equipment = factories.EquipmentFactory(site=site_a, name="CT scanner", serial_number="A1")
    services.update_equipment(actor=manager, equipment=equipment, name="CT scanner 2")
    event = events_of(equipment)[-1]
    assert event.action == AuditAction.UPDATE
    assert event.changes == {"name": ["CT scanner", "CT scanner 2"]}


def test_a_status_change_records_the_reason(tech, site_a):
    equipment = factories.EquipmentFactory(site=site_a)
    change_equipment_status(
        equipment=equipment, to=EquipmentStatus.OUT_OF_SERVICE, reason="Tube arcing", actor=tech
    )
    event = events_of(equipment)[-1]
    assert event.changes["status"] == ["awaiting_acceptance", "out_of_service"]
    assert event.reason == "Tube arcing"


def test_a_password_change_is_recorded_without_the_password(site_a):
    user = factories.UserFactory(username="pat")
    user.set_password("another long passphrase")
    user.save()
    event = events_of(user)[-1]
    assert event.changes == {"password": ["[redacted]", "[redacted]"]}
    assert "passphrase" not in event.canonical and "pbkdf2" not in event.canonical


def test_saving_without_a_change_writes_no_event(site_a):
    before = AuditEvent.objects.count()
    site_a.save()
    assert AuditEvent.objects.count() == before


# --- what is refused --------------------------------------------------------------------------


@pytest.mark.req("11.10(c)")
def test_bulk_changes_and_deletes_of_regulated_rows_are_refused(site_a):
    equipment = factories.EquipmentFactory(site=site_a)
    with pytest.raises(RegulatedWriteError, match="bypass the audit trail"):
        Equipment.objects.filter(pk=equipment.pk).update(name="renamed")
    with pytest.raises(RegulatedWriteError):
        Equipment.objects.bulk_create([Equipment(site=site_a, asset_tag="X", name="X")])
    with pytest.raises(RegulatedWriteError):
        Equipment.objects.bulk_update([equipment], ["name"])
    with pytest.raises(RegulatedWriteError, match="never deleted"):
        Equipment.objects.filter(pk=equipment.pk).delete()
    with pytest.raises(RegulatedWriteError, match="never deleted"):
        equipment.delete()
    with pytest.raises(RegulatedWriteError):
        User.objects.filter(username="nobody").update(is_active=False)


def test_updates_of_derived_columns_only_are_allowed_without_an_event(site_a):
    equipment = factories.EquipmentFactory(site=site_a)
    before = AuditEvent.objects.count()
    assert Equipment.objects.filter(pk=equipment.pk).update(modality="MR") == 1
    assert AuditEvent.objects.count() == before


@pytest.mark.req("11.10(c)")
def test_the_application_cannot_change_or_delete_an_event(site_a):
    event = AuditEvent.objects.order_by("seq").first()
    with pytest.raises(RegulatedWriteError):
        event.save()
    with pytest.raises(RegulatedWriteError):
        event.delete()
    with pytest.raises(RegulatedWriteError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(RegulatedWriteError):
        AuditEvent.objects.all().delete()


@pytest.mark.req("11.10(c)")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE imaging_ops_auditevent SET reason = 'rewritten'",
        "DELETE FROM imaging_ops_auditevent",
    ],
)
def test_the_database_refuses_update_and_delete_of_events(site_a, sql):
    with (
        pytest.raises((DatabaseError, IntegrityError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEvent.objects.filter(reason="rewritten").count() == 0


# --- transactions -----------------------------------------------------------------------------


@pytest.mark.parametrize("events", [1, 50])
def test_a_regulated_transaction_costs_three_queries_however_many_events(db, events):
    with CaptureQueriesContext(connection) as empty, regulated_transaction():
        pass
    with CaptureQueriesContext(connection) as busy, regulated_transaction():
        for i in range(events):
            record_event(AuditAction.EXPORT, object_type="test", object_id=str(i))
    assert len(busy) - len(empty) <= 3


def test_a_failed_transaction_leaves_neither_the_change_nor_its_events(manager, site_a):
    head_before = AuditChainHead.objects.get().seq
    with pytest.raises(RuntimeError), regulated_transaction():
        Site.objects.create(code="GAMMA", name="Gamma")
        raise RuntimeError("something went wrong")
    assert not Site.objects.filter(code="GAMMA").exists()
    assert AuditChainHead.objects.get().seq == head_before
    assert verify_chain().ok


def test_events_of_a_rolled_back_inner_block_are_dropped(db):
    with regulated_transaction():
        record_event(AuditAction.EXPORT, object_type="kept")
        with pytest.raises(RuntimeError), regulated_transaction():
            record_event(AuditAction.EXPORT, object_type="dropped")
            raise RuntimeError
    assert AuditEvent.objects.filter(object_type="kept").count() == 1
    assert not AuditEvent.objects.filter(object_type="dropped").exists()
    assert verify_chain().ok


# --- the chain --------------------------------------------------------------------------------


def test_an_intact_chain_verifies(site_a):
    make_events(5)
    result = verify_chain()
    assert result.ok, result.error
    head = AuditChainHead.objects.get()
    assert (result.last_seq, result.last_hash) == (head.seq, head.last_hash)
    assert result.checked == AuditEvent.objects.count()


@pytest.mark.req("11.10(a)")
def test_an_edited_event_is_named(site_a):
    make_events(5)
    tamper("UPDATE imaging_ops_auditevent SET reason = 'nothing happened' WHERE seq = 3")
    result = verify_chain()
    assert not result.ok
    assert "event #3 was edited" in result.error


@pytest.mark.req("11.10(a)")
def test_an_event_edited_with_its_text_is_caught_by_the_hash(site_a):
    make_events(5)
    event = AuditEvent.objects.get(seq=3)
    fields = {"object_id": "999"}
    text = event.canonical.replace('"object_id":"', '"object_id":"999')
    tamper(
        "UPDATE imaging_ops_auditevent SET object_id = %s, canonical = %s WHERE seq = 3",
        [fields["object_id"] + event.object_id, text],
    )
    result = verify_chain()
    assert not result.ok
    assert "event #3 does not follow from event #2" in result.error


@pytest.mark.req("11.10(a)")
def test_a_deleted_event_is_named(site_a):
    make_events(5)
    tamper("DELETE FROM imaging_ops_auditevent WHERE seq = 3")
    result = verify_chain()
    assert not result.ok
    assert "event #3 is missing" in result.error


@pytest.mark.req("11.10(a)")
def test_reordered_events_are_caught(site_a):
    make_events(5)
    tamper("UPDATE imaging_ops_auditevent SET seq = -1 WHERE seq = 2")
    tamper("UPDATE imaging_ops_auditevent SET seq = 2 WHERE seq = 3")
    tamper("UPDATE imaging_ops_auditevent SET seq = 3 WHERE seq = -1")
    result = verify_chain()
    assert not result.ok
    assert "#2" in result.error


@pytest.mark.req("11.10(a)")
def test_an_event_forged_without_the_key_is_caught(site_a):
    make_events(3)
    last = AuditEvent.objects.order_by("-seq").first()
    fields = {
        "seq": last.seq + 1,
        "at": last.at,
        "action": "sign",
        "actor_id": None,
        "actor_name": "forger",
        "object_type": "test",
        "object_id": "1",
        "site_id": None,
        "changes": {},
        "reason": "",
        "address": None,
        "request_id": "",
    }
    text = canonical_text(fields)
    forged_hash = chain_hash(b"a guessed key", last.hash, text)
    tamper(
        "INSERT INTO imaging_ops_auditevent (seq, at, action, actor_name, object_type, object_id,"
        " changes, reason, request_id, canonical, hash) VALUES "
        "(%s, %s, 'sign', 'forger', 'test', '1', '{}', '', '', %s, %s)",
        [last.seq + 1, last.at, text, forged_hash],
    )
    result = verify_chain()
    assert not result.ok
    assert f"event #{last.seq + 1} does not follow" in result.error


@pytest.mark.req("11.10(a)")
def test_a_chain_cut_short_is_caught_by_the_head(site_a):
    make_events(5)
    last = AuditChainHead.objects.get().seq
    tamper("DELETE FROM imaging_ops_auditevent WHERE seq = %s", [last])
    result = verify_chain()
    assert not result.ok
    assert "head records" in result.error


@pytest.mark.req("11.10(a)")
def test_a_chain_cut_short_with_its_head_rewound_is_caught_by_an_anchor(site_a):
    make_events(5)
    head = AuditChainHead.objects.get()
    anchor = Anchor(seq=head.seq, hash=head.last_hash)
    previous = AuditEvent.objects.get(seq=head.seq - 2)
    tamper("DELETE FROM imaging_ops_auditevent WHERE seq > %s", [previous.seq])
    tamper(
        "UPDATE imaging_ops_auditchainhead SET seq = %s, last_hash = %s",
        [previous.seq, previous.hash],
    )
    assert verify_chain().ok, "without an anchor a clean cut is invisible"
    result = verify_chain(anchor=anchor)
    assert not result.ok
    assert "cut short" in result.error


@pytest.mark.req("11.10(a)")
def test_verify_audit_command_exits_1_naming_the_break(site_a, capsys):
    make_events(3)
    call_command("verify_audit")
    assert "Audit chain intact" in capsys.readouterr().out
    tamper("UPDATE imaging_ops_auditevent SET actor_name = 'someone else' WHERE seq = 2")
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit")
    assert exit_info.value.code == 1
    assert "event #2 was edited" in capsys.readouterr().err


def test_verify_audit_checks_an_anchor_given_on_the_command_line(site_a, capsys):
    make_events(3)
    head = AuditChainHead.objects.get()
    call_command("verify_audit", anchor=f"{head.seq}:{head.last_hash}")
    assert "intact" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        call_command("verify_audit", anchor=f"{head.seq + 5}:{head.last_hash}")
    assert "cut short" in capsys.readouterr().err


def test_a_malformed_anchor_is_a_clear_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="SEQ:HASH"):
        call_command("verify_audit", anchor="yesterday")


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_gapless_valid_chain():
    """GIVEN two threads, each committing 15 regulated transactions at the same time
    THEN every event gets its own seq, with no gap, and the chain verifies."""
    start = AuditChainHead.objects.get().seq
    errors = []

    def writer(name):
        try:
            for i in range(15):
                with audit_actor(name), regulated_transaction():
                    record_event(AuditAction.EXPORT, object_type=name, object_id=str(i))
                    record_event(AuditAction.EXPORT, object_type=name, object_id=f"{i}b")
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(f"w{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = list(
        AuditEvent.objects.filter(seq__gt=start).order_by("seq").values_list("seq", flat=True)
    )
    assert seqs == list(range(start + 1, start + 61))
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_leaves_the_trail_usable_for_the_next(site_a):
    make_events(2)
    assert verify_chain().ok


def test_after_a_transactional_test_the_head_and_trigger_are_back(site_a):
    assert AuditChainHead.objects.filter(pk=1).exists()
    make_events(1)
    with (
        pytest.raises((DatabaseError, IntegrityError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM imaging_ops_auditevent")


def test_a_json_value_changed_in_place_is_recorded_with_its_old_value(manager, site_a):
    """The loaded values are kept apart from the row's own: changing a list in place still
    shows the old list in the event."""
    equipment = factories.EquipmentFactory(site=site_a, modalities=["CT"])
    equipment = Equipment.objects.get(pk=equipment.pk)
    equipment.modalities.append("PT")
    equipment.save()
    event = events_of(equipment)[-1]
    assert event.changes["modalities"] == [["CT"], ["CT", "PT"]]


def test_reading_rows_writes_nothing_and_saving_an_unchanged_row_writes_no_event(site_a):
    factories.EquipmentFactory(site=site_a)
    before = AuditEvent.objects.count()
    for equipment in Equipment.objects.all():
        equipment.save()
    assert AuditEvent.objects.count() == before


def test_a_stale_copy_saved_later_does_not_undo_a_status_change(manager, site_a):
    """GIVEN one request read the equipment, then another retired it
    WHEN the first saves an edit of the name
    THEN the status stays retired, and only the name's change is written and recorded."""
    equipment = factories.EquipmentFactory(site=site_a, status=EquipmentStatus.OUT_OF_SERVICE)
    stale = Equipment.objects.get(pk=equipment.pk)
    change_equipment_status(
        equipment=Equipment.objects.get(pk=equipment.pk),
        to=EquipmentStatus.RETIRED,
        reason="Replaced",
        actor=manager,
    )
    services.update_equipment(actor=manager, equipment=stale, name="Renamed")
    equipment.refresh_from_db()
    assert (equipment.status, equipment.name) == (EquipmentStatus.RETIRED, "Renamed")
    assert events_of(equipment)[-1].changes == {"name": ["CT scanner", "Renamed"]}


def test_saving_writes_only_the_changed_columns(site_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    equipment = Equipment.objects.get(pk=factories.EquipmentFactory(site=site_a).pk)
    equipment.serial_number = "SN-NEW"
    with CaptureQueriesContext(connection) as queries:
        equipment.save()
    [update] = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "equipment_equipment"')]
    assert "serial_number" in update and "status" not in update and '"name"' not in update


def _append_in_another_session(done):
    try:
        record_event(AuditAction.EXPORT, object_type="equipment list")
        done.append(True)
    finally:
        connection.close()


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_an_event_appended_while_the_chain_is_walked_is_not_taken_for_a_cut(monkeypatch):
    """GIVEN a chain being verified WHEN another session appends an event half-way
    THEN the walk checks the chain as it was when it started and finds it intact."""
    for n in range(3):
        record_event(AuditAction.EXPORT, object_type="equipment list", object_id=str(n))
    check_text = audit_verify.canonical_text
    appended = []

    def append_half_way(fields):
        if not appended:
            writer = threading.Thread(target=_append_in_another_session, args=(appended,))
            writer.start()
            writer.join()
        return check_text(fields)

    monkeypatch.setattr(audit_verify, "canonical_text", append_half_way)
    result = verify_chain()
    assert appended == [True]
    assert result.ok, result.error
    assert AuditChainHead.objects.get().seq == result.last_seq + 1
