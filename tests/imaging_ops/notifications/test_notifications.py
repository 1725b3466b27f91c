"""In-app notifications: notify(), the unread badge in the header, the list page and the API."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from imaging_ops.models import Notification
from imaging_ops.notifications.services import mark_all_read, notify, unread_count
from imaging_ops.security.tokens import issue_api_token

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
API_URL = "/api/v1/notifications/"


def make(user, count=1, *, start=T0, **fields):
    return [
        notify(
            user=user,
            kind=fields.get("kind", "test"),
            title=fields.get("title", f"Message {i}"),
            body=fields.get("body", ""),
            url=fields.get("url", ""),
            site=fields.get("site"),
            now=start + timedelta(minutes=i),
        )
        for i in range(count)
    ]


def notification_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if "imaging_ops_notification" in q["sql"]]


# --- The service ----------------------------------------------------------------------------


def test_notify_writes_one_unread_notification(tech, site_a):
    (notification,) = make(tech, title="Account locked", body="Why", url="/people/", site=site_a)

    stored = Notification.objects.get()
    assert stored == notification
    assert (stored.user, stored.site, stored.title, stored.body, stored.url) == (
        tech,
        site_a,
        "Account locked",
        "Why",
        "/people/",
    )
    assert stored.created_at == T0
    assert stored.read_at is None


def test_the_unread_count_counts_only_ones_own_unread_notifications(tech, physicist):
    make(tech, 3)
    make(physicist, 2)
    Notification.objects.filter(pk=tech.notifications.first().pk).update(read_at=T0)

    assert unread_count(tech) == 2
    assert unread_count(physicist) == 2


def test_mark_all_read_touches_only_the_persons_unread_notifications(tech, physicist):
    make(tech, 2)
    make(physicist, 1)

    assert mark_all_read(user=tech, now=T0) == 2
    assert mark_all_read(user=tech, now=T0) == 0
    assert unread_count(tech) == 0
    assert unread_count(physicist) == 1


# --- The header badge -----------------------------------------------------------------------


def test_the_header_shows_the_unread_count_as_a_badge_linking_to_the_list(client, tech):
    make(tech, 3)
    client.force_login(tech)

    response = client.get("/equipment/")

    assert 'aria-label="Notifications, 3 unread"' in response.text
    assert 'href="/notifications/"' in response.text


def test_without_unread_notifications_the_header_shows_no_badge(client, tech):
    client.force_login(tech)

    response = client.get("/equipment/")

    assert 'href="/notifications/"' in response.text
    assert "unread" not in response.text


def test_the_header_badge_costs_one_query_however_many_notifications(client, tech):
    client.force_login(tech)
    make(tech, 1)
    client.get("/equipment/")  # the first request after sign-in also saves the session
    with CaptureQueriesContext(connection) as few:
        client.get("/equipment/")
    make(tech, 30)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/equipment/")

    assert 'aria-label="Notifications, 31 unread"' in response.text
    assert len(notification_queries(few.captured_queries)) == 1
    assert len(notification_queries(many.captured_queries)) == 1
    assert len(many.captured_queries) == len(few.captured_queries)


def test_signed_out_pages_do_not_count_notifications(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/login/")

    assert response.status_code == 200
    assert notification_queries(queries.captured_queries) == []


# --- The list page --------------------------------------------------------------------------


def test_the_list_shows_ones_own_notifications_newest_first(client, tech, physicist):
    make(tech, 3)
    make(physicist, 1, title="Not yours")
    client.force_login(tech)

    response = client.get("/notifications/")

    titles = [n.title for n in response.context["notifications"]]
    assert titles == ["Message 2", "Message 1", "Message 0"]
    assert "Not yours" not in response.text
    assert "Mark all read" in response.text


def test_the_list_is_paginated(client, tech):
    make(tech, 30)
    client.force_login(tech)

    first = client.get("/notifications/")
    second = client.get("/notifications/?page=2")

    assert len(first.context["notifications"]) == 25
    assert [n.title for n in second.context["notifications"]][-1] == "Message 0"
    assert "Page 2 of 2" in second.text


def test_the_list_has_an_empty_state(client, tech):
    client.force_login(tech)

    response = client.get("/notifications/")

    assert "You have no notifications." in response.text
    assert "Mark all read" not in response.text


def test_the_list_runs_the_same_queries_for_few_or_many(client, tech):
    client.force_login(tech)
    make(tech, 2)
    client.get("/notifications/")  # the first request after sign-in also saves the session
    with CaptureQueriesContext(connection) as few:
        client.get("/notifications/")
    make(tech, 40, start=T0 + timedelta(days=1))
    with CaptureQueriesContext(connection) as many:
        client.get("/notifications/")

    assert len(many.captured_queries) == len(few.captured_queries)


def test_mark_all_read_clears_the_badge(client, tech):
    make(tech, 3)
    client.force_login(tech)

    response = client.post("/notifications/read/", follow=True)

    assert "Marked 3 notifications read." in response.text
    assert "unread" not in response.text
    assert unread_count(tech) == 0


def test_mark_all_read_needs_the_csrf_token(tech):
    make(tech, 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(tech)

    assert client.post("/notifications/read/").status_code == 403
    assert unread_count(tech) == 1


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, tech):
    (notification,) = make(tech, url="/people/locked/")
    client.force_login(tech)

    listing = client.get("/notifications/")
    response = client.get(f"/notifications/{notification.pk}/")

    assert f'href="/notifications/{notification.pk}/"' in listing.text
    assert response.status_code == 302
    assert response.url == "/people/locked/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_link_that_leaves_the_app_is_never_followed(client, tech):
    unsafe = make(tech, 2, url="javascript:alert(1)") + make(tech, url="https://evil.example/")
    client.force_login(tech)

    listing = client.get("/notifications/")

    assert "javascript:" not in listing.text
    assert "evil.example" not in listing.text
    for notification in unsafe:
        assert client.get(f"/notifications/{notification.pk}/").url == "/notifications/"


def test_someone_elses_notification_answers_404(client, tech, physicist):
    (theirs,) = make(physicist)
    client.force_login(tech)

    assert client.get(f"/notifications/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_list_needs_sign_in(client):
    response = client.get("/notifications/")

    assert response.status_code == 302
    assert response.url.startswith("/login/")


# --- The API --------------------------------------------------------------------------------


def test_the_api_lists_only_the_requesters_notifications_newest_first(api, tech, physicist, site_a):
    make(tech, 2, site=site_a, url="/people/locked/")
    make(physicist, 1, title="Not yours")
    api.force_authenticate(tech)

    response = api.get(API_URL)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["title"] for r in results] == ["Message 1", "Message 0"]
    assert results[0]["site"] == "ALPHA"
    assert results[0]["url"] == "/people/locked/"
    assert results[0]["is_read"] is False
    assert set(results[0]) == {
        "id",
        "kind",
        "title",
        "body",
        "url",
        "site",
        "created_at",
        "read_at",
        "is_read",
    }


def test_the_api_pages_with_a_cursor(api, tech):
    make(tech, 5)
    api.force_authenticate(tech)

    first = api.get(API_URL, {"page_size": 2}).json()
    second = api.get(first["next"]).json()

    assert "count" not in first
    assert [r["title"] for r in first["results"]] == ["Message 4", "Message 3"]
    assert [r["title"] for r in second["results"]] == ["Message 2", "Message 1"]


def test_the_api_is_read_only(api, tech):
    (notification,) = make(tech)
    api.force_authenticate(tech)

    assert api.post(API_URL, {"title": "x"}, format="json").status_code == 405
    assert api.delete(f"{API_URL}{notification.pk}/").status_code == 404
    assert Notification.objects.count() == 1


def test_the_api_needs_credentials(api):
    assert api.get(API_URL).status_code in (401, 403)


def test_the_api_runs_the_same_queries_for_few_or_many(api, tech, site_a):
    api.force_authenticate(tech)
    make(tech, 2, site=site_a)
    with CaptureQueriesContext(connection) as few:
        api.get(API_URL)
    make(tech, 40, site=site_a, start=T0 + timedelta(days=1))
    with CaptureQueriesContext(connection) as many:
        api.get(API_URL)

    assert len(many.captured_queries) == len(few.captured_queries)


def test_an_api_token_sees_its_own_notifications(api, tech, physicist):
    make(physicist, 1)
    _token, key = issue_api_token(user=tech, now=timezone.now())
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = api.get(API_URL)

    assert response.status_code == 200
    assert response.json()["results"] == []
