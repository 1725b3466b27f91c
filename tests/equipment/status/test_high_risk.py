"""Taking high-risk equipment out of service: the person confirms it will be unavailable for
patients (on the page and through the API alike, because the service asks), and the site's
managers are told in the app, once per change."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from equipment.models import Equipment, EquipmentStatus, EquipmentStatusChange
from equipment.services.status import (
    HIGH_RISK_OUT_OF_SERVICE_NOTIFICATION,
    change_equipment_status,
)
from imaging_ops.models import Notification
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = pytest.mark.django_db

S = EquipmentStatus
CONFIRMATION = "I understand this high-risk equipment will be unavailable for patients"
UNCONFIRMED = (
    "ALPHA-CT1 is high-risk equipment: confirm that it will be unavailable for patients while "
    "it is out of service."
)


@pytest.fixture
def ct(site_a):
    return factories.EquipmentFactory(
        site=site_a, asset_tag="ALPHA-CT1", name="Emergency CT", high_risk=True, status=S.IN_SERVICE
    )


@pytest.fixture
def managers(person, site_a, site_b):
    """Two managers in force at Alpha, and managers who must not hear of Alpha's machines."""
    deactivated = person(Role.MANAGER, site_a, username="dora", is_active=False)
    left = person(Role.MANAGER, site_a, username="lena")
    left.is_active = False
    left.save()
    return {
        "alpha": [person(Role.MANAGER, site_a, username="mia"), person(Role.MANAGER, site_a)],
        # Two days back: one is still today at Alpha (New York) in the hours after midnight UTC.
        "expired": person(
            Role.MANAGER, site_a, username="ed", expires_on=factories.days_from_today(-2)
        ),
        "deactivated": deactivated,
        "left": left,
        "beta": person(Role.MANAGER, site_b, username="bea"),
    }


def outage_notices():
    return Notification.objects.filter(kind=HIGH_RISK_OUT_OF_SERVICE_NOTIFICATION)


def take_out(equipment, actor, **extra):
    return change_equipment_status(
        equipment=equipment,
        to=S.OUT_OF_SERVICE,
        reason="Tube arcing during warm-up.",
        actor=actor,
        **extra,
    )


# --- The service ------------------------------------------------------------------------------


def test_high_risk_equipment_goes_out_of_service_only_when_confirmed(ct, tech, managers):
    with pytest.raises(ValidationError) as refused:
        take_out(ct, tech)

    assert refused.value.message_dict == {"confirm_high_risk": [UNCONFIRMED]}
    ct.refresh_from_db()
    assert ct.status == S.IN_SERVICE
    assert not EquipmentStatusChange.objects.exists()
    assert not outage_notices().exists()


def test_a_missing_reason_and_confirmation_are_refused_together(ct, tech):
    with pytest.raises(ValidationError) as refused:
        change_equipment_status(equipment=ct, to=S.OUT_OF_SERVICE, reason=" ", actor=tech)

    assert set(refused.value.message_dict) == {"confirm_high_risk", "reason"}


def test_each_manager_in_force_at_the_site_is_told_once(ct, tech, managers):
    change = take_out(ct, tech, confirm_high_risk=True)

    ct.refresh_from_db()
    assert ct.status == S.OUT_OF_SERVICE
    notices = list(outage_notices().order_by("user__username"))
    assert sorted(n.user.username for n in notices) == sorted(u.username for u in managers["alpha"])
    notice = notices[0]
    assert notice.site == ct.site
    assert notice.url == reverse("equipment:detail", args=[ct.pk])
    assert notice.title == "High-risk equipment out of service: ALPHA-CT1 at ALPHA"
    assert tech.display_name in notice.body
    assert notice.body.endswith(
        "unavailable for patients until it is returned to service. "
        "Reason given: Tube arcing during warm-up."
    )
    assert notice.created_at == change.changed_at


def test_the_manager_who_takes_it_out_is_not_told_of_their_own_change(ct, managers):
    actor, other = managers["alpha"]

    take_out(ct, actor, confirm_high_risk=True)

    assert [n.user for n in outage_notices()] == [other]


def test_every_change_is_told_once_and_a_refused_one_not_at_all(ct, tech, manager):
    factories.signed_acceptance(actor=tech, equipment=ct)
    take_out(ct, tech, confirm_high_risk=True)
    with pytest.raises(ValidationError):  # already out of service: the table refuses
        take_out(ct, tech, confirm_high_risk=True)
    change_equipment_status(equipment=ct, to=S.IN_SERVICE, reason="Tube replaced.", actor=tech)
    take_out(ct, tech, confirm_high_risk=True)

    assert outage_notices().filter(user=manager).count() == 2


def test_other_changes_and_other_equipment_need_no_confirmation_and_tell_nobody(
    ct, tech, manager, site_a
):
    ordinary = factories.EquipmentFactory(site=site_a, status=S.IN_SERVICE, high_risk=False)
    factories.signed_acceptance(actor=tech, equipment=ct)

    take_out(ordinary, tech)
    take_out(ct, tech, confirm_high_risk=True)
    change_equipment_status(equipment=ct, to=S.IN_SERVICE, reason="Tube replaced.", actor=tech)

    assert Equipment.objects.get(pk=ordinary.pk).status == S.OUT_OF_SERVICE
    assert outage_notices().count() == 1  # the high-risk one going out, not its return


def test_the_stored_row_decides_whether_equipment_is_high_risk(ct, tech):
    """GIVEN a page loaded before the machine was marked high risk WHEN it is taken out of
    service from that page THEN the confirmation is asked for all the same."""
    stale = Equipment.objects.get(pk=ct.pk)
    stale.high_risk = False

    with pytest.raises(ValidationError) as refused:
        take_out(stale, tech)

    assert set(refused.value.message_dict) == {"confirm_high_risk"}
    assert not EquipmentStatusChange.objects.exists()


# --- The equipment page -----------------------------------------------------------------------


def detail(equipment):
    return reverse("equipment:detail", args=[equipment.pk])


def status_url(equipment):
    return reverse("equipment:status", args=[equipment.pk])


def test_the_page_asks_for_the_confirmation_on_high_risk_equipment_only(client, tech, ct, site_a):
    ordinary = factories.EquipmentFactory(site=site_a, status=S.IN_SERVICE)
    broken = factories.EquipmentFactory(site=site_a, status=S.OUT_OF_SERVICE, high_risk=True)
    client.force_login(tech)

    assert CONFIRMATION in client.get(detail(ct)).content.decode()
    assert CONFIRMATION not in client.get(detail(ordinary)).content.decode()
    assert CONFIRMATION not in client.get(detail(broken)).content.decode()  # cannot go out again


def test_an_unconfirmed_change_on_the_page_is_400_with_the_error_on_the_checkbox(
    client, tech, manager, ct
):
    client.force_login(tech)

    response = client.post(status_url(ct), {"status": S.OUT_OF_SERVICE, "reason": "Tube arcing."})

    assert response.status_code == 400
    assert response.context["status_form"].errors["confirm_high_risk"] == [UNCONFIRMED]
    assert Equipment.objects.get(pk=ct.pk).status == S.IN_SERVICE
    assert not outage_notices().exists()


def test_a_confirmed_change_on_the_page_takes_it_out_and_tells_the_manager(
    client, tech, manager, ct
):
    client.force_login(tech)

    response = client.post(
        status_url(ct),
        {"status": S.OUT_OF_SERVICE, "reason": "Tube arcing.", "confirm_high_risk": "on"},
    )

    assert response.status_code == 302
    assert Equipment.objects.get(pk=ct.pk).status == S.OUT_OF_SERVICE
    assert [n.user for n in outage_notices()] == [manager]
    client.force_login(manager)
    assert (
        "High-risk equipment out of service: ALPHA-CT1"
        in client.get("/notifications/").content.decode()
    )


# --- The API ----------------------------------------------------------------------------------


def api_status(equipment):
    return f"/api/v1/equipment/{equipment.pk}/status/"


def test_the_api_refuses_an_unconfirmed_change_with_a_field_error(api, tech, manager, ct):
    api.force_authenticate(tech)

    response = api.post(
        api_status(ct), {"status": S.OUT_OF_SERVICE, "reason": "Tube arcing."}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"confirm_high_risk": [UNCONFIRMED]}
    assert Equipment.objects.get(pk=ct.pk).status == S.IN_SERVICE
    assert not outage_notices().exists()


def test_the_api_refuses_a_confirmation_that_is_not_a_boolean(api, tech, ct):
    api.force_authenticate(tech)

    response = api.post(
        api_status(ct),
        {"status": S.OUT_OF_SERVICE, "reason": "Tube arcing.", "confirm_high_risk": "perhaps"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["confirm_high_risk"]
    assert Equipment.objects.get(pk=ct.pk).status == S.IN_SERVICE


def test_the_api_takes_it_out_when_confirmed_and_tells_the_manager(api, tech, manager, ct):
    api.force_authenticate(tech)

    response = api.post(
        api_status(ct),
        {"status": S.OUT_OF_SERVICE, "reason": "Tube arcing.", "confirm_high_risk": True},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["to_status"] == S.OUT_OF_SERVICE
    assert [n.user for n in outage_notices()] == [manager]
