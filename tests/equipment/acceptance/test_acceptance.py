"""Acceptance notes: the versioned, signed record shown on the equipment page, in the API and
in the admin. A signed version cannot change anywhere; amendments and voids keep everything."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from equipment.models import AcceptanceNote, AcceptanceNoteVersion
from imaging_ops.models import Meaning, PolicyAcknowledgement, Signature
from imaging_ops.records.signatures import sign_record
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/v1/acceptance-notes/"
CONTENT = {
    "accepted_on": "2026-03-02",
    "outcome": "accepted",
    "summary": "All acceptance tests passed.",
    "tests_performed": "Vendor protocol; physicist's acceptance survey.",
    "conditions": "",
}


def sign(note, signer, meaning=Meaning.PERFORMED):
    PolicyAcknowledgement.objects.get_or_create(
        user=signer, policy_version="1", defaults={"acknowledged_at": timezone.now()}
    )
    return sign_record(
        version=note.current_version,
        signer=signer,
        meaning=meaning,
        password=factories.PASSWORD,
        username=signer.username,
        now=timezone.now(),
    )


@pytest.fixture
def equipment(site_a):
    return factories.EquipmentFactory(site=site_a, asset_tag="CT-1")


@pytest.fixture
def note(tech, equipment):
    return factories.acceptance_note(actor=tech, equipment=equipment)


@pytest.fixture
def signed_note(tech, note):
    sign(note, tech)
    return note


# --- Pages ------------------------------------------------------------------------------------


def test_a_technician_records_an_acceptance_note_from_the_equipment_page(client, tech, equipment):
    client.force_login(tech)
    page = client.get(f"/equipment/{equipment.pk}/").content.decode()
    assert f"/equipment/{equipment.pk}/acceptance/new/" in page

    response = client.post(f"/equipment/{equipment.pk}/acceptance/new/", CONTENT)

    note = AcceptanceNote.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/equipment/acceptance/{note.pk}/"
    assert (note.equipment, note.current_version.summary) == (equipment, CONTENT["summary"])


def test_the_form_shows_field_errors_for_missing_conditions_and_a_future_date(
    client, tech, equipment
):
    client.force_login(tech)
    tomorrow = timezone.localdate() + timedelta(days=2)

    response = client.post(
        f"/equipment/{equipment.pk}/acceptance/new/",
        {**CONTENT, "outcome": "accepted_with_conditions", "accepted_on": tomorrow.isoformat()},
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert "Say which conditions" in form.errors["conditions"][0]
    assert "cannot be in the future" in form.errors["accepted_on"][0]
    assert not AcceptanceNote.objects.exists()


@pytest.mark.req("11.50")
@pytest.mark.req("11.10(e)")
def test_the_equipment_page_lists_notes_with_manifestations_validity_and_history(
    client, tech, physicist, equipment, signed_note
):
    tech.full_name = "Jane Doe"
    tech.save()
    sign(signed_note, physicist, Meaning.REVIEWED)
    client.force_login(tech)

    page = client.get(f"/equipment/{equipment.pk}/").content.decode()

    signature = Signature.objects.filter(signer=tech).get()
    assert signature.printed_name in page
    assert "— Performed" in page and "— Reviewed" in page
    assert page.count("Signature verified") == 2
    assert "Modified after signing" not in page


@pytest.mark.req("11.10(e)")
def test_the_note_page_shows_every_version_with_the_amendment_reason(client, tech, signed_note):
    client.force_login(tech)
    client.post(
        f"/equipment/acceptance/{signed_note.pk}/amend/",
        {**CONTENT, "summary": "Passed after the table was re-levelled.", "reason": "Table fix"},
    )

    page = client.get(f"/equipment/acceptance/{signed_note.pk}/").content.decode()

    assert "Version 2 (current)" in page and "Version 1 (superseded)" in page
    assert "Table fix" in page
    assert "All acceptance tests passed." in page or "Acceptance tests passed" in page
    assert "Passed after the table was re-levelled." in page


@pytest.mark.req("11.70")
@pytest.mark.req("11.10(e)")
def test_a_signed_version_cannot_be_changed_through_the_form(client, tech, signed_note):
    client.force_login(tech)
    url = f"/equipment/acceptance/{signed_note.pk}/edit/"

    shown = client.get(url)
    posted = client.post(url, {**CONTENT, "summary": "Quietly changed."})

    assert shown.status_code == 409 and posted.status_code == 409
    assert "Version 1 is signed and cannot change" in posted.content.decode()
    assert f"/equipment/acceptance/{signed_note.pk}/amend/" in posted.content.decode()
    assert AcceptanceNoteVersion.objects.get().summary != "Quietly changed."


def test_an_unsigned_draft_can_be_edited_through_the_form(client, tech, note):
    client.force_login(tech)

    response = client.post(
        f"/equipment/acceptance/{note.pk}/edit/", {**CONTENT, "summary": "Corrected."}
    )

    assert response.status_code == 302
    assert AcceptanceNoteVersion.objects.get().summary == "Corrected."


@pytest.mark.req("11.10(e)")
def test_voiding_through_the_page_needs_a_reason_and_keeps_the_note(client, manager, note):
    client.force_login(manager)
    url = f"/equipment/acceptance/{note.pk}/void/"

    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Entered on the wrong unit"}).status_code == 302

    page = client.get(f"/equipment/{note.equipment_id}/").content.decode()
    assert "Void" in page and "Entered on the wrong unit" in page


def test_the_sign_dialog_offers_the_records_meanings_from_the_controlled_list(client, tech, note):
    client.force_login(tech)

    form = client.get(f"/equipment/acceptance/{note.pk}/sign/").context["form"]

    assert [value for value, _ in form.fields["meaning"].choices] == [
        "",
        Meaning.PERFORMED,
        Meaning.REVIEWED,
        Meaning.APPROVED,
    ]


def test_another_sites_note_is_not_found(client, person, site_b, note):
    outsider = person(Role.MANAGER, site_b, username="bert")
    client.force_login(outsider)

    assert client.get(f"/equipment/acceptance/{note.pk}/").status_code == 404
    assert client.get(f"/equipment/acceptance/{note.pk}/sign/").status_code == 404


def _queries(callable_):
    with CaptureQueriesContext(connection) as captured:
        response = callable_()
    assert response.status_code == 200
    return len(captured)


def _add_signed_notes(tech, physicist, equipment, count):
    for _ in range(count):
        note = factories.acceptance_note(actor=tech, equipment=equipment)
        sign(note, tech)
        sign(note, physicist, Meaning.REVIEWED)


def test_the_equipment_page_runs_the_same_queries_for_one_note_or_many(
    client, tech, physicist, equipment
):
    _add_signed_notes(tech, physicist, equipment, 1)
    client.force_login(tech)
    url = f"/equipment/{equipment.pk}/"
    client.get(url)
    one = _queries(lambda: client.get(url))

    _add_signed_notes(tech, physicist, equipment, 4)
    many = _queries(lambda: client.get(url))

    assert many == one, f"{one} queries for one note, {many} for five"


# --- API --------------------------------------------------------------------------------------


def test_the_api_creates_lists_and_reads_notes(api, tech, equipment):
    api.force_authenticate(tech)

    created = api.post(API, {**CONTENT, "equipment": equipment.pk}, format="json")
    listed = api.get(API, {"equipment": equipment.pk})

    assert created.status_code == 201
    body = created.json()
    assert body["current_version"]["number"] == 1
    assert body["current_version"]["signatures"] == []
    assert [n["id"] for n in listed.json()["results"]] == [body["id"]]


def test_the_api_refuses_another_sites_equipment_with_a_field_error(api, tech, site_b):
    elsewhere = factories.EquipmentFactory(site=site_b)
    api.force_authenticate(tech)

    response = api.post(API, {**CONTENT, "equipment": elsewhere.pk}, format="json")

    assert response.status_code == 400
    assert "equipment" in response.json()


def test_the_api_gives_field_errors_for_bad_content(api, tech, equipment):
    api.force_authenticate(tech)

    response = api.post(
        API,
        {**CONTENT, "equipment": equipment.pk, "outcome": "accepted_with_conditions"},
        format="json",
    )

    assert response.status_code == 400
    assert "conditions" in response.json()


@pytest.mark.req("11.70")
@pytest.mark.req("11.10(e)")
@pytest.mark.parametrize("method", ["patch", "put"])
def test_changing_a_signed_version_through_the_api_is_a_409_with_an_explanation(
    api, tech, signed_note, method
):
    api.force_authenticate(tech)

    response = getattr(api, method)(
        f"{API}{signed_note.pk}/", {**CONTENT, "summary": "Quietly changed."}, format="json"
    )

    assert response.status_code == 409
    assert "signed and cannot change" in response.json()["detail"]
    assert "Amend" in response.json()["detail"]
    assert AcceptanceNoteVersion.objects.get().summary != "Quietly changed."


def test_an_unsigned_draft_is_patched_through_the_api(api, tech, note):
    api.force_authenticate(tech)

    response = api.patch(f"{API}{note.pk}/", {"summary": "Corrected."}, format="json")

    assert response.status_code == 200
    assert response.json()["current_version"]["summary"] == "Corrected."


@pytest.mark.req("11.10(e)")
def test_an_amendment_through_the_api_keeps_both_versions_and_the_reason(api, tech, signed_note):
    api.force_authenticate(tech)
    url = f"{API}{signed_note.pk}/amend/"

    missing = api.post(url, {"summary": "New text"}, format="json")
    response = api.post(url, {"summary": "New text", "reason": "Clarified"}, format="json")

    assert missing.status_code == 400 and "reason" in missing.json()
    assert response.status_code == 201
    versions = response.json()["versions"]
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[0]["amendment_reason"] == "Clarified"
    assert versions[1]["signatures"][0]["valid"] is True
    assert versions[1]["summary"] != "New text"


@pytest.mark.req("11.10(e)")
def test_voiding_through_the_api_needs_a_reason_and_keeps_the_note(api, manager, note):
    api.force_authenticate(manager)
    url = f"{API}{note.pk}/void/"

    assert api.post(url, {}, format="json").status_code == 400
    response = api.post(url, {"reason": "Duplicate"}, format="json")

    assert response.status_code == 200
    assert response.json()["voided"] is True
    assert api.get(f"{API}{note.pk}/").json()["void_reason"] == "Duplicate"
    assert api.delete(f"{API}{note.pk}/").status_code == 405


@pytest.mark.req("11.50")
def test_an_api_signature_answers_with_its_manifestation(api, tech, note):
    api.force_authenticate(tech)

    response = api.post(
        f"{API}{note.pk}/sign/",
        {
            "username": "tess",
            "password": factories.PASSWORD,
            "meaning": "performed",
            "acknowledge_policy": True,
            "version": 1,
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["valid"] is True
    assert body["manifestation"].endswith("— Performed")
    assert "password" not in body


def test_signing_a_version_that_is_no_longer_current_is_a_409(api, tech, note):
    api.force_authenticate(tech)
    api.post(f"{API}{note.pk}/amend/", {"reason": "Typo"}, format="json")

    response = api.post(
        f"{API}{note.pk}/sign/",
        {"username": "tess", "password": factories.PASSWORD, "meaning": "performed", "version": 1},
        format="json",
    )

    assert response.status_code == 409
    assert "no longer current" in response.json()["detail"]


def test_the_api_list_runs_the_same_queries_for_one_note_or_many(api, tech, physicist, equipment):
    _add_signed_notes(tech, physicist, equipment, 1)
    api.force_authenticate(tech)
    api.get(API)
    one = _queries(lambda: api.get(API))

    _add_signed_notes(tech, physicist, equipment, 4)
    many = _queries(lambda: api.get(API))

    assert many == one, f"{one} queries for one note, {many} for five"


# --- Admin ------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


@pytest.mark.req("11.70")
@pytest.mark.req("11.10(e)")
def test_the_admin_shows_a_signed_version_but_cannot_change_or_delete_it(admin_client, signed_note):
    version = signed_note.current_version
    url = f"/admin/equipment/acceptancenoteversion/{version.pk}/change/"

    shown = admin_client.get(url)
    posted = admin_client.post(url, {**CONTENT, "summary": "Quietly changed."})
    deleted = admin_client.post(
        f"/admin/equipment/acceptancenoteversion/{version.pk}/delete/", {"post": "yes"}
    )
    note_page = admin_client.get(f"/admin/equipment/acceptancenote/{signed_note.pk}/change/")

    assert shown.status_code == 200
    assert "Quietly changed." not in shown.content.decode()
    assert posted.status_code == 403
    assert deleted.status_code == 403
    assert note_page.status_code == 200
    assert AcceptanceNoteVersion.objects.get().summary == version.summary


def test_the_note_page_shows_the_audit_history_of_the_note_and_its_versions(
    client, manager, site_a
):
    from imaging_ops.models import AuditEvent
    from tests import factories

    equipment = factories.EquipmentFactory(site=site_a)
    note = factories.acceptance_note(actor=manager, equipment=equipment)
    client.force_login(manager)
    response = client.get(f"/equipment/acceptance/{note.pk}/")
    assert response.status_code == 200
    shown = {event.object_type for event in response.context["audit_history"]}
    assert {"equipment.acceptancenote", "equipment.acceptancenoteversion"} <= shown
    assert AuditEvent.objects.filter(object_type="equipment.acceptancenoteversion").exists()
