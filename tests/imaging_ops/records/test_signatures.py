"""Electronic signatures: who signs how, what a signature is bound to, and how it reads.

The acceptance note (equipment/acceptance.py) is the record signed here; the rules under test
live in imaging_ops/signatures.py and the idle timeout in imaging_ops/session_idle.py.
"""

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from equipment.models import AcceptanceNoteVersion
from equipment.services.acceptance import amend_acceptance_note, void_acceptance_note
from imaging_ops.audit.trail import AuditAction
from imaging_ops.errors import Conflict
from imaging_ops.models import (
    AuditEvent,
    AuthFailure,
    Meaning,
    PolicyAcknowledgement,
    Signature,
    User,
)
from imaging_ops.records.signatures import (
    SIGNING_SESSION_KEY,
    manifestation,
    sign_record,
    signature_is_valid,
    signed_content_hash,
)
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = factories.PASSWORD
WRONG = "not my password at all"


def sign(version, signer, *, meaning=Meaning.PERFORMED, password=PASSWORD, **how):
    how.setdefault("username", signer.username)
    how.setdefault("acknowledge_policy", True)
    return sign_record(
        version=version,
        signer=signer,
        meaning=meaning,
        password=password,
        now=timezone.now(),
        **how,
    )


def sign_url(note):
    return f"/equipment/acceptance/{note.pk}/sign/"


def sign_api_url(note):
    return f"/api/v1/acceptance-notes/{note.pk}/sign/"


def post_sign(client, note, **fields):
    data = {"version": note.current_version.number, "meaning": Meaning.PERFORMED}
    data.update(fields)
    return client.post(sign_url(note), data)


@pytest.fixture
def note(tech):
    return factories.acceptance_note(actor=tech)


@pytest.fixture
def acknowledged(tech):
    PolicyAcknowledgement.objects.create(
        user=tech, policy_version="1", acknowledged_at=timezone.now()
    )


# --- Signing in the browser: username and password first, then the password alone ----------


@pytest.mark.req("11.200(a)")
def test_the_first_signature_in_a_session_needs_the_username_and_password(
    client, tech, note, acknowledged
):
    client.force_login(tech)

    page = client.get(sign_url(note))
    assert 'name="username"' in page.content.decode()

    refused = post_sign(client, note, password=PASSWORD)
    assert refused.status_code == 400
    assert "first signature after signing in needs both" in refused.content.decode()
    assert not Signature.objects.exists()

    signed = post_sign(client, note, username="tess", password=PASSWORD)
    assert signed.status_code == 302
    assert Signature.objects.get().signer == tech


@pytest.mark.req("11.200(a)")
def test_a_later_signature_in_the_same_session_needs_only_the_password(
    client, tech, note, acknowledged
):
    second = factories.acceptance_note(actor=tech)
    client.force_login(tech)
    post_sign(client, note, username="tess", password=PASSWORD)

    page = client.get(sign_url(second))
    assert 'name="username"' not in page.content.decode()
    assert "Signing as <strong>tess</strong>" in page.content.decode()

    response = post_sign(client, second, password=PASSWORD)

    assert response.status_code == 302
    assert Signature.objects.filter(signer=tech).count() == 2


@pytest.mark.req("11.200(a)")
def test_after_logout_the_next_signature_needs_both_again(client, tech, note, acknowledged):
    second = factories.acceptance_note(actor=tech)
    client.force_login(tech)
    post_sign(client, note, username="tess", password=PASSWORD)

    client.post("/logout/")
    client.force_login(tech)
    response = post_sign(client, second, password=PASSWORD)

    assert response.status_code == 400
    assert "needs both" in response.content.decode()
    assert Signature.objects.count() == 1


@pytest.mark.req("11.200(a)")
def test_after_the_idle_timeout_the_person_is_signed_out_and_must_sign_with_both(
    client, tech, note, acknowledged, settings
):
    """GIVEN a first signature at 14:00 WHEN nothing happens for 16 minutes (15 is the limit)
    THEN the next request signs the person out, and after signing in again a signature needs
    the username and the password once more."""
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 15
    second = factories.acceptance_note(actor=tech)
    with time_machine.travel(datetime(2026, 3, 4, 19, 0, tzinfo=UTC), tick=False) as clock:
        client.force_login(tech)
        assert post_sign(client, note, username="tess", password=PASSWORD).status_code == 302

        clock.shift(timedelta(minutes=16))
        after_idle = post_sign(client, second, password=PASSWORD)
        assert after_idle.status_code == 302
        assert after_idle["Location"].startswith("/login/")
        assert Signature.objects.count() == 1

        client.force_login(tech)
        response = post_sign(client, second, password=PASSWORD)
        assert response.status_code == 400
        assert "needs both" in response.content.decode()


@pytest.mark.req("11.200(a)")
def test_requests_the_person_makes_keep_the_session_alive_but_background_polls_do_not(
    client, tech, settings
):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 15
    with time_machine.travel(datetime(2026, 3, 4, 19, 0, tzinfo=UTC), tick=False) as clock:
        client.force_login(tech)
        client.get("/equipment/")
        clock.shift(timedelta(minutes=10))
        assert client.get("/equipment/").status_code == 200  # the person clicked: activity
        clock.shift(timedelta(minutes=10))
        assert client.get("/equipment/").status_code == 200  # 10 minutes after the click

        clock.shift(timedelta(minutes=10))
        poll = client.get("/equipment/", headers={"X-Background-Poll": "1"})
        assert poll.status_code == 200  # within the limit, but a poll is not activity
        clock.shift(timedelta(minutes=6))
        response = client.get("/equipment/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert SIGNING_SESSION_KEY not in client.session


# --- A wrong password, and the lockout it counts toward ---------------------------------------


@pytest.mark.req("11.300")
@pytest.mark.req("11.200(a)")
def test_a_wrong_password_signs_nothing_says_so_and_is_recorded_as_a_failed_signature(
    client, tech, note, acknowledged
):
    client.force_login(tech)

    response = post_sign(client, note, username="tess", password=WRONG)

    assert response.status_code == 400
    assert "That password is not correct. Nothing was signed." in response.content.decode()
    assert WRONG not in response.content.decode()
    assert not Signature.objects.exists()
    failure = AuthFailure.objects.get()
    assert (failure.user, failure.kind) == (tech, AuthFailure.Kind.SIGNATURE)
    event = AuditEvent.objects.get(action=AuditAction.FAILED_SIGNATURE)
    assert event.object_id == str(tech.pk)


@pytest.mark.req("11.300")
def test_repeated_wrong_signing_passwords_lock_the_account(client, tech, note, settings):
    settings.LOCKOUT_THRESHOLD = 5
    client.force_login(tech)
    for _ in range(4):
        post_sign(client, note, username="tess", password=WRONG, acknowledge_policy="on")

    fifth = post_sign(client, note, username="tess", password=WRONG, acknowledge_policy="on")

    assert "Your account is now locked" in fifth.content.decode()
    tech.refresh_from_db()
    assert tech.locked_until is not None
    assert client.get("/equipment/").status_code == 302  # signed out: the account may not act


@pytest.mark.req("11.300")
def test_the_password_is_never_written_into_the_audit_trail(tech, note):
    with pytest.raises(ValidationError):
        sign(note.current_version, tech, password=WRONG)
    sign(note.current_version, tech)

    texts = list(AuditEvent.objects.values_list("canonical", flat=True))
    assert texts
    assert not any(WRONG in text or PASSWORD in text for text in texts)


# --- Through the API: username and password with every signature, one's own --------------------


@pytest.mark.req("11.200(a)")
def test_signing_through_the_api_without_a_username_is_a_400(api, tech, note, acknowledged):
    api.force_authenticate(tech)

    response = api.post(
        sign_api_url(note), {"password": PASSWORD, "meaning": "performed"}, format="json"
    )

    assert response.status_code == 400
    assert "signing through the API needs both every time" in response.json()["username"][0]
    assert not Signature.objects.exists()


@pytest.mark.req("11.200(a)")
def test_every_api_signature_needs_the_username_even_after_one_succeeded(
    api, tech, note, acknowledged
):
    api.force_authenticate(tech)
    ok = api.post(
        sign_api_url(note),
        {"username": "tess", "password": PASSWORD, "meaning": "performed"},
        format="json",
    )
    second = factories.acceptance_note(actor=tech)

    again = api.post(
        sign_api_url(second), {"password": PASSWORD, "meaning": "performed"}, format="json"
    )

    assert ok.status_code == 201
    assert ok.json()["valid"] is True
    assert again.status_code == 400


@pytest.mark.req("11.200(a)")
@pytest.mark.req("11.10(d)")
def test_an_api_signature_with_another_persons_username_is_refused(
    api, tech, person, site_a, note, acknowledged
):
    other = person(Role.TECHNICIAN, site_a, username="otto")
    api.force_authenticate(tech)

    response = api.post(
        sign_api_url(note),
        {"username": "otto", "password": PASSWORD, "meaning": "performed"},
        format="json",
    )

    assert response.status_code == 400
    assert "Sign as yourself" in response.json()["username"][0]
    assert not Signature.objects.exists()
    assert AuthFailure.objects.get().user == tech
    assert not AuthFailure.objects.filter(user=other).exists()


# --- What a signature is bound to (11.70) -------------------------------------------------------


def test_the_hash_is_sha256_of_sorted_json_with_decimals_as_strings_and_utc_times():
    fake = SimpleNamespace(
        signed_content=lambda: {
            "b": Decimal("1.50"),
            "a": datetime(2026, 3, 4, 14, 22, tzinfo=timezone.get_fixed_timezone(-300)),
        }
    )
    expected = '{"a":"2026-03-04T19:22:00+00:00","b":"1.50"}'

    assert signed_content_hash(fake) == hashlib.sha256(expected.encode()).hexdigest()


@pytest.mark.req("11.70")
@pytest.mark.req("11.10(a)")
def test_a_record_modified_after_signing_shows_its_signature_invalid(client, tech, note):
    signature = sign(note.current_version, tech)
    assert signature_is_valid(signature)

    # Someone with database access edits the signed version behind the application's back.
    table = AcceptanceNoteVersion._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET summary = %s WHERE id = %s",
            ["Failed the acceptance tests.", note.current_version_id],
        )

    signature = Signature.objects.get()
    assert not signature_is_valid(signature)
    client.force_login(tech)
    page = client.get(f"/equipment/acceptance/{note.pk}/").content.decode()
    assert "Modified after signing" in page
    assert "Signature verified" not in page


@pytest.mark.req("11.70")
def test_a_signature_copied_to_another_record_does_not_verify(tech, note):
    """GIVEN two notes that say exactly the same WHEN the signature of one is copied onto the
    other THEN the copy does not verify: the signed content names the version it belongs to."""
    twin = factories.acceptance_note(actor=tech, equipment=note.equipment)
    original = sign(note.current_version, tech)

    copy = Signature.objects.create(
        content_type=original.content_type,
        object_id=twin.current_version_id,
        site=original.site,
        signer=original.signer,
        printed_name=original.printed_name,
        credentials=original.credentials,
        meaning=original.meaning,
        signed_at=original.signed_at,
        content_hash=original.content_hash,
    )

    assert signature_is_valid(original)
    assert not signature_is_valid(copy)


@pytest.mark.req("11.70")
def test_workflow_state_is_not_signed_content_so_review_and_void_keep_signatures_valid(
    tech, physicist, manager, note
):
    performed = sign(note.current_version, tech)
    reviewed = sign(note.current_version, physicist, meaning=Meaning.REVIEWED)

    void_acceptance_note(actor=manager, note=note, reason="Entered twice", now=timezone.now())

    assert signature_is_valid(Signature.objects.get(pk=performed.pk))
    assert signature_is_valid(Signature.objects.get(pk=reviewed.pk))


@pytest.mark.req("11.70")
def test_a_signature_cannot_be_edited(tech, note):
    signature = sign(note.current_version, tech)
    signature.meaning = Meaning.APPROVED

    with pytest.raises(Conflict, match="never changes"):
        signature.save()


@pytest.mark.req("11.300", "11.100")
def test_a_signers_identity_is_never_reused_or_removed(tech):
    """People are deactivated, never deleted, and a username cannot come back in another case,
    so a signature's signer stays one person for good."""
    from django.db import IntegrityError, transaction

    from imaging_ops.audit.trail import RegulatedWriteError

    with pytest.raises(RegulatedWriteError):
        tech.delete()
    with pytest.raises(RegulatedWriteError):
        User.objects.filter(pk=tech.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.UserFactory.create(username=tech.username.upper(), email="other@example.org")
    assert User.objects.filter(pk=tech.pk).exists()


# --- Authority --------------------------------------------------------------------------------


@pytest.mark.req("11.10(g)")
def test_an_inspector_cannot_sign(inspector, note):
    with pytest.raises(PermissionDenied):
        sign(note.current_version, inspector)


@pytest.mark.req("11.10(g)")
def test_a_reviewer_never_reviews_their_own_record(physicist):
    own = factories.acceptance_note(actor=physicist)
    sign(own.current_version, physicist)

    with pytest.raises(PermissionDenied, match="your own record"):
        sign(own.current_version, physicist, meaning=Meaning.REVIEWED)


@pytest.mark.req("11.10(f)")
def test_review_follows_the_performers_signature(physicist, note):
    with pytest.raises(Conflict, match="performed"):
        sign(note.current_version, physicist, meaning=Meaning.REVIEWED)


@pytest.mark.req("11.10(g)")
def test_a_technician_cannot_sign_as_reviewer(tech, person, site_a):
    other = person(Role.TECHNICIAN, site_a, username="otto")
    note = factories.acceptance_note(actor=other)
    sign(note.current_version, other)

    with pytest.raises(PermissionDenied):
        sign(note.current_version, tech, meaning=Meaning.REVIEWED)


def test_a_meaning_outside_the_records_list_is_a_field_error(tech, note):
    with pytest.raises(ValidationError) as error:
        sign(note.current_version, tech, meaning=Meaning.RETURNED_TO_SERVICE)

    assert "meaning" in error.value.message_dict


@pytest.mark.req("11.10(f)")
def test_a_superseded_version_cannot_be_signed(tech, note):
    first = note.current_version
    amend_acceptance_note(actor=tech, note=note, reason="Typo in summary", now=timezone.now())

    with pytest.raises(Conflict, match="superseded"):
        sign(AcceptanceNoteVersion.objects.get(pk=first.pk), tech)


def test_the_same_person_signs_a_version_once_per_meaning(tech, note):
    sign(note.current_version, tech)

    with pytest.raises(Conflict, match="already signed"):
        sign(note.current_version, tech)


# --- The e-signature policy -------------------------------------------------------------------


@pytest.mark.req("11.10(j)")
def test_the_first_signature_needs_the_policy_acknowledgement_recorded_once(tech, note):
    with pytest.raises(ValidationError) as error:
        sign(note.current_version, tech, acknowledge_policy=False)
    assert "acknowledge_policy" in error.value.message_dict
    assert not Signature.objects.exists()

    sign(note.current_version, tech, acknowledge_policy=True)
    second = factories.acceptance_note(actor=tech)
    sign(second.current_version, tech, acknowledge_policy=False)

    assert PolicyAcknowledgement.objects.filter(user=tech).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.ACKNOWLEDGE_POLICY).count() == 1
    assert Signature.objects.count() == 2


@pytest.mark.req("11.10(j)")
def test_the_sign_dialog_asks_for_the_policy_only_until_it_is_acknowledged(client, tech, note):
    client.force_login(tech)
    assert 'name="acknowledge_policy"' in client.get(sign_url(note)).content.decode()

    refused = post_sign(client, note, username="tess", password=PASSWORD)
    assert refused.status_code == 400
    assert "electronic signature policy" in refused.content.decode()
    post_sign(client, note, username="tess", password=PASSWORD, acknowledge_policy="on")

    second = factories.acceptance_note(actor=tech)
    assert 'name="acknowledge_policy"' not in client.get(sign_url(second)).content.decode()


# --- The manifestation (11.50) ----------------------------------------------------------------


def signed_at(tech, note, when):
    tech.full_name, tech.credentials = "Jane Doe", "RT(R)"
    tech.save()
    with time_machine.travel(when, tick=False):
        return sign(note.current_version, tech)


@pytest.mark.req("11.50")
def test_the_manifestation_shows_name_credentials_local_time_zone_offset_and_meaning(tech, note):
    signature = signed_at(tech, note, datetime(2026, 3, 4, 19, 22, tzinfo=UTC))

    assert manifestation(signature) == (
        "Jane Doe, RT(R) — 2026-03-04 14:22 EST (UTC\u221205:00) — Performed"
    )


@pytest.mark.req("11.50")
@pytest.mark.parametrize(
    ("utc", "shown"),
    [
        # Spring forward in New York, 2026-03-08: 02:00 EST becomes 03:00 EDT.
        (datetime(2026, 3, 8, 6, 59, tzinfo=UTC), "2026-03-08 01:59 EST (UTC\u221205:00)"),
        (datetime(2026, 3, 8, 7, 0, tzinfo=UTC), "2026-03-08 03:00 EDT (UTC\u221204:00)"),
        # Fall back, 2026-11-01: 01:30 happens twice, told apart by abbreviation and offset.
        (datetime(2026, 11, 1, 5, 30, tzinfo=UTC), "2026-11-01 01:30 EDT (UTC\u221204:00)"),
        (datetime(2026, 11, 1, 6, 30, tzinfo=UTC), "2026-11-01 01:30 EST (UTC\u221205:00)"),
    ],
)
def test_the_manifestation_is_exact_around_daylight_saving_changes(tech, note, utc, shown):
    signature = signed_at(tech, note, utc)

    assert manifestation(signature) == f"Jane Doe, RT(R) — {shown} — Performed"


@pytest.mark.req("11.50")
def test_the_manifestation_keeps_the_name_as_it_was_at_signing(tech, note):
    signature = signed_at(tech, note, datetime(2026, 3, 4, 19, 22, tzinfo=UTC))
    tech.full_name, tech.credentials = "Jane Smith", "RT(R)(M)"
    tech.save()

    assert manifestation(Signature.objects.get(pk=signature.pk)).startswith("Jane Doe, RT(R) — ")


@pytest.mark.req("11.50")
def test_the_manifestation_is_in_the_records_site_time_zone(person, site_b):
    chicago = person(Role.TECHNICIAN, site_b, username="chip")
    chicago.full_name, chicago.credentials = "Chip Lee", ""
    chicago.save()
    note = factories.acceptance_note(actor=chicago)
    with time_machine.travel(datetime(2026, 3, 4, 19, 22, tzinfo=UTC), tick=False):
        signature = sign(note.current_version, chicago)

    assert (
        manifestation(signature) == "Chip Lee — 2026-03-04 13:22 CST (UTC\u221206:00) — Performed"
    )
