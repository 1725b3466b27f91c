"""`manage.py seed_demo`: two sites, their people and equipment, and nothing new on a rerun."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import F

from equipment.models import Category, Equipment, EquipmentStatusChange, Location
from imaging_ops.models import Site, SiteIdentifier, SiteMembership, User
from imaging_ops.vocabulary import AreaClass, Role

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "imaging-ops-demo"
USERS = ("tech", "physicist", "rso", "inspector", "manager")


@pytest.fixture
def seeded():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def roles_of(username) -> set[tuple[str, str]]:
    return set(
        SiteMembership.objects.filter(user__username=username, is_active=True).values_list(
            "site__code", "role"
        )
    )


def test_two_sites_with_their_licences(seeded):
    sites = list(Site.objects.order_by("pk"))

    assert len(sites) == 2
    for site in sites:
        assert SiteIdentifier.objects.filter(site=site).exists()


def test_at_least_40_pieces_of_equipment_across_the_modalities(seeded):
    modalities = {
        code for row in Equipment.objects.values_list("modalities", flat=True) for code in row
    }

    assert Equipment.objects.count() >= 40
    assert modalities >= {"CT", "MR", "DX", "MG", "US", "NM", "PT"}


def test_a_pet_ct_has_pt_first_and_ct_second(seeded):
    pet_cts = [e for e in Equipment.objects.all() if e.modalities == ["PT", "CT"]]

    assert pet_cts
    assert {e.modality for e in pet_cts} == {"PT"}


def test_qa_instruments_and_a_sealed_source_in_a_restricted_area(seeded):
    assert Equipment.objects.filter(category=Category.QA_INSTRUMENT).exists()
    source = Equipment.objects.filter(category=Category.SEALED_SOURCE).first()
    assert source is not None
    assert source.location.area_class == AreaClass.RESTRICTED


def test_every_piece_stands_in_a_room_of_its_own_site(seeded):
    assert not Equipment.objects.filter(location__isnull=True).exists()
    assert not Equipment.objects.exclude(location__site=F("site")).exists()


def test_the_demo_people_sign_in_with_the_demo_password(seeded):
    for username in USERS:
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username


def test_the_demo_people_hold_the_roles_the_issue_names(seeded):
    first, second = Site.objects.order_by("pk").values_list("code", flat=True)

    assert roles_of("tech") == {(first, Role.TECHNICIAN)}
    assert roles_of("physicist") == {(first, Role.PHYSICIST)}
    assert roles_of("rso") == {(first, Role.RSO)}
    assert roles_of("inspector") == {(first, Role.INSPECTOR)}
    assert roles_of("manager") == {(first, Role.MANAGER), (second, Role.MANAGER)}


def test_the_demo_inspectors_access_expires(seeded):
    membership = SiteMembership.objects.get(user__username="inspector")

    assert membership.expires_on is not None


def test_status_history_is_written_through_the_service(seeded):
    """Adopted equipment carries its adoption; nothing reached a status without a change row."""
    assert EquipmentStatusChange.objects.filter(kind="adoption").exists()
    for equipment in Equipment.objects.exclude(status="awaiting_acceptance"):
        latest = equipment.status_changes.first()
        assert latest is not None and latest.to_status == equipment.status, equipment.asset_tag


def test_the_output_names_the_demo_password(seeded):
    assert DEMO_PASSWORD in seeded


def test_running_it_twice_creates_nothing_new(seeded):
    def counts():
        return {
            model.__name__: model.objects.count()
            for model in (
                Site,
                SiteIdentifier,
                User,
                SiteMembership,
                Location,
                Equipment,
                EquipmentStatusChange,
            )
        }

    before = counts()

    call_command("seed_demo", stdout=StringIO())

    assert counts() == before


def test_a_rerun_leaves_a_changed_password_alone(seeded):
    tech = User.objects.get(username="tech")
    tech.set_password("a new and private password")
    tech.save()

    call_command("seed_demo", stdout=StringIO())

    assert authenticate(username="tech", password="a new and private password") is not None
