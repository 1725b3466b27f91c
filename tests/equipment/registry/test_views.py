"""The equipment and location pages, the home page per role, and the admin's door."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from equipment.models import Equipment, EquipmentStatus, EquipmentStatusChange, Location
from equipment.services.status import change_equipment_status
from equipment.views.registry import PAGE_SIZE
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = pytest.mark.django_db

S = EquipmentStatus
LIST = reverse("equipment:list")
CREATE = reverse("equipment:create")
LOCATIONS = reverse("equipment:locations")
NEW_LOCATION = reverse("equipment:location_create")
HOME = reverse("home")


def detail(equipment):
    return reverse("equipment:detail", args=[equipment.pk])


def edit(equipment):
    return reverse("equipment:edit", args=[equipment.pk])


def status(equipment):
    return reverse("equipment:status", args=[equipment.pk])


def templates(response) -> set[str]:
    return {t.name for t in response.templates}


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def listed(response) -> list[str]:
    return [e.asset_tag for e in response.context["equipment_list"]]


def form_data(site, /, **fields):
    data = {
        "site": site.pk,
        "asset_tag": "ALPHA-MR1",
        "name": "MRI 1.5 T",
        "category": "imaging_system",
        "primary_modality": "MR",
        "manufacturer": "Siemens",
        "model": "MAGNETOM Sola",
        "serial_number": "SN-MR-1",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


# --- sign-in required ---------------------------------------------------------------------------


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize(
    "url",
    [
        HOME,
        LIST,
        CREATE,
        LOCATIONS,
        NEW_LOCATION,
        "/equipment/1/",
        "/equipment/1/edit/",
        "/equipment/locations/1/edit/",
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


@pytest.mark.req("11.10(d)")
def test_an_anonymous_status_change_is_sent_to_sign_in_and_changes_nothing(client, fleet):
    response = client.post(status(fleet["ct"]), {"status": "out_of_service", "reason": "x"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not EquipmentStatusChange.objects.exists()


def test_signing_in_leads_home(client, tech):
    response = client.post(
        reverse("login"), {"username": "tess", "password": factories.PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == HOME
    assert response.context["user"] == tech


def test_a_wrong_password_shows_the_form_again(client, tech):
    response = client.post(reverse("login"), {"username": "tess", "password": "nope"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


# --- the list -----------------------------------------------------------------------------------


def test_the_list_shows_the_users_sites_only(signed_in, tech, fleet):
    response = signed_in(tech).get(LIST)

    assert response.status_code == 200
    assert listed(response) == ["ALPHA-CT1", "ALPHA-PETCT", "ALPHA-US1"]
    assert "BETA-CT1" not in text(response)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "alpha-ct"}, ["ALPHA-CT1"]),
        ({"q": "4411"}, ["ALPHA-CT1"]),
        ({"q": "ultra"}, ["ALPHA-US1"]),
        ({"q": "biograph"}, ["ALPHA-PETCT"]),
        ({"q": "nothing like it"}, []),
        ({"modality": "CT"}, ["ALPHA-CT1", "ALPHA-PETCT"]),
        ({"modality": "PT"}, ["ALPHA-PETCT"]),
        ({"status": "out_of_service"}, ["ALPHA-PETCT"]),
        ({"status": "awaiting_acceptance", "q": "alpha"}, ["ALPHA-US1"]),
    ],
)
def test_the_list_searches_and_filters(query, expected, signed_in, tech, fleet):
    response = signed_in(tech).get(LIST, query)

    assert response.status_code == 200
    assert listed(response) == expected


def test_the_list_filters_by_site_and_location(signed_in, tech, fleet, site_a):
    client = signed_in(tech)

    assert len(listed(client.get(LIST, {"site": site_a.pk}))) == 3
    assert listed(client.get(LIST, {"location": fleet["nm"].pk})) == ["ALPHA-PETCT"]


@pytest.mark.req("11.10(d)")
def test_a_filter_naming_another_sites_row_shows_no_foreign_rows(signed_in, tech, fleet, site_b):
    client = signed_in(tech)

    for query in ({"site": site_b.pk}, {"location": fleet["beta_ct"].location_id}):
        response = client.get(LIST, query)
        assert response.status_code == 200
        assert "BETA-CT1" not in listed(response)
        assert response.context["filter"].errors


@pytest.mark.parametrize("query", [{"site": "abc"}, {"status": "broken"}, {"modality": "XX"}])
def test_a_bad_filter_value_is_shown_not_a_500(query, signed_in, tech, fleet):
    response = signed_in(tech).get(LIST, query)

    assert response.status_code == 200
    assert set(response.context["filter"].errors) == set(query)


def test_the_list_is_paginated(signed_in, tech, site_a):
    location = factories.LocationFactory(site=site_a)
    for n in range(PAGE_SIZE + 3):
        factories.EquipmentFactory(site=site_a, location=location, asset_tag=f"T{n:03d}")
    client = signed_in(tech)

    first = client.get(LIST)
    second = client.get(LIST, {"page": 2})

    assert len(listed(first)) == PAGE_SIZE
    assert listed(second) == ["T050", "T051", "T052"]
    assert first.context["paginator"].count == PAGE_SIZE + 3
    assert "page=2" in text(first)


def test_pagination_keeps_the_filters(signed_in, tech, site_a):
    location = factories.LocationFactory(site=site_a)
    for n in range(PAGE_SIZE + 1):
        factories.EquipmentFactory(
            site=site_a, location=location, asset_tag=f"MR{n:03d}", modalities=["MR"]
        )
    factories.EquipmentFactory(site=site_a, location=location, asset_tag="CT999")

    response = signed_in(tech).get(LIST, {"modality": "MR", "page": 2})

    assert listed(response) == ["MR050"]
    assert "modality=MR" in text(response)


def test_a_page_past_the_end_is_404(signed_in, tech, fleet):
    assert signed_in(tech).get(LIST, {"page": 9}).status_code == 404


def test_only_people_who_may_add_equipment_see_the_button(signed_in, tech, physicist, fleet):
    assert signed_in(tech).get(LIST).context["may_create"] is False
    assert signed_in(physicist).get(LIST).context["may_create"] is True


# --- detail and status --------------------------------------------------------------------------


def test_the_detail_page_shows_the_machine_and_its_status_history(signed_in, tech, manager, fleet):
    ct = fleet["ct"]
    change_equipment_status(
        equipment=ct, to=S.OUT_OF_SERVICE, reason="Gantry noise.", actor=manager
    )

    response = signed_in(tech).get(detail(ct))

    assert response.status_code == 200
    page = text(response)
    assert "ALPHA-CT1" in page
    assert "SN-4411" in page
    assert "Gantry noise." in page
    assert manager.display_name in page
    assert [c.reason for c in response.context["history"]] == ["Gantry noise."]


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize("page", [detail, edit])
def test_another_sites_equipment_answers_404(page, signed_in, manager, fleet):
    assert signed_in(manager).get(page(fleet["beta_ct"])).status_code == 404


@pytest.mark.req("11.10(d)")
def test_another_sites_status_change_answers_404(signed_in, manager, fleet):
    response = signed_in(manager).post(
        status(fleet["beta_ct"]), {"status": "out_of_service", "reason": "x"}
    )

    assert response.status_code == 404
    assert not EquipmentStatusChange.objects.exists()


@pytest.mark.req("11.10(f)")
def test_a_technician_takes_equipment_out_of_service_from_the_detail_page(signed_in, tech, fleet):
    ct = fleet["ct"]
    client = signed_in(tech)
    offered = client.get(detail(ct)).context["status_form"].fields["status"].choices

    response = client.post(
        status(ct), {"status": "out_of_service", "reason": "Table will not move."}, follow=True
    )

    assert ("out_of_service", "Out of service") in offered
    assert response.redirect_chain == [(detail(ct), 302)]
    assert "Table will not move." in text(response)
    ct.refresh_from_db()
    assert ct.status == S.OUT_OF_SERVICE
    change = ct.status_changes.get()
    assert (change.actor, change.from_status) == (tech, S.IN_SERVICE)


def test_a_technician_is_not_offered_retirement(signed_in, tech, fleet):
    form = signed_in(tech).get(detail(fleet["ct"])).context["status_form"]

    assert [value for value, _ in form.fields["status"].choices if value] == ["out_of_service"]


def test_an_inspector_gets_no_status_form(signed_in, inspector, fleet):
    response = signed_in(inspector).get(detail(fleet["ct"]))

    assert response.status_code == 200
    assert response.context["status_form"] is None
    assert response.context["may_edit"] is False


@pytest.mark.req("11.10(d)")
def test_an_inspectors_status_change_is_refused(signed_in, inspector, fleet):
    response = signed_in(inspector).post(
        status(fleet["ct"]), {"status": "out_of_service", "reason": "x"}
    )

    assert response.status_code == 403
    assert not EquipmentStatusChange.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"status": "out_of_service", "reason": ""}, "reason"),
        ({"status": "out_of_service", "reason": "   "}, "reason"),
        ({"status": "disposed", "reason": "x"}, "status"),
        ({"status": "awaiting_acceptance", "reason": "x"}, "status"),
        ({"status": "nonsense", "reason": "x"}, "status"),
        ({"reason": "x"}, "status"),
    ],
)
def test_a_bad_status_change_is_400_with_the_error_on_its_field(
    data, field, signed_in, manager, fleet
):
    ct = fleet["ct"]

    response = signed_in(manager).post(status(ct), data)

    assert response.status_code == 400
    assert field in response.context["status_form"].errors
    ct.refresh_from_db()
    assert ct.status == S.IN_SERVICE
    assert not EquipmentStatusChange.objects.exists()


# --- create and edit ----------------------------------------------------------------------------


def test_a_physicist_adds_equipment(signed_in, physicist, site_a, fleet):
    client = signed_in(physicist)
    assert client.get(CREATE).status_code == 200

    response = client.post(
        CREATE,
        form_data(site_a, primary_modality="PT", other_modalities=["CT"], location=fleet["nm"].pk),
    )

    created = Equipment.objects.get(asset_tag="ALPHA-MR1")
    assert response.status_code == 302
    assert response.url == detail(created)
    assert (created.modalities, created.modality) == (["PT", "CT"], "PT")
    assert created.status == S.AWAITING_ACCEPTANCE
    assert created.location == fleet["nm"]


def test_a_manager_adopts_equipment_in_service_from_the_form(signed_in, manager, site_a):
    response = signed_in(manager).post(
        CREATE, form_data(site_a, adopt_in_service="on", adoption_reason="In use since 2017.")
    )

    assert response.status_code == 302
    created = Equipment.objects.get(asset_tag="ALPHA-MR1")
    assert created.status == S.IN_SERVICE
    assert created.status_changes.get().kind == "adoption"


def test_adoption_without_a_reason_is_an_error_on_the_reason(signed_in, manager, site_a):
    response = signed_in(manager).post(CREATE, form_data(site_a, adopt_in_service="on"))

    assert response.status_code == 400
    assert "adoption_reason" in response.context["form"].errors
    assert not Equipment.objects.exists()


def test_only_managers_are_offered_adoption(signed_in, manager, physicist):
    assert "adopt_in_service" in signed_in(manager).get(CREATE).context["form"].fields
    assert "adopt_in_service" not in signed_in(physicist).get(CREATE).context["form"].fields


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"asset_tag": ""}, "asset_tag"),
        ({"name": None}, "name"),
        ({"asset_tag": "alpha-ct1"}, "asset_tag"),
        ({"primary_modality": "XX"}, "primary_modality"),
        ({"primary_modality": ""}, "primary_modality"),
        ({"primary_modality": "", "other_modalities": ["CT"]}, "primary_modality"),
        ({"category": "spaceship"}, "category"),
        ({"site": "abc"}, "site"),
        ({"location": "first floor"}, "location"),
        ({"asset_tag": "X" * 51}, "asset_tag"),
    ],
)
def test_bad_input_on_the_create_form_is_400_with_a_field_error(
    fields, field, signed_in, physicist, site_a, fleet
):
    response = signed_in(physicist).post(CREATE, form_data(site_a, **fields))

    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors
    assert 'aria-invalid="true"' in text(response) or "is-invalid" in text(response)
    assert Equipment.objects.count() == 4


@pytest.mark.req("11.10(d)")
def test_another_sites_site_or_location_is_a_field_error(signed_in, physicist, site_a, fleet):
    client = signed_in(physicist)

    by_site = client.post(CREATE, form_data(fleet["beta_ct"].site))
    by_location = client.post(CREATE, form_data(site_a, location=fleet["beta_ct"].location_id))

    assert by_site.status_code == 400
    assert "site" in by_site.context["form"].errors
    assert by_location.status_code == 400
    assert "location" in by_location.context["form"].errors
    assert Equipment.objects.count() == 4


def test_a_location_of_another_of_my_sites_is_a_field_error(
    signed_in, person, site_a, site_b, fleet
):
    manager = person(Role.MANAGER, site_a)
    factories.MembershipFactory(user=manager, site=site_b, role=Role.MANAGER)

    response = signed_in(manager).post(
        CREATE, form_data(site_a, location=fleet["beta_ct"].location_id)
    )

    assert response.status_code == 400
    assert "location" in response.context["form"].errors


@pytest.mark.req("11.10(d)")
def test_a_technician_cannot_add_equipment(signed_in, tech, site_a):
    response = signed_in(tech).post(CREATE, form_data(site_a))

    assert response.status_code == 403
    assert response.context["form"].non_field_errors()
    assert not Equipment.objects.exists()


def test_the_edit_form_starts_from_the_machine_and_saves_changes(signed_in, physicist, fleet):
    pet_ct = fleet["pet_ct"]
    client = signed_in(physicist)
    form = client.get(edit(pet_ct)).context["form"]

    assert form.initial["asset_tag"] == "ALPHA-PETCT"
    assert (form.initial["primary_modality"], form.initial["other_modalities"]) == ("PT", ["CT"])
    data = {
        **{k: v for k, v in form.initial.items() if v is not None},
        "name": "PET/CT Vision",
        "location": pet_ct.location_id,
    }
    response = client.post(edit(pet_ct), data)

    assert response.status_code == 302
    pet_ct.refresh_from_db()
    assert (pet_ct.name, pet_ct.modalities) == ("PET/CT Vision", ["PT", "CT"])
    assert pet_ct.status == S.OUT_OF_SERVICE


def test_the_edit_form_cannot_change_the_site_or_the_status(signed_in, person, fleet, site_a):
    manager = person(Role.MANAGER, site_a)
    factories.MembershipFactory(user=manager, site=fleet["beta_ct"].site, role=Role.MANAGER)
    ct = fleet["ct"]

    response = signed_in(manager).post(
        edit(ct),
        form_data(
            fleet["beta_ct"].site, asset_tag="ALPHA-CT1", primary_modality="CT", status="retired"
        ),
    )

    assert response.status_code == 302
    ct.refresh_from_db()
    assert (ct.site, ct.status) == (site_a, S.IN_SERVICE)


def test_bad_input_on_the_edit_form_is_400_and_saves_nothing(signed_in, physicist, fleet):
    ct = fleet["ct"]

    response = signed_in(physicist).post(
        edit(ct), form_data(ct.site, asset_tag="ALPHA-PETCT", name="Renamed")
    )

    assert response.status_code == 400
    assert "asset_tag" in response.context["form"].errors
    ct.refresh_from_db()
    assert (ct.asset_tag, ct.name) == ("ALPHA-CT1", "CT scanner")


# --- locations ----------------------------------------------------------------------------------


def test_the_locations_page_lists_the_users_rooms_with_their_equipment_counts(
    signed_in, tech, fleet
):
    response = signed_in(tech).get(LOCATIONS)

    assert response.status_code == 200
    rows = {(loc.room, loc.equipment_count) for loc in response.context["locations"]}
    assert rows == {("CT 1", 2), ("PET", 1)}


def test_the_locations_page_filters_by_area_class(signed_in, tech, fleet):
    response = signed_in(tech).get(LOCATIONS, {"area_class": "restricted"})

    assert [loc.room for loc in response.context["locations"]] == ["PET"]


def test_a_manager_adds_and_edits_a_location(signed_in, manager, site_a):
    client = signed_in(manager)
    data = {"site": site_a.pk, "building": "Main", "room": "MRI 1", "area_class": "mri_zone_4"}

    created = client.post(NEW_LOCATION, data)
    location = Location.objects.get(room="MRI 1")
    edited = client.post(
        reverse("equipment:location_edit", args=[location.pk]),
        {**data, "room": "MRI 2", "secured_storage": "on"},
    )

    assert (created.status_code, edited.status_code) == (302, 302)
    location.refresh_from_db()
    assert (location.room, location.secured_storage) == ("MRI 2", True)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"building": ""}, "building"),
        ({"room": ""}, "room"),
        ({"room": "ct 1"}, "room"),
        ({"area_class": "hot"}, "area_class"),
        ({"site": "abc"}, "site"),
    ],
)
def test_bad_location_input_is_400_with_a_field_error(fields, field, signed_in, manager, fleet):
    data = {
        "site": fleet["room"].site_id,
        "building": "Main",
        "room": "X-ray 1",
        "area_class": "controlled",
    } | fields

    response = signed_in(manager).post(NEW_LOCATION, data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert Location.objects.count() == 3


@pytest.mark.req("11.10(d)")
def test_another_sites_location_answers_404(signed_in, manager, fleet):
    url = reverse("equipment:location_edit", args=[fleet["beta_ct"].location_id])

    assert signed_in(manager).get(url).status_code == 404
    assert signed_in(manager).post(url, {"building": "X", "room": "Y"}).status_code == 404


@pytest.mark.req("11.10(d)")
def test_a_technician_cannot_add_a_location(signed_in, tech, site_a):
    response = signed_in(tech).post(
        NEW_LOCATION,
        {"site": site_a.pk, "building": "Main", "room": "X", "area_class": "controlled"},
    )

    assert response.status_code == 403
    assert not Location.objects.exists()


# --- the home page per role ---------------------------------------------------------------------


def test_a_manager_sees_equipment_by_status_at_each_site(signed_in, manager, fleet):
    response = signed_in(manager).get(HOME)

    assert "home/manager.html" in templates(response)
    (row,) = response.context["sites"]
    assert row["site"].code == "ALPHA"
    assert (row["total"], row["in_service"], row["out_of_service"]) == (3, 1, 1)
    assert row["awaiting_acceptance"] == 1


def test_a_technician_sees_what_is_out_of_service_at_their_sites(signed_in, tech, fleet):
    factories.EquipmentFactory(
        site=fleet["beta_ct"].site, asset_tag="BETA-MG1", status=S.OUT_OF_SERVICE
    )

    client = signed_in(tech)
    assert "home/technician.html" in templates(client.get(HOME))
    response = client.get(reverse("home_waiting"), headers={"HX-Request": "true"})
    assert [e.asset_tag for e in response.context["out_of_service"]] == ["ALPHA-PETCT"]
    assert "BETA-MG1" not in text(response)


def test_a_physicist_and_an_rso_get_the_working_home(signed_in, physicist, rso, fleet):
    assert "home/technician.html" in templates(signed_in(physicist).get(HOME))
    assert "home/technician.html" in templates(signed_in(rso).get(HOME))


def test_an_inspector_sees_their_access_and_its_end(signed_in, inspector, fleet):
    response = signed_in(inspector).get(HOME)

    assert "home/inspector.html" in templates(response)
    (access,) = response.context["access"]
    assert access.site.code == "ALPHA"
    assert access.expires_on.isoformat() in text(response)


def test_a_person_without_a_role_is_told_to_ask_for_one(signed_in):
    nobody = factories.UserFactory(username="newcomer")

    response = signed_in(nobody).get(HOME)

    assert response.status_code == 200
    assert "home/no_role.html" in templates(response)
    assert signed_in(nobody).get(LIST).context["equipment_list"].count() == 0


def test_a_superuser_gets_the_managers_home_over_every_site(signed_in, fleet):
    admin_user = factories.UserFactory(username="root", is_superuser=True, is_staff=True)

    response = signed_in(admin_user).get(HOME)

    assert [row["site"].code for row in response.context["sites"]] == ["ALPHA", "BETA"]


# --- the Django admin ---------------------------------------------------------------------------


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize("staff", [False, True])
def test_the_admin_refuses_everyone_but_superusers(staff, signed_in, manager):
    manager.is_staff = staff
    manager.save()

    response = signed_in(manager).get("/admin/")

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_the_admin_answers_a_superuser(signed_in):
    root = factories.UserFactory(username="root", is_superuser=True, is_staff=True)

    assert signed_in(root).get("/admin/").status_code == 200
    assert signed_in(root).get("/admin/equipment/equipment/").status_code == 200


@pytest.mark.parametrize(
    "model_admin", list(admin.site._registry.values()), ids=lambda m: m.model.__name__
)
def test_no_admin_list_offers_delete_selected(model_admin):
    root = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    request = RequestFactory().get("/admin/")
    request.user = root

    assert "delete_selected" not in model_admin.get_actions(request)
    if model_admin.model._meta.app_label in {"imaging_ops", "equipment"}:
        assert not model_admin.has_delete_permission(request)


def test_the_admin_cannot_edit_equipment_status(signed_in, fleet):
    root = factories.UserFactory(username="root", is_superuser=True, is_staff=True)

    response = signed_in(root).get(f"/admin/equipment/equipment/{fleet['ct'].pk}/change/")

    assert response.status_code == 200
    assert "status" not in response.context["adminform"].form.fields


def test_the_status_form_preselects_nothing(signed_in, tech, fleet):
    form = signed_in(tech).get(detail(fleet["ct"])).context["status_form"]
    assert form.fields["status"].choices[0] == ("", "Choose…")
    assert form["status"].value() in (None, "")


def test_a_technician_cannot_open_the_add_equipment_form(signed_in, tech):
    response = signed_in(tech).get("/equipment/new/")
    assert response.status_code == 403
    assert "not allowed to add equipment" in response.content.decode()


def test_an_rso_is_offered_to_edit_restricted_areas_only(client, rso, site_a):
    from imaging_ops.vocabulary import AreaClass
    from tests import factories

    hot_lab = factories.LocationFactory(
        site=site_a, room="Hot lab", area_class=AreaClass.RESTRICTED
    )
    ct_room = factories.LocationFactory(site=site_a, room="CT 1")
    client.force_login(rso)
    page = client.get("/equipment/locations/")
    offered = {loc.pk: loc.may_edit for loc in page.context["locations"]}
    assert offered == {hot_lab.pk: True, ct_room.pk: False}
    assert client.get(f"/equipment/locations/{hot_lab.pk}/edit/").status_code == 200
    assert client.get(f"/equipment/locations/{ct_room.pk}/edit/").status_code == 403


def test_the_location_filter_offers_one_sites_rooms(client, person, site_a, site_b):
    manager = person(Role.MANAGER, site_a, username="two-sites")
    factories.MembershipFactory(user=manager, site=site_b, role=Role.MANAGER)
    room_a = factories.LocationFactory(site=site_a, room="CT 1")
    room_b = factories.LocationFactory(site=site_b, room="MR 1")
    client.force_login(manager)
    assert client.get("/equipment/").context["location_choices"] == []
    assert client.get("/equipment/", {"site": site_a.pk}).context["location_choices"] == [room_a]
    chosen = client.get("/equipment/", {"location": room_b.pk})
    assert chosen.context["location_choices"] == [room_b]
    assert "Choose a site for rooms" in client.get("/equipment/").content.decode()
