"""The monthly completion figures (the dashboard's on-time chart) kept by the record service:
a signature counts in its UTC month, an amendment moves it, a void takes it out, a change of
the machine's primary modality moves its months, and after all of it the figures are the
ones a rebuild from the records makes."""

from datetime import date, timedelta

import pytest

from equipment.models import CompletionMonth
from equipment.services.records import (
    amend_service_record,
    sign_service_record,
    void_service_record,
)
from equipment.services.registry import update_equipment
from equipment.services.rollups import month_of, rebuild_completion_months
from tests.equipment.conftest import NOW
from tests.equipment.records.conftest import sign, values_for
from tests.equipment.records.test_record_service import record

pytestmark = pytest.mark.django_db

MARCH, FEBRUARY = date(2026, 3, 1), date(2026, 2, 1)


def figures() -> dict:
    return {
        (row.site_id, row.modality, row.month): (row.total, row.on_time)
        for row in CompletionMonth.objects.all()
        if row.total
    }


def rebuilt() -> dict:
    kept = figures()
    rebuild_completion_months()
    assert figures() == kept, "the kept figures differ from the records"
    return kept


def test_a_signed_record_counts_in_its_month_and_an_unsigned_one_waits(tech, daily, site_a):
    assert month_of(NOW) == MARCH
    made = record(daily, tech, signature=False)
    assert figures() == {}
    sign_service_record(
        record=made, signer=tech, now=NOW, meaning="performed", **sign(username=tech.username)
    )
    assert rebuilt() == {(site_a.pk, "CT", MARCH): (1, 1)}


def test_an_amendment_moves_the_record_to_its_new_month_and_a_void_removes_it(
    tech, manager, daily, site_a
):
    made = record(daily, tech)
    assert figures() == {(site_a.pk, "CT", MARCH): (1, 1)}
    amend_service_record(
        actor=tech,
        record=made,
        reason="The work was done before the month ended",
        now=NOW,
        performed_at=NOW - timedelta(days=5),
        values=values_for(daily),
        signature=sign(username=tech.username),
    )
    made.refresh_from_db()
    on_time = int(made.current_version.timeliness in ("early", "on_time", "in_grace"))
    assert rebuilt() == {(site_a.pk, "CT", FEBRUARY): (1, on_time)}
    void_service_record(actor=manager, record=made, reason="Wrong machine", now=NOW)
    assert rebuilt() == {}


def test_a_new_primary_modality_moves_the_machines_months(tech, manager, daily, ct, site_a):
    record(daily, tech)
    update_equipment(actor=manager, equipment=ct, modalities=["PT", "CT"])
    assert rebuilt() == {(site_a.pk, "PT", MARCH): (1, 1)}
