"""The bell's dropdown: the person's newest notifications in a constant number of queries, each
marked read on its own, or all at once."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imaging_ops.models import Notification
from imaging_ops.notifications.services import notify

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)


def tell(user, count, site=None):
    for n in range(count):
        notify(user=user, title=f"Note {n}", kind="test", site=site, now=NOW + timedelta(minutes=n))


def test_the_dropdown_lists_the_newest_of_ones_own_in_constant_queries(
    client, tech, manager, site_a
):
    client.force_login(tech)
    tell(tech, 3, site_a)
    tell(manager, 2)
    client.get("/notifications/recent/")
    with CaptureQueriesContext(connection) as few:
        client.get("/notifications/recent/")
    tell(tech, 30, site_a)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/notifications/recent/")
    assert len(few) == len(many)
    assert response.content.decode().count('recent-notification"') == 8


def test_marking_one_read_leaves_the_others_unread(client, tech):
    client.force_login(tech)
    tell(tech, 2)
    first, second = Notification.objects.order_by("pk")
    response = client.post(f"/notifications/{first.pk}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"Note 1" in response.content
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_someone_elses_notification_cannot_be_marked(client, tech, manager):
    tell(manager, 1)
    client.force_login(tech)
    note = Notification.objects.get()
    assert client.post(f"/notifications/{note.pk}/read/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None
