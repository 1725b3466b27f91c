"""Pages and API lists run the same number of queries for 5 and for 200 pieces of equipment."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from equipment.models import Category, EquipmentStatus, EquipmentStatusChange
from imaging_ops.security.tokens import issue_api_token
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = pytest.mark.django_db

S = EquipmentStatus
STATUSES = [S.IN_SERVICE, S.OUT_OF_SERVICE, S.AWAITING_ACCEPTANCE, S.RETIRED]
MODALITIES = [["CT"], ["PT", "CT"], ["MR"], ["US"], ["MG"], ["NM"], ["DX"]]


def add_equipment(site, start: int, count: int, actors) -> None:
    """`count` varied pieces of equipment, each in its own room, with a status change each."""
    for n in range(start, start + count):
        location = factories.LocationFactory(site=site, building=f"B{n % 3}", room=f"R{n:04d}")
        equipment = factories.EquipmentFactory(
            site=site,
            location=location,
            asset_tag=f"{site.code}-{n:04d}",
            modalities=MODALITIES[n % len(MODALITIES)],
            category=Category.SEALED_SOURCE if n % 10 == 0 else Category.IMAGING_SYSTEM,
            status=STATUSES[n % len(STATUSES)],
        )
        EquipmentStatusChange.objects.create(
            equipment=equipment,
            from_status=S.AWAITING_ACCEPTANCE,
            to_status=equipment.status,
            reason=f"change {n}",
            actor=actors[n % len(actors)],
            changed_at="2026-02-01T10:00:00Z",
        )


@pytest.fixture
def people(site_a, site_b, person):
    """Every role at Alpha, and a manager at both sites; Beta has equipment of its own."""
    manager = person(Role.MANAGER, site_a)
    factories.MembershipFactory(user=manager, site=site_b, role=Role.MANAGER)
    return {
        Role.MANAGER: manager,
        Role.TECHNICIAN: person(Role.TECHNICIAN, site_a),
        Role.PHYSICIST: person(Role.PHYSICIST, site_a),
        Role.INSPECTOR: person(Role.INSPECTOR, site_a),
    }


def queries_for(client, url, query=None) -> int:
    client.get(url, query)  # warm caches (content types, sessions) outside the count
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query)
    assert response.status_code == 200, (url, response.content[:500])
    return len(captured)


def counts_at_5_and_200(measure, site_a, site_b, people) -> tuple[dict, dict]:
    """`measure()` -> {case: queries}, run with 5 and then with 200 pieces at each site."""
    actors = list(people.values())
    add_equipment(site_a, 0, 5, actors)
    add_equipment(site_b, 0, 5, actors)
    small = measure()
    add_equipment(site_a, 5, 195, actors)
    add_equipment(site_b, 5, 195, actors)
    return small, measure()


PAGES = [
    ("/", None),
    ("/equipment/", None),
    ("/equipment/", {"q": "ALPHA", "modality": "CT", "status": "in_service"}),
    ("/equipment/locations/", None),
]
API_LISTS = [
    ("/api/v1/equipment/", None),
    ("/api/v1/equipment/", {"modality": "CT", "page_size": 200}),
    ("/api/v1/locations/", None),
    ("/api/v1/sites/", None),
]
ROLES = [Role.MANAGER, Role.TECHNICIAN, Role.PHYSICIST, Role.INSPECTOR]


def test_pages_and_home_pages_run_the_same_queries_for_5_and_200_pieces(
    client, people, site_a, site_b
):
    """The list pages and each role's home page, for every role (one build of the data)."""

    def measure():
        counts = {}
        for role in ROLES:
            client.force_login(people[role])
            for url, query in PAGES:
                counts[role, url, str(query)] = queries_for(client, url, query)
        return counts

    small, large = counts_at_5_and_200(measure, site_a, site_b, people)

    assert small == large


def test_a_second_page_runs_the_same_queries_as_the_first(client, people, site_a, site_b):
    client.force_login(people[Role.MANAGER])
    add_equipment(site_a, 0, 200, list(people.values()))

    assert queries_for(client, "/equipment/", {"page": 2}) == queries_for(client, "/equipment/")


def test_api_lists_run_the_same_queries_for_5_and_200_pieces(api, people, site_a, site_b):
    """Through a token, as each role would call them."""

    def measure():
        counts = {}
        for role in ROLES:
            _token, key = issue_api_token(user=people[role], now=timezone.now())
            api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
            for url, query in API_LISTS:
                counts[role, url, str(query)] = queries_for(api, url, query)
        return counts

    small, large = counts_at_5_and_200(measure, site_a, site_b, people)

    assert small == large
