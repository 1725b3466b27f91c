"""The acceptance note form shows every error of one submit at once: a date ahead of today
beside a blank summary, and nothing is saved."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from equipment.models import AcceptanceNote, EquipmentStatus
from tests import factories
from tests.page_errors import shown_on

pytestmark = pytest.mark.django_db


def test_a_future_date_and_a_blank_summary_show_together(client, physicist, site_a):
    unit = factories.EquipmentFactory(site=site_a, status=EquipmentStatus.AWAITING_ACCEPTANCE)
    ahead = site_a.today(timezone.now()) + timedelta(days=3)
    client.force_login(physicist)

    response = client.post(
        reverse("equipment:acceptance_create", args=[unit.pk]),
        {
            "accepted_on": ahead.isoformat(),
            "outcome": "accepted",
            "summary": "",
            "tests_performed": "Image quality, dose, safety",
        },
    )

    assert response.status_code == 400
    assert shown_on(response, "accepted_on") == ["The acceptance date cannot be in the future."]
    assert shown_on(response, "summary") == ["This field is required."]
    assert not AcceptanceNote.objects.exists()
