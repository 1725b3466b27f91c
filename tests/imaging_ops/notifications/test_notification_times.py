"""A notification's time reads in the time of the site it is about, with its abbreviation."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imaging_ops.notifications.services import notify

pytestmark = pytest.mark.django_db
WINTER_NOON_UTC = datetime(2026, 1, 15, 17, 0, tzinfo=UTC)


def page(client, user) -> str:
    client.force_login(user)
    return client.get("/notifications/").content.decode()


def test_a_sites_notice_reads_in_the_sites_time(client, tech, site_a):
    notify(user=tech, site=site_a, kind="test", title="Unit down", now=WINTER_NOON_UTC)

    shown = page(client, tech)

    assert "2026-01-15 12:00 EST (UTC\u221205:00)" in shown
    assert "17:00 UTC" not in shown


def test_a_notice_without_a_site_reads_in_the_home_sites_time_else_utc(client, tech, site_a):
    notify(user=tech, kind="test", title="Signed in elsewhere", now=WINTER_NOON_UTC)
    tech.home_site = None
    tech.save(update_fields=["home_site"])
    assert "2026-01-15 17:00 UTC" in page(client, tech)

    tech.home_site = site_a
    tech.save(update_fields=["home_site"])
    assert "2026-01-15 12:00 EST" in page(client, tech)


def test_the_list_runs_the_same_queries_for_one_notice_or_thirty(
    client, tech, site_a, django_assert_max_num_queries
):
    client.force_login(tech)
    notify(user=tech, site=site_a, kind="test", title="One", now=WINTER_NOON_UTC)
    client.get("/notifications/")
    with CaptureQueriesContext(connection) as one:
        client.get("/notifications/")
    for n in range(29):
        notify(user=tech, site=site_a, kind="test", title=f"N{n}", now=WINTER_NOON_UTC)
    with django_assert_max_num_queries(len(one)):
        client.get("/notifications/")
