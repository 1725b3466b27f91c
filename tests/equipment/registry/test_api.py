"""The equipment and locations API: scoped lists, field errors, and status only via its action."""

import pytest

from equipment.models import Category, Equipment, EquipmentStatus, EquipmentStatusChange, Location
from imaging_ops.vocabulary import AreaClass, Role
from tests import factories

pytestmark = pytest.mark.django_db

S = EquipmentStatus
EQUIPMENT = "/api/v1/equipment/"
LOCATIONS = "/api/v1/locations/"


def item(pk):
    return f"{EQUIPMENT}{pk}/"


def status_url(pk):
    return f"{EQUIPMENT}{pk}/status/"


@pytest.fixture
def as_user(api):
    def sign_in(user):
        api.force_authenticate(user)
        return api

    return sign_in


@pytest.fixture
def fleet_variant():
    # These tests add an ultrasound (ALPHA-US1) of their own and find the CT by "SN-CT".
    return {"third_unit": "mammo", "ct_serial": "SN-CT-1"}


def new_payload(site, **fields):
    return {"site": site.pk, "asset_tag": "ALPHA-US1", "name": "Ultrasound"} | {
        "modalities": ["US"],
        **fields,
    }


def tags(response):
    return [row["asset_tag"] for row in response.json()["results"]]


# --- list and filters -------------------------------------------------------------------------


def test_the_list_is_paginated_and_scoped_to_the_users_sites(as_user, tech, fleet):
    response = as_user(tech).get(EQUIPMENT)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    assert tags(response) == ["ALPHA-CT1", "ALPHA-MG1", "ALPHA-PETCT"]


def test_list_items_carry_the_contract_fields(as_user, tech, fleet, site_a):
    response = as_user(tech).get(EQUIPMENT, {"q": "PETCT"})

    (row,) = response.json()["results"]
    assert row["id"] == fleet["pet_ct"].pk
    assert row["asset_tag"] == "ALPHA-PETCT"
    assert row["site"] == site_a.pk
    assert row["modality"] == "PT"
    assert row["modalities"] == ["PT", "CT"]
    assert row["status"] == "out_of_service"
    assert row["location"] == fleet["nm_room"].pk


def test_pages_link_to_each_other(as_user, tech, site_a):
    for n in range(5):
        factories.EquipmentFactory(site=site_a, asset_tag=f"T{n}")
    api = as_user(tech)

    first = api.get(EQUIPMENT, {"page_size": 2}).json()
    last = api.get(EQUIPMENT, {"page_size": 2, "page": 3}).json()

    assert first["count"] == 5
    assert first["previous"] is None
    assert "page=2" in first["next"]
    assert [r["asset_tag"] for r in last["results"]] == ["T4"]
    assert last["next"] is None


def test_a_page_past_the_end_is_404_not_500(as_user, tech, fleet):
    assert as_user(tech).get(EQUIPMENT, {"page": 99}).status_code == 404
    assert as_user(tech).get(EQUIPMENT, {"page": "abc"}).status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "alpha-ct1"}, ["ALPHA-CT1"]),
        ({"q": "SN-CT"}, ["ALPHA-CT1"]),
        ({"q": "mammography"}, ["ALPHA-MG1"]),
        ({"q": "biograph"}, ["ALPHA-PETCT"]),
        ({"q": "ct scanner"}, ["ALPHA-CT1"]),
        ({"modality": "CT"}, ["ALPHA-CT1", "ALPHA-PETCT"]),
        ({"modality": "PT"}, ["ALPHA-PETCT"]),
        ({"modality": "US"}, []),
        ({"status": "out_of_service"}, ["ALPHA-PETCT"]),
        ({"status": "awaiting_acceptance"}, ["ALPHA-MG1"]),
        ({"status": "in_service", "modality": "CT"}, ["ALPHA-CT1"]),
        ({"category": "imaging_system"}, ["ALPHA-CT1", "ALPHA-MG1", "ALPHA-PETCT"]),
    ],
)
def test_the_list_filters(query, expected, as_user, tech, fleet):
    response = as_user(tech).get(EQUIPMENT, query)

    assert response.status_code == 200
    assert tags(response) == expected


def test_the_list_filters_by_site_and_location(as_user, manager, fleet, site_a):
    api = as_user(manager)

    assert tags(api.get(EQUIPMENT, {"site": site_a.pk})) == [
        "ALPHA-CT1",
        "ALPHA-MG1",
        "ALPHA-PETCT",
    ]
    assert tags(api.get(EQUIPMENT, {"location": fleet["nm_room"].pk})) == ["ALPHA-PETCT"]


@pytest.mark.req("11.10(d)")
def test_filtering_by_another_sites_id_is_a_400_not_a_peek(as_user, tech, fleet, site_b):
    api = as_user(tech)

    by_site = api.get(EQUIPMENT, {"site": site_b.pk})
    by_location = api.get(EQUIPMENT, {"location": fleet["beta_ct"].location_id})

    assert by_site.status_code == 400
    assert "site" in by_site.json()
    assert by_location.status_code == 400
    assert "location" in by_location.json()


@pytest.mark.parametrize(
    "query",
    [{"site": "abc"}, {"modality": "XX"}, {"status": "broken"}, {"location": "1.5"}],
)
def test_a_bad_filter_value_is_a_400_field_error(query, as_user, tech, fleet):
    response = as_user(tech).get(EQUIPMENT, query)

    assert response.status_code == 400
    assert set(response.json()) == set(query)


# --- read, create, update -------------------------------------------------------------------


def test_read_one_piece_of_equipment(as_user, inspector, fleet):
    response = as_user(inspector).get(item(fleet["ct"].pk))

    assert response.status_code == 200
    assert response.json()["asset_tag"] == "ALPHA-CT1"
    assert response.json()["status"] == "in_service"


@pytest.mark.req("11.10(d)")
def test_another_sites_equipment_answers_404(as_user, tech, fleet):
    api = as_user(tech)
    beta = fleet["beta_ct"].pk

    assert api.get(item(beta)).status_code == 404
    assert api.patch(item(beta), {"name": "x"}, format="json").status_code == 404
    assert (
        api.post(status_url(beta), {"status": "out_of_service", "reason": "x"}).status_code == 404
    )
    assert Equipment.objects.get(pk=beta).status == S.AWAITING_ACCEPTANCE


def test_a_physicist_creates_equipment_that_awaits_acceptance(as_user, physicist, site_a, fleet):
    response = as_user(physicist).post(
        EQUIPMENT,
        new_payload(site_a, modalities=["PT", "CT"], location=fleet["nm_room"].pk),
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "awaiting_acceptance"
    assert (body["modality"], body["modalities"]) == ("PT", ["PT", "CT"])
    created = Equipment.objects.get(pk=body["id"])
    assert (created.site, created.location) == (site_a, fleet["nm_room"])


def test_a_manager_adopts_equipment_in_service_through_the_api(as_user, manager, site_a):
    response = as_user(manager).post(
        EQUIPMENT,
        new_payload(site_a, adopt_in_service=True, adoption_reason="In use since 2018."),
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["status"] == "in_service"
    change = EquipmentStatusChange.objects.get(equipment_id=response.json()["id"])
    assert (change.kind, change.actor, change.reason) == ("adoption", manager, "In use since 2018.")


def test_adoption_without_a_reason_is_a_field_error(as_user, manager, site_a):
    response = as_user(manager).post(
        EQUIPMENT, new_payload(site_a, adopt_in_service=True), format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"adoption_reason"}
    assert not Equipment.objects.exists()


@pytest.mark.req("11.10(d)")
def test_a_physicist_cannot_adopt_equipment_in_service(as_user, physicist, site_a):
    response = as_user(physicist).post(
        EQUIPMENT, new_payload(site_a, adopt_in_service=True, adoption_reason="x"), format="json"
    )

    assert response.status_code == 403
    assert not Equipment.objects.exists()


def test_patch_edits_the_facts_about_a_machine(as_user, physicist, fleet):
    response = as_user(physicist).patch(
        item(fleet["ct"].pk),
        {"name": "CT scanner 1", "modalities": ["CT"], "serial_number": " SN-9 "},
        format="json",
    )

    assert response.status_code == 200, response.json()
    fleet["ct"].refresh_from_db()
    assert (fleet["ct"].name, fleet["ct"].serial_number) == ("CT scanner 1", "SN-9")
    assert fleet["ct"].status == S.IN_SERVICE


def test_put_replaces_the_facts_about_a_machine(as_user, physicist, fleet, site_a):
    response = as_user(physicist).put(
        item(fleet["mammo"].pk),
        {
            "site": site_a.pk,
            "asset_tag": "ALPHA-MG1",
            "name": "Mammography unit (3D)",
            "category": Category.IMAGING_SYSTEM,
            "modalities": ["MG"],
            "location": fleet["ct_room"].pk,
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "Mammography unit (3D)"


@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_write_containing_status_is_refused_and_points_at_the_status_action(
    method, as_user, manager, fleet, site_a
):
    ct = fleet["ct"]
    payload = {"site": site_a.pk, "asset_tag": "ALPHA-CT1", "name": "Renamed", "status": "retired"}

    response = getattr(as_user(manager), method)(item(ct.pk), payload, format="json")

    assert response.status_code == 400
    assert "/status/" in response.json()["status"][0]
    ct.refresh_from_db()
    assert (ct.status, ct.name) == (S.IN_SERVICE, "CT scanner")
    assert not EquipmentStatusChange.objects.exists()


def test_status_in_a_create_is_refused_too(as_user, manager, site_a):
    response = as_user(manager).post(
        EQUIPMENT, new_payload(site_a, status="in_service"), format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"status"}
    assert not Equipment.objects.exists()


def test_adoption_is_refused_on_update(as_user, manager, fleet):
    response = as_user(manager).patch(
        item(fleet["mammo"].pk), {"adopt_in_service": True, "adoption_reason": "x"}, format="json"
    )

    assert response.status_code == 400
    assert "adopt_in_service" in response.json()
    fleet["mammo"].refresh_from_db()
    assert fleet["mammo"].status == S.AWAITING_ACCEPTANCE


def test_equipment_cannot_move_to_another_site(as_user, person, fleet, site_a, site_b):
    manager = person(Role.MANAGER, site_a)
    factories.MembershipFactory(user=manager, site=site_b, role=Role.MANAGER)

    response = as_user(manager).patch(item(fleet["ct"].pk), {"site": site_b.pk}, format="json")

    assert response.status_code == 400
    assert "site" in response.json()
    fleet["ct"].refresh_from_db()
    assert fleet["ct"].site == site_a


# --- foreign keys to another site's rows -------------------------------------------------------


@pytest.mark.req("11.10(d)")
def test_creating_equipment_at_another_sites_id_is_a_field_error(as_user, physicist, site_b):
    response = as_user(physicist).post(EQUIPMENT, new_payload(site_b), format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"site"}
    assert not Equipment.objects.exists()


@pytest.mark.req("11.10(d)")
def test_creating_equipment_at_another_sites_location_is_a_field_error(
    as_user, physicist, site_a, fleet
):
    response = as_user(physicist).post(
        EQUIPMENT, new_payload(site_a, location=fleet["beta_ct"].location_id), format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"location"}
    assert Equipment.objects.count() == 4


def test_a_location_of_a_different_one_of_my_sites_is_a_field_error(
    as_user, person, site_a, site_b, fleet
):
    """GIVEN a manager at both sites, WHEN Alpha equipment names a Beta room, THEN a 400."""
    manager = person(Role.MANAGER, site_a)
    factories.MembershipFactory(user=manager, site=site_b, role=Role.MANAGER)

    response = as_user(manager).post(
        EQUIPMENT, new_payload(site_a, location=fleet["beta_ct"].location_id), format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"location"}


def test_a_duplicate_asset_tag_is_a_field_error(as_user, physicist, site_a, fleet):
    response = as_user(physicist).post(
        EQUIPMENT, new_payload(site_a, asset_tag="alpha-ct1"), format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"asset_tag"}


# --- the status action ------------------------------------------------------------------------


@pytest.mark.req("11.10(f)")
def test_the_status_action_changes_the_status_with_a_reason(as_user, tech, fleet):
    ct = fleet["ct"]

    response = as_user(tech).post(
        status_url(ct.pk), {"status": "out_of_service", "reason": "Gantry noise."}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["from_status"], body["to_status"], body["reason"]) == (
        "in_service",
        "out_of_service",
        "Gantry noise.",
    )
    assert body["actor"] == tech.display_name
    assert body["kind"] == "change"
    ct.refresh_from_db()
    assert ct.status == S.OUT_OF_SERVICE
    assert as_user(tech).get(item(ct.pk)).json()["status"] == "out_of_service"


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"status": "out_of_service"}, {"reason"}),
        ({"status": "out_of_service", "reason": "   "}, {"reason"}),
        ({"reason": "x"}, {"status"}),
        ({"status": "broken", "reason": "x"}, {"status"}),
        ({"status": "awaiting_acceptance", "reason": "x"}, {"status"}),
        ({"status": "disposed", "reason": "x"}, {"status"}),
        ({"status": ["out_of_service"], "reason": "x"}, {"status"}),
        ({}, {"status", "reason"}),
    ],
)
def test_status_action_errors_are_field_errors(payload, fields, as_user, manager, fleet):
    ct = fleet["ct"]

    response = as_user(manager).post(status_url(ct.pk), payload, format="json")

    assert response.status_code == 400
    assert set(response.json()) == fields
    ct.refresh_from_db()
    assert ct.status == S.IN_SERVICE
    assert not EquipmentStatusChange.objects.exists()


def test_a_refused_transition_says_why(as_user, manager, fleet):
    response = as_user(manager).post(
        status_url(fleet["ct"].pk), {"status": "disposed", "reason": "x"}, format="json"
    )

    assert response.json() == {"status": ["Equipment that is in service cannot become disposed."]}


@pytest.mark.req("11.10(d)")
def test_a_technician_may_not_retire_through_the_api(as_user, tech, fleet):
    response = as_user(tech).post(
        status_url(fleet["ct"].pk), {"status": "retired", "reason": "old"}, format="json"
    )

    assert response.status_code == 403


# --- who may write ------------------------------------------------------------------------------


@pytest.mark.req("11.10(d)")
def test_an_inspector_gets_403_on_every_write(as_user, inspector, fleet, site_a):
    api = as_user(inspector)
    ct, room = fleet["ct"], fleet["ct_room"]

    responses = [
        api.post(EQUIPMENT, new_payload(site_a), format="json"),
        api.patch(item(ct.pk), {"name": "x"}, format="json"),
        api.put(
            item(ct.pk),
            {"site": site_a.pk, "asset_tag": "ALPHA-CT1", "name": "x", "modalities": ["CT"]},
            format="json",
        ),
        api.post(status_url(ct.pk), {"status": "out_of_service", "reason": "x"}, format="json"),
        api.post(LOCATIONS, {"site": site_a.pk, "building": "Main", "room": "X"}, format="json"),
        api.patch(f"{LOCATIONS}{room.pk}/", {"room": "Renamed"}, format="json"),
    ]

    assert [r.status_code for r in responses] == [403] * len(responses)
    ct.refresh_from_db()
    room.refresh_from_db()
    assert (ct.name, ct.status, room.room) == ("CT scanner", S.IN_SERVICE, "CT 1")
    assert Equipment.objects.count() == 4
    assert Location.objects.count() == 3


@pytest.mark.req("11.10(d)")
def test_a_technician_gets_403_on_create(as_user, tech, site_a):
    api = as_user(tech)

    equipment = api.post(EQUIPMENT, new_payload(site_a), format="json")
    location = api.post(
        LOCATIONS, {"site": site_a.pk, "building": "Main", "room": "X"}, format="json"
    )

    assert (equipment.status_code, location.status_code) == (403, 403)
    assert "not allowed" in equipment.json()["detail"]
    assert not Equipment.objects.exists()


@pytest.mark.req("11.10(d)")
def test_the_rso_creates_a_sealed_source_but_not_a_scanner(as_user, rso, site_a, fleet):
    api = as_user(rso)
    hot_lab = factories.LocationFactory(
        site=site_a, area_class=AreaClass.RESTRICTED, secured_storage=True
    )

    source = api.post(
        EQUIPMENT,
        new_payload(
            site_a,
            asset_tag="SRC-1",
            name="Cs-137",
            category="sealed_source",
            modalities=[],
            location=hot_lab.pk,
            radionuclide="Cs-137",
            reference_activity="200",
            activity_unit="uCi",
            reference_date="2024-01-15",
        ),
        format="json",
    )
    scanner = api.post(EQUIPMENT, new_payload(site_a), format="json")

    assert source.status_code == 201
    assert scanner.status_code == 403


# --- garbage in, 400 out -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"site", "asset_tag", "name"}),
        ({"site": "abc", "asset_tag": "X", "name": "X"}, {"site"}),
        ({"site": None, "asset_tag": "X", "name": "X"}, {"site"}),
        ({"site": 999_999, "asset_tag": "X", "name": "X"}, {"site"}),
        ({"site": {"id": 1}, "asset_tag": "X", "name": "X"}, {"site"}),
    ],
)
def test_a_missing_or_malformed_site_is_a_400_field_error(payload, fields, as_user, manager):
    response = as_user(manager).post(EQUIPMENT, payload, format="json")

    assert response.status_code == 400
    assert set(response.json()) == fields
    assert not Equipment.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"asset_tag": ["x"]}, "asset_tag"),
        ({"asset_tag": "X" * 51}, "asset_tag"),
        ({"asset_tag": "   "}, "asset_tag"),
        ({"name": None}, "name"),
        ({"modalities": ["XX"]}, "modalities"),
        ({"modalities": "CT"}, "modalities"),
        ({"modalities": [["CT"]]}, "modalities"),
        ({"modalities": ["CT", "CT"]}, "modalities"),
        ({"modalities": []}, "modalities"),
        ({"category": "spaceship"}, "category"),
        ({"location": "first floor"}, "location"),
        ({"adopt_in_service": "maybe"}, "adopt_in_service"),
    ],
)
def test_one_bad_field_is_a_400_naming_that_field(change, field, as_user, manager, site_a):
    response = as_user(manager).post(EQUIPMENT, new_payload(site_a, **change), format="json")

    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert not Equipment.objects.exists()


NOT_AN_OBJECT = ["{not json", "[1, 2]", '["status"]', "5", "null", '"status"', "true", "\x00\x01"]


@pytest.mark.parametrize("body", NOT_AN_OBJECT)
@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT"])
def test_a_body_that_is_not_an_object_is_a_400(body, method, as_user, manager, fleet):
    url = EQUIPMENT if method == "POST" else item(fleet["ct"].pk)

    response = as_user(manager).generic(method, url, body, content_type="application/json")

    assert response.status_code == 400
    assert Equipment.objects.count() == 4
    fleet["ct"].refresh_from_db()
    assert fleet["ct"].name == "CT scanner"


def test_an_empty_create_is_a_400_naming_the_required_fields(as_user, manager):
    response = as_user(manager).generic("POST", EQUIPMENT, "", content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == {"site", "asset_tag", "name"}


@pytest.mark.parametrize("body", NOT_AN_OBJECT)
def test_a_status_body_that_is_not_an_object_is_a_400(body, as_user, manager, fleet):
    response = as_user(manager).generic(
        "POST", status_url(fleet["ct"].pk), body, content_type="application/json"
    )

    assert response.status_code == 400


def test_a_form_encoded_create_works_like_json(as_user, physicist, site_a):
    response = as_user(physicist).post(
        EQUIPMENT,
        {"site": site_a.pk, "asset_tag": "F-1", "name": "Fluoro", "modalities": ["RF", "XA"]},
    )

    assert response.status_code == 201, response.json()
    assert response.json()["modalities"] == ["RF", "XA"]


# --- locations ----------------------------------------------------------------------------------


def test_locations_list_is_paginated_and_scoped(as_user, tech, fleet):
    response = as_user(tech).get(LOCATIONS)

    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert [(r["building"], r["room"]) for r in body["results"]] == [
        ("Main", "CT 1"),
        ("NM", "PET"),
    ]
    assert set(body["results"][0]) >= {"id", "site", "building", "room", "area_class"}


def test_locations_filter_by_area_class(as_user, tech, fleet):
    response = as_user(tech).get(LOCATIONS, {"area_class": "restricted"})

    assert [r["room"] for r in response.json()["results"]] == ["PET"]


def test_a_manager_creates_reads_and_updates_a_location(as_user, manager, site_a):
    api = as_user(manager)

    created = api.post(
        LOCATIONS,
        {"site": site_a.pk, "building": "Main", "room": "MRI 1", "area_class": "mri_zone_4"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    url = f"{LOCATIONS}{created.json()['id']}/"
    updated = api.patch(url, {"room": "MRI 2", "secured_storage": True}, format="json")

    assert updated.status_code == 200
    assert api.get(url).json() | {"id": None} == {
        "id": None,
        "site": site_a.pk,
        "building": "Main",
        "room": "MRI 2",
        "area_class": "mri_zone_4",
        "secured_storage": True,
    }


@pytest.mark.req("11.10(d)")
def test_another_sites_location_answers_404(as_user, tech, fleet):
    url = f"{LOCATIONS}{fleet['beta_ct'].location_id}/"

    assert as_user(tech).get(url).status_code == 404


@pytest.mark.req("11.10(d)")
def test_a_location_at_another_sites_id_is_a_field_error(as_user, manager, site_b):
    response = as_user(manager).post(
        LOCATIONS, {"site": site_b.pk, "building": "Main", "room": "X"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"site"}


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"site", "building", "room"}),
        ({"building": "Main", "room": "X", "area_class": "hot"}, {"area_class"}),
        ({"building": "Main", "room": "CT 1"}, {"room"}),
        ({"building": "", "room": "X"}, {"building"}),
        ({"building": "Main", "room": "X", "secured_storage": "perhaps"}, {"secured_storage"}),
    ],
)
def test_location_bad_input_is_a_400_with_field_errors(
    payload, fields, as_user, manager, site_a, fleet
):
    if payload:
        payload = {"site": site_a.pk, **payload}

    response = as_user(manager).post(LOCATIONS, payload, format="json")

    assert response.status_code == 400
    assert set(response.json()) == fields
    assert Location.objects.count() == 3


def test_the_rso_adds_a_restricted_area_but_not_an_office(as_user, rso, site_a):
    api = as_user(rso)

    hot_lab = api.post(
        LOCATIONS,
        {"site": site_a.pk, "building": "NM", "room": "Hot lab", "area_class": "restricted"},
        format="json",
    )
    office = api.post(
        LOCATIONS,
        {"site": site_a.pk, "building": "NM", "room": "Office", "area_class": "unrestricted"},
        format="json",
    )

    assert (hot_lab.status_code, office.status_code) == (201, 403)
