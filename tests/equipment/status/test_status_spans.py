"""Each status change knows until when it stood: the machine's first later change, kept as
changes are written (in order, or a change recorded after a later one)."""

from datetime import UTC, datetime, timedelta

import pytest

from equipment.models import EquipmentStatus, EquipmentStatusChange
from tests import factories

pytestmark = pytest.mark.django_db

S = EquipmentStatus
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def change(equipment, actor, at, to):
    return EquipmentStatusChange.objects.create(
        equipment=equipment, to_status=to, reason="History", actor=actor, changed_at=at
    )


def ends(equipment):
    return list(
        EquipmentStatusChange.objects.filter(equipment=equipment)
        .order_by("changed_at")
        .values_list("to_status", "ended_at")
    )


def test_a_change_ends_the_one_before_it_and_the_latest_stands(site_a, manager):
    ct = factories.EquipmentFactory(site=site_a)
    other = factories.EquipmentFactory(site=site_a)
    change(ct, manager, T0, S.IN_SERVICE)
    change(other, manager, T0 + HOUR, S.IN_SERVICE)
    change(ct, manager, T0 + 2 * HOUR, S.OUT_OF_SERVICE)
    change(ct, manager, T0 + 5 * HOUR, S.IN_SERVICE)
    assert ends(ct) == [
        (S.IN_SERVICE, T0 + 2 * HOUR),
        (S.OUT_OF_SERVICE, T0 + 5 * HOUR),
        (S.IN_SERVICE, None),
    ]
    assert ends(other) == [(S.IN_SERVICE, None)]  # another machine's change ends nothing here


def test_a_change_recorded_after_a_later_one_slots_in_between(site_a, manager):
    ct = factories.EquipmentFactory(site=site_a)
    change(ct, manager, T0, S.IN_SERVICE)
    change(ct, manager, T0 + 5 * HOUR, S.IN_SERVICE)
    change(ct, manager, T0 + 2 * HOUR, S.OUT_OF_SERVICE)
    assert ends(ct) == [
        (S.IN_SERVICE, T0 + 2 * HOUR),
        (S.OUT_OF_SERVICE, T0 + 5 * HOUR),
        (S.IN_SERVICE, None),
    ]
