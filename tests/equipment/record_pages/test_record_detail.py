"""One record's page: everything it says in the site's time, each measurement with the band
then in force, signatures with their manifestation, versions with their reasons, the void
state and the audit history; 404 outside the site; the same queries however many
measurements and versions."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from equipment.models import ProcedureKind
from equipment.services.procedures import create_procedure
from equipment.services.records import amend_service_record, void_service_record
from equipment.services.schedules import create_schedule
from tests.equipment.conftest import NOW
from tests.equipment.record_pages.conftest import pdf, record, sign, values_for

pytestmark = pytest.mark.django_db


def page(client, made) -> str:
    response = client.get(f"/equipment/records/{made.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_what_the_record_says(client, tech, daily):
    made = record(
        daily,
        tech,
        values=values_for(daily, ma="106", noise="5.2"),
        performed_at=NOW - timedelta(hours=2, minutes=30),
        comments="Phantom centred again.",
        attachments=[pdf("daily report.pdf")],
    )
    client.force_login(tech)
    html = page(client, made)
    version = made.current_version
    assert "CT-DAILY version 1 — CT daily QC" in html
    assert "2026-03-04 06:30 EST (UTC\u221205:00)" in html  # performed, at the site
    assert "2026-03-04 09:00 EST" in html  # recorded
    assert version.get_timeliness_display() in html and "met the occurrence due" in html
    # Each measurement: the value as typed, the band then in force, the result and the limit.
    assert ">106</bdi> mA" in html and "crossed Tolerance high (105 mA)" in html
    assert "reference 5" in html and "Noise, % of baseline" in html
    assert 'class="band-line' in html and "Tolerance high: 105 mA" in html
    assert "Phantom centred again." in html
    attachment = version.attachments.get()
    assert f"/equipment/records/attachments/{attachment.pk}/" in html and attachment.sha256 in html
    assert "Signature verified" in html and "— Performed" in html and "tess" in html
    assert "Audit history" in html
    assert f"/equipment/records/{made.pk}/amend/" in html  # her own record, before review
    assert f"/equipment/records/{made.pk}/sign/" in html


def test_amendments_show_their_reason_beside_what_they_superseded(client, tech, manager, daily):
    made = record(daily, tech)
    amend_service_record(
        actor=tech,
        record=made,
        reason="Typed the noise of yesterday",
        now=NOW,
        performed_at=made.performed_at,
        values=values_for(daily, noise="5.1"),
        signature=sign(username="tess"),
    )
    void_service_record(actor=manager, record=made, reason="Phantom was the wrong one", now=NOW)
    client.force_login(tech)
    html = page(client, made)
    assert "Current version (2)" in html and "Version 1 (superseded)" in html
    assert "Amendment of version 1. Reason: <bdi" in html
    assert "Typed the noise of yesterday" in html and ">5.1</bdi>" in html and ">5.2</bdi>" in html
    assert "Voided 2026-03-04 09:00 EST" in html and "Phantom was the wrong one" in html
    assert f"/equipment/records/{made.pk}/amend/" not in html  # a void record offers nothing


def test_an_outside_performers_record_waits_for_its_countersignature(client, tech, daily):
    made = record(
        daily,
        tech,
        signature=False,
        external={"name": "Fred Field", "organisation": "Vendor Inc.", "credentials": "FSE"},
        attachments=[pdf()],
    )
    client.force_login(tech)
    html = page(client, made)
    assert "Fred Field" in html and "Vendor Inc." in html and "FSE" in html
    assert "Awaiting review" in html and "Countersign as reviewed" in html
    assert "Not signed yet." in html


def test_other_sites_and_expired_inspectors_get_404(client, person, site_b, site_a, tech, daily):
    made = record(daily, tech)
    client.force_login(person("manager", site_b))
    assert client.get(f"/equipment/records/{made.pk}/").status_code == 404
    client.force_login(person("inspector", site_b))
    assert client.get(f"/equipment/records/{made.pk}/").status_code == 404
    # An inspector whose access ended may no longer act: the session ends, the page is not shown.
    expired = person("inspector", site_a, username="old-inspector", expires_on=NOW.date())
    client.force_login(expired)
    response = client.get(f"/equipment/records/{made.pk}/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_inspector_reads_the_record_but_is_offered_no_action(client, inspector, tech, daily):
    made = record(daily, tech)
    client.force_login(inspector)
    html = page(client, made)
    assert "Signature verified" in html
    assert "/amend/" not in html and "/void/" not in html and "/sign/" not in html


def scheduled_checks(manager, site, equipment, count: int):
    """A daily procedure of `count` numeric checks on the equipment, scheduled."""
    checks = [
        {
            "key": f"c{n}",
            "name": f"Check {n}",
            "kind": "numeric",
            "unit": "HU",
            "tolerance_low": "-5",
            "tolerance_high": "5",
        }
        for n in range(count)
    ]
    procedure = create_procedure(
        actor=manager,
        site=site,
        code=f"CT-UNI{count}",
        kind=ProcedureKind.QC,
        now=NOW,
        name=f"CT uniformity, {count} points",
        modalities=["CT"],
        default_anchor="from_completion",
        default_interval_days=1,
        checks=checks,
    )
    return create_schedule(
        actor=manager,
        equipment=equipment,
        procedure=procedure,
        now=NOW,
        last_done=NOW - timedelta(days=1),
    )


def all_zero(schedule, count):
    checks = list(schedule.procedure.current_version.checks.order_by("position"))[:count]
    return {c.pk: "0" for c in checks}


def amended(made, actor, times):
    for n in range(times):
        amend_service_record(
            actor=actor,
            record=made,
            reason=f"Correction {n}",
            now=NOW,
            performed_at=made.performed_at,
            values={m.procedure_check_id: "1" for m in made.current_version.measurements.all()},
            signature=sign(username=actor.username),
        )
        made.refresh_from_db()
    return made


def count_page(client, made) -> int:
    client.get(f"/equipment/records/{made.pk}/")  # warm up
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/equipment/records/{made.pk}/").status_code == 200
    return len(queries)


def test_the_page_runs_the_same_queries_for_2_or_30_measurements_and_1_or_5_versions(
    client, tech, manager, site_a, ct
):
    """The audit history is capped by its own limit; everything else is prefetched."""
    narrow = scheduled_checks(manager, site_a, ct, 2)
    wide = scheduled_checks(manager, site_a, ct, 30)
    small = record(narrow, tech, values=all_zero(narrow, 2))
    client.force_login(tech)
    baseline = count_page(client, small)
    large = record(wide, tech, values=all_zero(wide, 30))
    assert large.current_version.measurements.count() == 30
    assert count_page(client, large) == baseline
    amended(large, tech, 4)
    assert large.current_version.number == 5
    assert count_page(client, large) == baseline


def test_the_equipment_pages_latest_records_lead_to_each_record_and_the_list(
    client, tech, daily, ct
):
    made = record(daily, tech)
    client.force_login(tech)
    html = client.get(f"/equipment/{ct.pk}/").content.decode()
    assert f'href="/equipment/records/{made.pk}/"' in html
    assert f'href="/equipment/{ct.pk}/records/">All records</a>' in html
