"""The benchmark's equipment log case at a tiny size: it finds the machine, takes the period of
its latest records, renders, signs and lays out the bare table, and traces memory; and the
generator's long history is sized for the entries the case asks for."""

from datetime import timedelta

import pytest

from bench import equipment_log
from bench.generator import long_log
from bench.generator.maintenance import PROCEDURES
from imaging_ops.models import Site
from tests.compliance.logs_support import record
from tests.equipment.conftest import NOW

pytestmark = pytest.mark.django_db


def test_the_log_case_renders_signs_and_compares_a_machines_latest_records(
    zoe, daily, ct, monkeypatch
):
    for days_ago in (5, 3, 2, 1):
        record(daily, zoe, days_ago=days_ago)
    monkeypatch.setattr(long_log, "long_log_tag", lambda: ct.asset_tag)
    run = equipment_log.measure(runs=2, entries=3)
    assert run.error == ""
    # The latest three, from the day of the third newest (three days ago) on.
    third = (NOW - timedelta(days=3, minutes=10)).astimezone(ct.site.zone)
    assert run.entries == 3 and run.period[0] == third.date()
    assert len(run.total_s) == len(run.bare_s) == len(run.snapshot_s) == 2
    assert run.pages >= 1 and run.size_mib > 0 and run.peak_mib > run.size_mib
    assert run.quarter_entries == 1
    text = equipment_log.text(run)
    assert "Equipment log, 3 entries, render and sign" in text
    assert "Baseline: bare ReportLab LongTable of the same rows" in text
    section = "\n".join(equipment_log.section(run))
    assert "### Equipment log" in section and "its latest 3 service records" in section


def test_the_case_is_an_error_when_the_machine_has_too_few_records(zoe, daily, ct, monkeypatch):
    record(daily, zoe, days_ago=1)
    monkeypatch.setattr(long_log, "long_log_tag", lambda: ct.asset_tag)
    run = equipment_log.measure(runs=1, entries=5)
    assert "fewer than 5 records" in run.error
    assert "ERROR" in equipment_log.text(run)


def test_the_long_history_is_long_enough_for_its_entries():
    site = Site(code="BIG-MC", name="Big", clinical_days=[0, 1, 2, 3, 4, 5, 6])
    templates = [t for t in PROCEDURES if "CT" in t["applies_to"]] + long_log.OWN_PROCEDURES
    days = long_log._history_days(5_000, templates, site)
    daily = sum(1 for t in templates if long_log._is_daily(t))
    assert daily == 3
    # The daily schedules, less the skipped days, and the weekly one give the entries.
    assert days * (daily * (1 - long_log.SKIPPED) + 1 / 7) > 5_000
    assert 4 * 365 < days < 5 * 365
