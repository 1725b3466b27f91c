"""Bad input never gets a 500: each case here once did (found by schemathesis and by hand
against a dev server), and now answers a 4xx that says what was wrong. A few neighbours that
already answered well are kept beside them, so the whole contract reads in one place."""

import base64
import json

import pytest

from equipment.models import Equipment
from tests import factories

pytestmark = pytest.mark.django_db

BIG = "9999999999999999999999"


def cursor(position: str) -> str:
    """A cursor as DRF encodes one, holding a position of our choosing."""
    return base64.b64encode(f"p={position}".encode()).decode()


@pytest.fixture
def equipment(site_a):
    return factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT1")


@pytest.fixture
def note(manager, equipment):
    return factories.acceptance_note(actor=manager, equipment=equipment)


@pytest.fixture
def as_manager(api, manager):
    api.force_authenticate(manager)
    return api


# --- Ids in the path -------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["abc", "null,null", "false", "1e3"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/equipment/{}/status/"),
        ("put", "/api/v1/acceptance-notes/{}/"),
        ("patch", "/api/v1/acceptance-notes/{}/"),
        ("post", "/api/v1/acceptance-notes/{}/sign/"),
        ("post", "/api/v1/acceptance-notes/{}/amend/"),
        ("post", "/api/v1/acceptance-notes/{}/void/"),
    ],
)
def test_an_id_that_is_not_a_number_is_not_found_on_every_action(
    as_manager, note, method, path, bad_id
):
    response = getattr(as_manager, method)(path.format(bad_id), {"reason": "x"}, format="json")

    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "path", ["/api/v1/equipment/{}/", "/api/v1/acceptance-notes/{}/", "/api/v1/sites/{}/"]
)
def test_an_id_too_big_for_any_row_is_not_found(as_manager, note, path):
    assert as_manager.get(path.format(BIG)).status_code == 404


# --- Request bodies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/equipment/",
        "/api/v1/locations/",
        "/api/v1/acceptance-notes/",
        "/api/v1/auth/token/",
    ],
)
def test_a_body_nested_too_deeply_for_the_decoder_is_a_parse_error(as_manager, path):
    body = "[" * 100_000 + "]" * 100_000

    response = as_manager.post(path, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - the body is nested too deeply."}


@pytest.mark.parametrize("site", ["1e999", "-1e999"])
def test_a_site_written_as_an_infinite_number_is_a_field_error(as_manager, site):
    body = f'{{"site": {site}, "asset_tag": "NEW-1", "name": "CT", "category": "imaging_system"}}'

    response = as_manager.post("/api/v1/equipment/", body, content_type="application/json")

    assert response.status_code == 400
    assert "Expected pk value" in response.json()["site"][0]


def test_a_key_with_a_fraction_is_refused_not_rounded_to_another_row(as_manager, site_a):
    # int(1.5) is 1: before, the fraction was dropped and the equipment landed at that site.
    body = {"site": site_a.pk + 0.5, "asset_tag": "NEW-2", "name": "CT", "modalities": ["CT"]}

    response = as_manager.post("/api/v1/equipment/", body, format="json")

    assert response.status_code == 400
    assert "Expected pk value" in response.json()["site"][0]
    assert not Equipment.objects.filter(asset_tag="NEW-2").exists()


def test_a_location_written_as_an_infinite_number_is_a_field_error(as_manager, equipment):
    response = as_manager.patch(
        f"/api/v1/equipment/{equipment.pk}/", '{"location": 1e999}', content_type="application/json"
    )

    assert response.status_code == 400
    assert "Expected pk value" in response.json()["location"][0]


@pytest.mark.parametrize(
    ("body", "content_type", "status", "says"),
    [
        ("{not json", "application/json", 400, "JSON parse error"),
        ("[1, 2, 3]", "application/json", 400, "Expected a dictionary"),
        ('"a string"', "application/json", 400, "Expected a dictionary"),
        ("42", "application/json", 400, "Expected a dictionary"),
        ('{"reason": "a\\u0000b"}', "application/json", 400, "Null characters"),
        ("<a/>", "application/xml", 415, "Unsupported media type"),
        ("hello", "text/plain", 415, "Unsupported media type"),
    ],
)
def test_a_body_that_is_no_json_object_is_refused_with_the_reason(
    as_manager, equipment, body, content_type, status, says
):
    response = as_manager.post(
        f"/api/v1/equipment/{equipment.pk}/status/", body, content_type=content_type
    )

    assert response.status_code == status
    assert says in json.dumps(response.json())


def test_signing_without_any_field_names_the_missing_ones(as_manager, note):
    response = as_manager.post(f"/api/v1/acceptance-notes/{note.pk}/sign/", {}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "password": ["This field is required."],
        "meaning": ["This field is required."],
    }


# --- Cursors and pages -----------------------------------------------------------------------


@pytest.mark.parametrize("position", ["abc", "%00", "1.5"])
@pytest.mark.parametrize(
    "path", ["/api/v1/audit-events/", "/api/v1/acceptance-notes/", "/api/v1/notifications/"]
)
def test_a_cursor_whose_position_is_not_a_key_is_an_invalid_cursor(
    as_manager, note, path, position
):
    response = as_manager.get(path, {"cursor": cursor(position)})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor"}


def test_a_cursor_with_a_numeric_position_still_pages(as_manager, note):
    response = as_manager.get("/api/v1/audit-events/", {"cursor": cursor(BIG)})

    assert response.status_code == 200
    assert response.json()["results"]


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999", BIG])
def test_a_page_that_does_not_exist_is_an_invalid_page(as_manager, equipment, page):
    response = as_manager.get("/api/v1/equipment/", {"page": page})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


# --- Filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query", "field", "says"),
    [
        ("/api/v1/equipment/", {"site": "abc"}, "site", "Select a valid choice"),
        ("/api/v1/equipment/", {"site": BIG}, "site", "Select a valid choice"),
        ("/api/v1/equipment/", {"modality": "XX"}, "modality", "XX is not one of"),
        ("/api/v1/equipment/", {"location": "abc"}, "location", "Select a valid choice"),
        ("/api/v1/audit-events/", {"date_from": "2026-13-45"}, "date_from", "valid date"),
        ("/api/v1/audit-events/", {"date_to": "x"}, "date_to", "valid date"),
    ],
)
def test_a_filter_with_an_invalid_value_is_a_field_error(as_manager, path, query, field, says):
    response = as_manager.get(path, query)

    assert response.status_code == 400
    assert says in response.json()[field][0]


def test_the_audit_trail_filtered_to_the_last_day_there_is_lists_every_event(
    as_manager, client, manager, equipment
):
    # The day after 9999-12-31 does not exist: the filter once computed it and overflowed.
    response = as_manager.get("/api/v1/audit-events/", {"date_to": "9999-12-31"})

    assert response.status_code == 200
    assert response.json()["results"]
    client.force_login(manager)
    assert client.get("/audit/", {"date_to": "9999-12-31"}).status_code == 200


@pytest.mark.parametrize("before", ["²", "-1", "abc", BIG])
def test_the_audit_page_ignores_a_before_that_is_not_a_plain_number(client, manager, before):
    # "²".isdigit() is True, but int("²") raises.
    client.force_login(manager)

    response = client.get("/audit/", {"before": before})

    assert response.status_code == 200


# --- Pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query", "status"),
    [
        ("/equipment/", {"page": "abc"}, 404),
        ("/equipment/", {"page": "99999"}, 404),
        ("/equipment/", {"site": "abc"}, 200),
        ("/equipment/", {"modality": "XX"}, 200),
        ("/audit/", {"date_from": "x", "before": "-1"}, 200),
        ("/equipment/labels/", {"start": "abc"}, 200),
        ("/equipment/labels/", {"sheet": "zz", "start": "abc"}, 400),
        (f"/equipment/{BIG}/", {}, 404),
    ],
)
def test_pages_answer_bad_query_strings_without_a_server_error(
    client, manager, equipment, path, query, status
):
    client.force_login(manager)

    assert client.get(path, query).status_code == status


@pytest.mark.parametrize(
    "url",
    [
        "/e/ALPHA/ab%00c/",
        "/e/AL%00PHA/abc/",
        "/sites/ALPHA/people/?q=a%00b",
        "/equipment/?q=%00",
        "/api/v1/audit-events/?user=%00",
    ],
)
def test_a_nul_character_in_the_address_is_a_bad_request(client, manager, url):
    client.force_login(manager)
    assert client.get(url).status_code == 400
