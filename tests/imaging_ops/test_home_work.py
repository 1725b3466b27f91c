"""Each role's home page lists the work waiting for them, every figure and item a link to the
page where the work is done, in the same number of queries however much there is. For
technicians, physicists and RSOs, what waits besides their scheduled work is the home page's
second part (`home_waiting`), loaded after it."""

from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from equipment.models import Category, EquipmentStatus
from equipment.services.acceptance import void_acceptance_note
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = pytest.mark.django_db

S = EquipmentStatus
HOME = reverse("home")
WAITING = reverse("home_waiting")
LIST = reverse("equipment:list")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._open = {**dict(attrs), "text": ""}

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._open is not None:
            self._open["text"] = " ".join(self._open["text"].split())
            self.links.append(self._open)
            self._open = None


def links(response) -> list[dict]:
    parser = _Links()
    parser.feed(response.content.decode())
    return parser.links


def hrefs(response) -> set[str]:
    return {link["href"] for link in links(response)}


def list_filters(href: str) -> dict:
    parts = urlsplit(href)
    assert parts.path == LIST, href
    return dict(parse_qsl(parts.query))


def figure_links(response) -> dict[str, dict]:
    """The home page's per-site figures: link text -> the list filters it opens."""
    return {
        link["text"]: list_filters(link["href"])
        for link in links(response)
        if "site-figure" in link.get("class", "")
    }


def home(client, user):
    """The page that lists what waits: a manager's home, or the second part of the others'."""
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    if "home/technician.html" in [t.name for t in response.templates]:
        assert f'hx-get="{WAITING}"' in response.content.decode()
        response = client.get(WAITING, headers={"HX-Request": "true"})
        assert response.status_code == 200
    return response


def listed_tags(client, filters: dict) -> set[str]:
    """What the equipment list shows for the filters a home page links to."""
    response = client.get(LIST, filters)
    return {equipment.asset_tag for equipment in response.context["equipment_list"]}


def equipment(site, tag, status=S.AWAITING_ACCEPTANCE, **fields):
    return factories.EquipmentFactory(site=site, asset_tag=tag, status=status, **fields)


@pytest.fixture
def arrivals(site_a, site_b):
    """New equipment at both sites: an X-ray room and a sealed source at Alpha, one at Beta,
    with something out of service and something in service at Alpha."""
    return {
        "dx": equipment(site_a, "ALPHA-DX1", name="X-ray room"),
        "source": equipment(
            site_a,
            "ALPHA-CS137",
            name="Cs-137 check source",
            category=Category.SEALED_SOURCE,
            modalities=["NM"],
        ),
        "beta": equipment(site_b, "BETA-MR1", name="MR scanner"),
        "broken": equipment(site_a, "ALPHA-CT1", status=S.OUT_OF_SERVICE),
        "working": equipment(site_a, "ALPHA-US1", status=S.IN_SERVICE),
    }


# --- technicians, physicists and RSOs: equipment awaiting acceptance ---------------------------


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.PHYSICIST])
def test_equipment_awaiting_acceptance_at_ones_sites_is_linked_to_recording_it(
    client, person, site_a, arrivals, role
):
    response = home(client, person(role, site_a))

    assert [e.asset_tag for e in response.context["to_accept"]] == ["ALPHA-DX1", "ALPHA-CS137"]
    for item in ("dx", "source"):
        assert reverse("equipment:acceptance_create", args=[arrivals[item].pk]) in hrefs(response)
    assert "BETA-MR1" not in response.content.decode()
    assert figure_links(response)["2 awaiting acceptance at ALPHA"] == {
        "status": "awaiting_acceptance",
        "site": str(site_a.pk),
    }


def test_an_rso_is_shown_the_sealed_sources_awaiting_acceptance(client, rso, site_a, arrivals):
    response = home(client, rso)

    assert [e.asset_tag for e in response.context["to_accept"]] == ["ALPHA-CS137"]
    filters = figure_links(response)["1 awaiting acceptance at ALPHA"]
    assert filters == {
        "status": "awaiting_acceptance",
        "category": "sealed_source",
        "site": str(site_a.pk),
    }
    assert listed_tags(client, filters) == {"ALPHA-CS137"}


def test_an_rso_who_is_also_physicist_there_is_shown_all_of_it(client, rso, site_a, arrivals):
    factories.MembershipFactory(user=rso, site=site_a, role=Role.PHYSICIST)

    response = home(client, rso)

    assert {e.asset_tag for e in response.context["to_accept"]} == {"ALPHA-DX1", "ALPHA-CS137"}


def test_each_sites_figure_opens_the_list_of_exactly_those_pieces(
    client, person, site_a, site_b, arrivals
):
    """
    GIVEN a physicist at Alpha who is the RSO at Beta, with equipment awaiting acceptance at both
    WHEN they follow each site's figure from their home page
    THEN the equipment list shows exactly the pieces counted: all of Alpha's, Beta's sources
    """
    rosa = person(Role.PHYSICIST, site_a, username="rosa")
    factories.MembershipFactory(user=rosa, site=site_b, role=Role.RSO)
    equipment(site_b, "BETA-SR90", category=Category.SEALED_SOURCE, modalities=["NM"])

    figures = figure_links(home(client, rosa))

    assert set(figures) == {
        "2 awaiting acceptance at ALPHA",
        "1 awaiting acceptance at BETA",
        "1 out of service at ALPHA",
    }
    assert listed_tags(client, figures["2 awaiting acceptance at ALPHA"]) == {
        "ALPHA-DX1",
        "ALPHA-CS137",
    }
    assert listed_tags(client, figures["1 awaiting acceptance at BETA"]) == {"BETA-SR90"}
    assert listed_tags(client, figures["1 out of service at ALPHA"]) == {"ALPHA-CT1"}


def test_out_of_service_equipment_is_linked_and_counted_by_site(client, tech, site_a, arrivals):
    response = home(client, tech)

    assert reverse("equipment:detail", args=[arrivals["broken"].pk]) in hrefs(response)
    assert figure_links(response)["1 out of service at ALPHA"] == {
        "status": "out_of_service",
        "site": str(site_a.pk),
    }


def test_a_long_list_shows_its_first_items_and_the_whole_count(client, physicist, site_a):
    for n in range(25):
        equipment(site_a, f"ALPHA-NEW{n:02d}")

    response = home(client, physicist)

    assert len(response.context["to_accept"]) == 20
    assert "Showing 20 of 25." in response.content.decode()
    assert "25 awaiting acceptance at ALPHA" in figure_links(response)


# --- unsigned drafts --------------------------------------------------------------------------


def test_the_unsigned_acceptance_notes_one_wrote_are_linked_to_signing(
    client, physicist, tech, site_a, arrivals
):
    mine = factories.acceptance_note(actor=physicist, equipment=arrivals["dx"])
    factories.signed_acceptance(actor=physicist, equipment=arrivals["source"])
    factories.acceptance_note(actor=tech, equipment=arrivals["dx"])  # someone else's
    voided = factories.acceptance_note(actor=physicist, equipment=arrivals["dx"])
    void_acceptance_note(actor=physicist, note=voided, reason="Entered twice.", now=timezone.now())

    response = home(client, physicist)

    assert [note.pk for note in response.context["drafts"]] == [mine.pk]
    assert reverse("equipment:acceptance_detail", args=[mine.pk]) in hrefs(response)
    assert reverse("equipment:acceptance_sign", args=[mine.pk]) in hrefs(response)


def test_equipment_with_an_unsigned_note_links_to_that_note_not_to_a_new_one(
    client, physicist, tech, site_a, arrivals
):
    begun = factories.acceptance_note(actor=tech, equipment=arrivals["dx"])

    response = home(client, physicist)

    assert reverse("equipment:acceptance_detail", args=[begun.pk]) in hrefs(response)
    assert reverse("equipment:acceptance_create", args=[arrivals["dx"].pk]) not in hrefs(response)
    assert reverse("equipment:acceptance_create", args=[arrivals["source"].pk]) in hrefs(response)


# --- empty states -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.PHYSICIST, Role.RSO])
def test_a_home_with_nothing_waiting_says_so(client, person, site_a, role):
    equipment(site_a, "ALPHA-US1", status=S.IN_SERVICE)

    page = home(client, person(role, site_a)).content.decode()

    assert "Nothing is out of service at your sites." in page
    assert "No equipment is waiting for you to record its acceptance." in page
    assert "You have no unsigned acceptance notes." in page


def test_an_rso_with_only_x_ray_rooms_arriving_has_nothing_to_accept(client, rso, site_a):
    equipment(site_a, "ALPHA-DX1")

    page = home(client, rso).content.decode()

    assert "No equipment is waiting for you to record its acceptance." in page


# --- managers ---------------------------------------------------------------------------------


def test_a_managers_figures_link_to_the_list_filtered_by_status_and_site(
    client, manager, site_a, site_b, arrivals
):
    factories.MembershipFactory(user=manager, site=site_b, role=Role.MANAGER)

    response = home(client, manager)

    figures = {
        link["aria-label"]: list_filters(link["href"])
        for link in links(response)
        if link.get("aria-label")
    }
    alpha, beta = str(site_a.pk), str(site_b.pk)
    assert figures["2 awaiting acceptance at ALPHA"] == {
        "status": "awaiting_acceptance",
        "site": alpha,
    }
    assert figures["1 out of service at ALPHA"] == {"status": "out_of_service", "site": alpha}
    assert figures["1 awaiting acceptance at BETA"] == {
        "status": "awaiting_acceptance",
        "site": beta,
    }
    assert figures["0 out of service at BETA"] == {"status": "out_of_service", "site": beta}
    assert listed_tags(client, figures["2 awaiting acceptance at ALPHA"]) == {
        "ALPHA-DX1",
        "ALPHA-CS137",
    }
    assert "Nothing is waiting at your sites" not in response.content.decode()


def test_a_manager_with_nothing_waiting_is_told_so(client, manager, site_a):
    equipment(site_a, "ALPHA-US1", status=S.IN_SERVICE)

    page = home(client, manager).content.decode()

    assert "Nothing is waiting at your sites" in page


# --- queries ----------------------------------------------------------------------------------


def add_work(site, start: int, count: int, author) -> None:
    """Equipment in every status (a tenth of it sealed sources), and drafts by `author`."""
    statuses = [S.AWAITING_ACCEPTANCE, S.OUT_OF_SERVICE, S.IN_SERVICE]
    for n in range(start, start + count):
        piece = equipment(
            site,
            f"{site.code}-{n:04d}",
            status=statuses[n % len(statuses)],
            category=Category.SEALED_SOURCE if n % 10 == 0 else Category.IMAGING_SYSTEM,
        )
        if n % 3 == 0:
            factories.acceptance_note(actor=author, equipment=piece)


def queries_for_home(client) -> int:
    client.get(HOME)  # content types and the session, outside the count
    client.get(WAITING)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(HOME).status_code == 200
        assert client.get(WAITING).status_code in (200, 302)
    return len(captured)


@pytest.mark.parametrize(
    "role", [Role.TECHNICIAN, Role.PHYSICIST, Role.RSO, Role.MANAGER, Role.INSPECTOR]
)
def test_each_home_runs_the_same_queries_for_6_and_90_pieces(
    client, person, site_a, site_b, role, django_assert_num_queries
):
    user = person(role, site_a)
    factories.MembershipFactory(
        user=user,
        site=site_b,
        role=role,
        **({"expires_on": factories.days_from_today(30)} if role == Role.INSPECTOR else {}),
    )
    author = user
    if role == Role.INSPECTOR:
        author = person(Role.PHYSICIST, site_a)
        factories.MembershipFactory(user=author, site=site_b, role=Role.PHYSICIST)
    client.force_login(user)
    for site in (site_a, site_b):
        add_work(site, 0, 3, author)
    small = queries_for_home(client)

    for site in (site_a, site_b):
        add_work(site, 3, 42, author)
    client.get(HOME)

    with django_assert_num_queries(small):
        client.get(HOME)
        client.get(WAITING)


def test_the_second_part_has_a_page_of_its_own_and_sends_managers_home(client, tech, manager):
    client.force_login(tech)
    own = client.get(WAITING)
    assert own.status_code == 200 and "<html" in own.content.decode()
    assert "Nothing is out of service at your sites." in own.content.decode()
    client.force_login(manager)
    assert client.get(WAITING).url == HOME
