"""The status form shows every error of one submit at once: a missing reason beside a missing
high-risk confirmation, and nothing changes."""

import pytest
from django.urls import reverse

from equipment.models import Equipment, EquipmentStatus
from tests import factories

pytestmark = pytest.mark.django_db
S = EquipmentStatus


def test_no_reason_and_no_confirmation_show_together(client, tech, site_a):
    ct = factories.EquipmentFactory(
        site=site_a, asset_tag="ALPHA-CT1", high_risk=True, status=S.IN_SERVICE
    )
    client.force_login(tech)

    response = client.post(
        reverse("equipment:status", args=[ct.pk]), {"status": S.OUT_OF_SERVICE, "reason": ""}
    )

    assert response.status_code == 400
    errors = response.context["status_form"].errors
    assert set(errors) == {"reason", "confirm_high_risk"}
    assert Equipment.objects.get(pk=ct.pk).status == S.IN_SERVICE


def test_an_inspector_posting_a_status_change_is_refused(client, inspector, site_a):
    ct = factories.EquipmentFactory(site=site_a, status=S.IN_SERVICE)
    client.force_login(inspector)

    response = client.post(
        reverse("equipment:status", args=[ct.pk]), {"status": S.OUT_OF_SERVICE, "reason": ""}
    )

    assert response.status_code == 403
    assert Equipment.objects.get(pk=ct.pk).status == S.IN_SERVICE
