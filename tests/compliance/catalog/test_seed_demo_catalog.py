"""`manage.py seed_demo` loads the catalog and runs part of it at each demo site: the site's
copies, scheduled on the matching units; a second run changes nothing."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from compliance.catalog.shipped import catalog_entries
from compliance.management.commands.seed_demo import DEMO_CATALOG
from equipment.models import Procedure, Reference, Schedule
from imaging_ops.models import AuditEvent, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def scheduled(site_code, code):
    return set(
        Schedule.objects.filter(procedure__site__code=site_code, procedure__code=code).values_list(
            "equipment__asset_tag", flat=True
        )
    )


def test_the_demo_library_holds_the_whole_catalog(seeded):
    assert Procedure.objects.filter(site=None).count() == len(catalog_entries())
    assert "The regulatory catalog is in the library" in seeded


def test_each_demo_site_runs_its_copies_on_the_matching_units(seeded):
    for site in ("MAIN", "NORTH"):
        copies = Procedure.objects.filter(site__code=site, copied_from__isnull=False)
        # The main site, whose history the demo writes, also calibrates its survey meters.
        expected = {row[0] for row in DEMO_CATALOG} | (
            {"NRC-SURVEY-METER-CAL"} if site == "MAIN" else set()
        )
        assert set(copies.values_list("code", flat=True)) == expected
        assert scheduled(site, "ACR-CT-DAILY-WATER") == {
            f"{site}-CT1",
            f"{site}-CT2",
            f"{site}-PETCT",
        }
        assert scheduled(site, "NRC-LEAK-TEST") == {f"{site}-SRC1", f"{site}-SRC2", f"{site}-SRC3"}
        assert scheduled(site, "NRC-DC-CONSTANCY") == {f"{site}-DC1"}
        assert scheduled(site, "MQSA-ANNUAL-SURVEY") == {f"{site}-MG1", f"{site}-MG2"}
    assert scheduled("MAIN", "NRC-SURVEY-METER-CAL") == {"MAIN-SM1", "MAIN-SM2"}


def test_the_percent_checks_have_their_baseline(seeded):
    ct = Schedule.objects.get(equipment__asset_tag="MAIN-CT1", procedure__code="ACR-CT-DAILY-WATER")
    assert Reference.objects.get(schedule=ct, check_key="water_noise").value == Decimal("5.2")


def test_the_library_administrator_cannot_sign_in(seeded):
    admin = User.objects.get(username="demo-library")
    assert admin.is_superuser and not admin.has_usable_password()


def test_seed_demo_twice_gives_the_same_counts(seeded):
    def counts():
        return [
            model.objects.count() for model in (Procedure, Schedule, Reference, User, AuditEvent)
        ]

    before = counts()
    call_command("seed_demo", stdout=StringIO())
    assert counts() == before
