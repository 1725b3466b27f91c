"""Account security: failed sign-ins and signatures lock an account, managers and the security
contact hear of it, a manager unlocks it or it unlocks itself; sign-ins are audited."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from imaging_ops.audit.trail import AuditAction
from imaging_ops.models import AuditEvent, AuthFailure, Notification, User
from imaging_ops.security.lockout import record_auth_failure, unlock_account
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 in New York
WRONG = "not the password"
LOGIN = AuthFailure.Kind.LOGIN
SIGNATURE = AuthFailure.Kind.SIGNATURE


@pytest.fixture(autouse=True)
def _defaults(settings):
    settings.LOCKOUT_THRESHOLD = 5
    settings.LOCKOUT_WINDOW_MINUTES = 15
    settings.LOCKOUT_COOLDOWN_MINUTES = 30
    settings.SECURITY_CONTACT_EMAIL = "security@example.org"
    cache.clear()  # the token endpoint's throttle counts live in the cache
    yield
    cache.clear()


def fail(user, at, kind=LOGIN, username=None, address="203.0.113.7") -> bool:
    return record_auth_failure(
        username=username or user.username, user=user, kind=kind, address=address, now=at
    )


def fail_times(user, count, at, kind=LOGIN) -> list[bool]:
    return [fail(user, at + timedelta(seconds=i), kind) for i in range(count)]


def reload(user):
    return User.objects.get(pk=user.pk)


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def sign_in(client, username, password=factories.PASSWORD, address="203.0.113.7"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


# --- Counting failures ----------------------------------------------------------------------


@pytest.mark.req("11.300")
def test_four_failures_do_not_lock_and_the_fifth_does(tech):
    assert fail_times(tech, 4, T0) == [False] * 4
    assert reload(tech).locked_until is None

    assert fail(tech, T0 + timedelta(minutes=1)) is True

    assert reload(tech).locked_until == T0 + timedelta(minutes=31)


@pytest.mark.req("11.300")
def test_failed_signatures_and_sign_ins_count_together(tech):
    fail_times(tech, 3, T0, kind=LOGIN)
    assert fail(tech, T0 + timedelta(minutes=2), kind=SIGNATURE) is False

    assert fail(tech, T0 + timedelta(minutes=3), kind=SIGNATURE) is True


@pytest.mark.req("11.300")
def test_a_failure_older_than_the_window_does_not_count(tech):
    """GIVEN a failure at 09:00, WHEN four more come exactly 15 minutes later, THEN no lock;
    one second sooner, the same five lock the account."""
    other = factories.UserFactory(username="other")
    fail(tech, T0)
    fail(other, T0)

    assert fail_times(tech, 4, T0 + timedelta(minutes=15)) == [False] * 4
    assert fail_times(other, 4, T0 + timedelta(minutes=14, seconds=55))[-1] is True


@pytest.mark.req("11.300")
def test_a_failure_for_an_unknown_username_is_recorded_but_locks_nobody(db):
    results = [
        record_auth_failure(username="nobody", user=None, kind=LOGIN, address=None, now=T0)
        for _ in range(6)
    ]

    assert results == [False] * 6
    assert AuthFailure.objects.filter(username="nobody", user=None).count() == 6
    assert {e.changes["username"] for e in events(AuditAction.FAILED_LOGIN)} == {"nobody"}


def test_an_unknown_failure_kind_is_a_programming_error(tech):
    with pytest.raises(ValueError, match="Unknown failure kind"):
        record_auth_failure(username="tess", user=tech, kind="pin", address=None, now=T0)


@pytest.mark.req("11.300", "11.10(e)")
def test_each_failure_is_an_audit_event_of_its_kind_with_the_address(tech):
    fail(tech, T0, kind=LOGIN, address="203.0.113.7")
    fail(tech, T0, kind=SIGNATURE, address="not an address")

    login, signature = events(AuditAction.FAILED_LOGIN) + events(AuditAction.FAILED_SIGNATURE)
    assert (login.object_type, login.object_id) == ("imaging_ops.user", str(tech.pk))
    assert login.changes == {"username": "tess"}
    assert signature.object_id == str(tech.pk)
    stored = AuthFailure.objects.order_by("pk")
    assert [(f.kind, f.address) for f in stored] == [(LOGIN, "203.0.113.7"), (SIGNATURE, None)]


# --- The lock and its alerts ----------------------------------------------------------------


@pytest.mark.req("11.300")
def test_a_lockout_is_audited_with_its_reason(tech):
    fail_times(tech, 5, T0)

    (lockout,) = events(AuditAction.LOCKOUT)
    assert lockout.object_id == str(tech.pk)
    assert lockout.reason == "5 failed sign-ins or signatures within 15 minutes"
    assert lockout.changes["locked_until"][1] == "2026-03-02T14:30:04+00:00"


@pytest.mark.req("11.300")
def test_the_managers_of_the_persons_sites_are_notified_in_the_app(
    person, tech, site_a, site_b, manager
):
    """GIVEN the technician also works at BETA, THEN BETA's manager hears too; a manager
    elsewhere, a deactivated manager and a trainee manager do not."""
    factories.MembershipFactory(user=tech, site=site_b, role=Role.TECHNICIAN)
    beta_manager = person(Role.MANAGER, site_b, username="bea")
    elsewhere = person(Role.MANAGER, factories.SiteFactory(code="GAMMA"), username="gus")
    gone = person(Role.MANAGER, site_a, username="gone")
    gone.is_active = False
    gone.save()
    person(Role.MANAGER, site_b, username="trainee", is_trainee=True)

    fail_times(tech, 5, T0)

    notified = Notification.objects.order_by("user__username")
    assert [(n.user.username, n.site.code) for n in notified] == [("bea", "BETA"), ("max", "ALPHA")]
    alert = notified.get(user=manager)
    assert alert.title == f"Account locked: {tech.display_name} (tess)"
    assert "until 2026-03-02 09:30 EST" in alert.body
    assert alert.url == "/people/locked/"
    assert alert.read_at is None
    assert not Notification.objects.filter(user__in=[elsewhere, gone, tech]).exists()
    assert beta_manager.notifications.count() == 1


@pytest.mark.req("11.300")
def test_the_security_contact_is_emailed_after_commit(tech, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        fail_times(tech, 5, T0)
        assert mail.outbox == [], "no email inside the transaction"

    for callback in callbacks:
        callback()

    (message,) = mail.outbox
    assert message.to == ["security@example.org"]
    assert message.subject == "Imaging Ops: account tess locked"
    assert "Locked until: 2026-03-02 14:30 UTC" in message.body
    assert "203.0.113.7" in message.body
    assert "ALPHA" in message.body


def test_without_a_security_contact_no_email_is_sent(
    tech, settings, django_capture_on_commit_callbacks
):
    settings.SECURITY_CONTACT_EMAIL = ""

    with django_capture_on_commit_callbacks(execute=True):
        locked = fail_times(tech, 5, T0)[-1]

    assert locked is True
    assert mail.outbox == []


def test_a_mail_server_that_is_down_does_not_undo_the_lock(
    tech, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no SMTP")

    monkeypatch.setattr("imaging_ops.security.lockout.send_mail", refuse)

    with django_capture_on_commit_callbacks(execute=True):
        fail_times(tech, 5, T0)

    assert reload(tech).locked_until is not None


@pytest.mark.req("11.300")
def test_failures_while_locked_are_recorded_but_neither_extend_nor_alert_again(
    tech, manager, django_capture_on_commit_callbacks
):
    """The lock is claimed once: a failure that arrives after it (a second tab, a concurrent
    request) is audited but does not notify anyone a second time."""
    with django_capture_on_commit_callbacks(execute=True):
        fail_times(tech, 5, T0)
        later = [fail(tech, T0 + timedelta(minutes=m)) for m in (1, 2, 3, 4, 5, 6)]

    assert later == [False] * 6
    assert reload(tech).locked_until == T0 + timedelta(minutes=30, seconds=4)
    assert len(events(AuditAction.LOCKOUT)) == 1
    assert Notification.objects.filter(user=manager).count() == 1
    assert len(mail.outbox) == 1
    assert len(events(AuditAction.FAILED_LOGIN)) == 11


@pytest.mark.req("11.300")
@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_failures_claim_the_lock_once(tech, manager):
    """GIVEN four failures, WHEN four more arrive at the same moment from four connections,
    THEN exactly one of them locks the account, and the manager is told once."""
    fail_times(tech, 4, T0)
    start = threading.Barrier(4)
    results, errors = [], []

    def attempt(n):
        try:
            start.wait(timeout=10)
            results.append(fail(tech, T0 + timedelta(minutes=1, seconds=n)))
        except Exception as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [False, False, False, True]
    assert len(events(AuditAction.LOCKOUT)) == 1
    assert Notification.objects.filter(user=manager).count() == 1
    assert AuthFailure.objects.filter(user=tech).count() == 8


@pytest.mark.req("11.300")
def test_after_the_cool_down_the_person_starts_afresh(tech):
    fail_times(tech, 5, T0)
    unlocks_at = T0 + timedelta(minutes=30, seconds=4)

    # Failures before the lock ended never count again, even inside the window.
    assert fail_times(tech, 4, unlocks_at) == [False] * 4
    assert fail(tech, unlocks_at + timedelta(minutes=1)) is True


@pytest.mark.req("11.300")
def test_no_password_is_stored_or_audited(client, tech):
    secret = "my-very-secret-guess-123"
    for _ in range(5):
        sign_in(client, "tess", secret)

    assert AuthFailure.objects.count() == 5
    stored = [e.canonical for e in AuditEvent.objects.all()]
    stored += [f"{f.username} {f.address}" for f in AuthFailure.objects.all()]
    stored += [f"{n.title} {n.body}" for n in Notification.objects.all()]
    assert stored
    assert not any(secret in text for text in stored)


# --- Through the sign-in page and the token endpoint ----------------------------------------


@pytest.mark.req("11.300", "11.10(d)")
def test_five_wrong_passwords_at_the_login_page_lock_the_account_until_the_cool_down(client, tech):
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            response = sign_in(client, "tess", WRONG)
            assert response.status_code == 200
            assert "did not match, or the account is locked" in response.text

        # The right password during the lock gets the same answer as a wrong one.
        response = sign_in(client, "tess")
        assert "did not match, or the account is locked" in response.text
        assert "_auth_user_id" not in client.session

    with time_machine.travel(T0 + timedelta(minutes=29, seconds=59), tick=False):
        assert "_auth_user_id" not in client.session
        assert "locked" in sign_in(client, "tess").text

    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        response = sign_in(client, "tess")
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(tech.pk)


@pytest.mark.req("11.300")
def test_wrong_passwords_for_an_api_token_count_toward_the_lockout(api, tech):
    for _ in range(5):
        response = api.post(
            "/api/v1/auth/token/", {"username": "TESS", "password": WRONG}, format="json"
        )
        assert response.status_code == 400

    response = api.post(
        "/api/v1/auth/token/", {"username": "tess", "password": factories.PASSWORD}, format="json"
    )

    # Locked: the right password is answered like a wrong one, and counted as a failure.
    assert response.status_code == 400
    assert "the account is locked" in response.json()["non_field_errors"][0]
    assert AuthFailure.objects.filter(user=tech, kind=LOGIN).count() == 6


@pytest.mark.req("11.10(e)", "11.10(h)")
def test_signing_in_and_out_are_audited_with_the_address(client, tech):
    sign_in(client, "tess", address="198.51.100.23")
    client.post("/logout/", REMOTE_ADDR="198.51.100.23")

    login, logout = events(AuditAction.LOGIN) + events(AuditAction.LOGOUT)
    for event in (login, logout):
        assert event.actor_id == tech.pk
        assert event.object_id == str(tech.pk)
        assert event.address == "198.51.100.23"
        assert event.request_id


@pytest.mark.req("11.10(e)", "11.10(h)")
def test_a_failed_sign_in_is_audited_with_the_address_and_no_actor(client, tech):
    sign_in(client, "tess", WRONG, address="2001:db8::1")

    (event,) = events(AuditAction.FAILED_LOGIN)
    assert event.actor_id is None
    assert event.address == "2001:db8::1"
    assert event.changes == {"username": "tess"}
    assert AuthFailure.objects.get().address == "2001:db8::1"


@pytest.mark.req("11.300")
def test_a_locked_account_answers_the_same_to_the_right_and_a_wrong_password(client, tech):
    lock(tech)
    right = client.post("/login/", {"username": tech.username, "password": factories.PASSWORD})
    wrong = client.post("/login/", {"username": tech.username, "password": "not it at all"})
    assert right.status_code == wrong.status_code == 200
    right_errors = right.context["form"].non_field_errors()
    assert right_errors == wrong.context["form"].non_field_errors()
    assert "locked" in right_errors[0]
    assert "_auth_user_id" not in client.session


@pytest.mark.req("11.300")
def test_the_token_endpoint_answers_a_locked_account_the_same_either_way(api, tech):
    lock(tech)
    right = api.post(
        "/api/v1/auth/token/", {"username": tech.username, "password": factories.PASSWORD}
    )
    wrong = api.post("/api/v1/auth/token/", {"username": tech.username, "password": "nope"})
    assert right.status_code == wrong.status_code == 400
    assert right.json() == wrong.json()


@pytest.mark.req("11.300")
def test_after_the_lock_the_right_password_signs_in_again(client, tech):
    User.objects.filter(pk=tech.pk).update(
        locked_until=timezone.now() - timezone.timedelta(seconds=1)
    )
    response = client.post("/login/", {"username": tech.username, "password": factories.PASSWORD})
    assert response.status_code == 302


# --- Unlocking ------------------------------------------------------------------------------


@pytest.mark.req("11.300", "11.10(d)")
def test_a_manager_of_the_persons_site_unlocks_and_the_failures_stop_counting(tech, manager):
    fail_times(tech, 5, T0)
    now = T0 + timedelta(minutes=2)

    assert unlock_account(user=tech, actor=manager, now=now) is True

    assert reload(tech).locked_until == now
    (unlock,) = events(AuditAction.UNLOCK)
    assert unlock.actor_id == manager.pk
    assert unlock.object_id == str(tech.pk)
    assert fail(tech, now + timedelta(seconds=1)) is False


@pytest.mark.req("11.10(d)")
def test_only_a_manager_of_one_of_the_persons_sites_or_an_administrator_unlocks(
    person, tech, physicist, site_b
):
    fail_times(tech, 5, T0)
    now = T0 + timedelta(minutes=1)
    manager_elsewhere = person(Role.MANAGER, site_b, username="bea")

    for actor in (physicist, manager_elsewhere):
        with pytest.raises(PermissionDenied):
            unlock_account(user=tech, actor=actor, now=now)
    assert reload(tech).locked_until > now
    assert events(AuditAction.UNLOCK) == []

    admin = factories.UserFactory(username="root", is_superuser=True)
    assert unlock_account(user=tech, actor=admin, now=now) is True


def test_unlocking_someone_who_is_not_locked_changes_nothing(tech, manager):
    assert unlock_account(user=tech, actor=manager, now=T0) is False
    assert events(AuditAction.UNLOCK) == []


# --- The locked accounts page ---------------------------------------------------------------


def lock(user, until=None):
    User.objects.filter(pk=user.pk).update(
        locked_until=until or timezone.now() + timedelta(hours=1)
    )


@pytest.mark.req("11.10(d)")
def test_the_locked_accounts_page_lists_people_locked_at_the_managers_sites(
    client, person, tech, manager, site_b
):
    stranger = person(Role.TECHNICIAN, site_b, username="stan")
    lock(tech)
    lock(stranger)
    person(Role.PHYSICIST, manager.memberships.first().site, username="free")
    client.force_login(manager)

    response = client.get("/people/locked/")

    assert response.status_code == 200
    assert [p.username for p in response.context["people"]] == ["tess"]
    assert "Unlock" in response.text
    assert "stan" not in response.text


def test_the_locked_accounts_page_has_an_empty_state(client, manager):
    client.force_login(manager)

    assert "No one at your sites is locked out." in client.get("/people/locked/").text


@pytest.mark.req("11.10(d)")
def test_people_who_do_not_manage_people_cannot_open_the_locked_accounts_page(client, physicist):
    client.force_login(physicist)

    assert client.get("/people/locked/").status_code == 403


@pytest.mark.req("11.300", "11.10(d)")
def test_the_unlock_button_unlocks_and_the_person_can_sign_in(client, tech, manager):
    lock(tech)
    client.force_login(manager)

    response = client.post(f"/people/{tech.pk}/unlock/", follow=True)

    assert f"{tech.display_name} can sign in again." in response.text
    assert reload(tech).locked_until <= timezone.now()
    assert sign_in(Client(), "tess").status_code == 302


@pytest.mark.req("11.10(d)")
def test_unlocking_someone_outside_ones_sites_answers_404(client, person, manager, site_b):
    stranger = person(Role.TECHNICIAN, site_b, username="stan")
    lock(stranger)
    client.force_login(manager)

    assert client.post(f"/people/{stranger.pk}/unlock/").status_code == 404
    assert reload(stranger).locked_until > timezone.now()


@pytest.mark.req("11.10(d)")
def test_a_colleague_at_the_same_site_who_is_not_a_manager_gets_403(client, tech, physicist):
    lock(tech)
    client.force_login(physicist)

    assert client.post(f"/people/{tech.pk}/unlock/").status_code == 403
    assert reload(tech).locked_until > timezone.now()


def test_the_unlock_button_needs_the_csrf_token(tech, manager):
    lock(tech)
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    assert client.post(f"/people/{tech.pk}/unlock/").status_code == 403
    assert reload(tech).locked_until > timezone.now()


def test_the_locked_accounts_page_runs_the_same_queries_for_one_or_many(
    client, person, site_a, manager, django_assert_num_queries
):
    client.force_login(manager)
    lock(person(Role.TECHNICIAN, site_a, username="one"))
    client.get("/people/locked/")  # warm up: session, user
    with CaptureQueriesContext(connection) as one:
        client.get("/people/locked/")
    for i in range(4):
        lock(person(Role.PHYSICIST, site_a, username=f"many{i}"))

    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get("/people/locked/")

    assert len(response.context["people"]) == 5
