"""The equipment page shows the machine's missed days that nobody has explained yet, newest
first, linked to the missed-days page, in the same queries for 10 and for 500 missed days."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from equipment.models import MissedOccurrence
from equipment.services.missed import annotate_missed
from tests.equipment.missed.builders import NOW, add_missed, overdue_daily_qc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_equipment_page_lists_its_unexplained_missed_days(client, tech, manager, site_a):
    qc = overdue_daily_qc(manager, site_a)
    other = overdue_daily_qc(manager, site_a, tag="ALPHA-CT2", procedure=qc.procedure)
    monday = MissedOccurrence.objects.get(schedule=qc, day=date(2026, 3, 2))
    annotate_missed(actor=tech, occurrences=[monday], annotation="Unit not used", now=NOW)
    client.force_login(tech)

    page = client.get(reverse("equipment:detail", args=[qc.equipment_id]))

    missed = page.context["unexplained_missed"]
    assert [m.day for m in missed] == [date(2026, 3, 3)] and missed.count == 1
    text = page.content.decode()
    section = text[text.index('id="missed"') :]
    assert "Tue 2026-03-03 · CT-DAILY" in section
    assert f"{reverse('equipment:missed_list')}?equipment={qc.equipment_id}&amp;annotated=no" in (
        section
    )
    assert other.equipment.asset_tag not in section


def test_every_day_explained_says_so(client, tech, manager, site_a):
    qc = overdue_daily_qc(manager, site_a)
    annotate_missed(
        actor=tech, occurrences=MissedOccurrence.objects.all(), annotation="Site closed", now=NOW
    )
    client.force_login(tech)
    page = client.get(reverse("equipment:detail", args=[qc.equipment_id]))
    assert "Every missed day of this equipment has a reason" in page.content.decode()


def test_the_equipment_page_runs_the_same_queries_for_10_and_500_missed_days(
    client, tech, manager, site_a
):
    qc = overdue_daily_qc(manager, site_a)
    url = reverse("equipment:detail", args=[qc.equipment_id])
    add_missed([qc], [date(2025, 1, 1) + timedelta(days=n) for n in range(8)])
    client.force_login(tech)
    client.get(url)  # warm up

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    ten = count()
    add_missed([qc], [date(2023, 1, 1) + timedelta(days=n) for n in range(490)])
    assert MissedOccurrence.objects.count() == 500
    assert count() == ten
