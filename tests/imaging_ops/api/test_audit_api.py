"""The audit API: its JSON fields stay as they were; readable fields are added beside them, for
a page resolved in the same number of queries however many events it holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imaging_ops.audit.trail import AuditAction, record_event
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.req("11.10(e)")]

API = "/api/v1/audit-events/"
STORED_FIELDS = {
    "seq",
    "at",
    "site",
    "actor",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "changes",
    "reason",
    "address",
    "request_id",
    "hash",
}
READABLE_FIELDS = {
    "at_local",
    "time_zone",
    "actor_display",
    "action_label",
    "object_label",
    "object_name",
    "object_url",
    "readable_changes",
}


@pytest.fixture
def jane(site_a):
    user = factories.UserFactory(username="jdoe", full_name="Jane Doe", home_site=site_a)
    factories.MembershipFactory(user=user, site=site_a, role=Role.TECHNICIAN)
    return user


def test_events_keep_their_fields_and_gain_readable_ones(api, physicist, jane, site_a):
    record_event(AuditAction.UPDATE, target=site_a, actor=jane, changes={"address": ["", "1 Main"]})
    api.force_authenticate(physicist)
    [event] = api.get(API, {"user": "jane doe"}).json()["results"]
    assert set(event) == STORED_FIELDS | READABLE_FIELDS
    assert event["actor_name"] == "jdoe" and event["object_type"] == "imaging_ops.site"
    assert event["changes"] == {"address": ["", "1 Main"]}
    assert event["actor_display"] == "Jane Doe, RT(R) (jdoe)"
    assert event["object_name"] == "ALPHA — Alpha General"
    assert event["object_label"] == "Site"
    assert event["action_label"] == "Updated"
    assert event["time_zone"] == "America/New_York"
    assert event["at_local"].split()[2] in {"EST", "EDT"}
    assert event["readable_changes"] == [
        {"field": "address", "label": "Address", "old": "—", "new": "1 Main"}
    ]


def test_one_event_reads_the_same_as_in_the_list(api, physicist, jane):
    api.force_authenticate(physicist)
    membership = jane.memberships.get()
    query = {"object_type": "imaging_ops.sitemembership", "object_id": str(membership.pk)}
    [listed] = api.get(API, query).json()["results"]
    single = api.get(f"{API}{listed['seq']}/").json()
    assert single == listed
    assert single["object_name"] == "Jane Doe, RT(R): Technician at ALPHA"
    roles = {c["label"]: c["new"] for c in single["readable_changes"]}
    assert roles["Role"] == "Technician"
    assert all(c["old"] is None for c in single["readable_changes"])  # a create: values only


def test_a_reversed_range_is_a_400_with_the_field_error(api, physicist):
    api.force_authenticate(physicist)
    response = api.get(API, {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert response.status_code == 400
    assert "reversed" in " ".join(response.json()["date_to"])


def test_a_page_of_events_runs_the_same_queries_for_5_and_50(api, physicist, site_a):
    api.force_authenticate(physicist)

    def measure():
        api.get(API)
        with CaptureQueriesContext(connection) as captured:
            response = api.get(API)
        assert response.status_code == 200
        return len(captured), len(response.json()["results"])

    for _ in range(2):
        factories.LocationFactory(site=site_a)
        factories.MembershipFactory(user=factories.UserFactory(home_site=site_a), site=site_a)
    small = measure()
    for _ in range(20):
        factories.LocationFactory(site=site_a)
        factories.MembershipFactory(user=factories.UserFactory(home_site=site_a), site=site_a)
    large = measure()
    assert small[1] < large[1] == 50
    assert small[0] == large[0]
