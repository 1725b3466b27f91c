"""One procedure's page: what its current version says, its checks in order with each numeric
band drawn as a number line, its versions, its library original, and the actions offered to
those allowed to take them."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from equipment.models import Category, ProcedureKind
from equipment.services.procedures import (
    copy_library_procedure,
    create_procedure,
    new_procedure_version,
)
from imaging_ops.vocabulary import Role
from tests.equipment.conftest import CTDI, NOW, WIPE

pytestmark = pytest.mark.django_db


def detail(procedure):
    return reverse("equipment:procedure_detail", args=[procedure.pk])


def page(client, procedure) -> str:
    response = client.get(detail(procedure))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def survey(physicist, site_a):
    """A physicist's annual survey with every field filled in and three kinds of check."""
    return create_procedure(
        actor=physicist,
        site=site_a,
        code="MG-SURVEY",
        kind=ProcedureKind.PHYSICIST_SURVEY,
        now=NOW,
        name="Mammography annual survey",
        modalities=["MG"],
        categories=[Category.IMAGING_SYSTEM],
        citation="21 CFR 900.12(e)(9)",
        instructions="Follow the ACR manual.\nReport within 30 days.",
        performer_roles=[Role.PHYSICIST],
        external_allowed=True,
        required_after=["installation", "major_repair"],
        default_anchor="from_completion",
        default_interval_months=12,
        default_early_days=30,
        default_grace_days=30,
        default_hard_limit_months=14,
        checks=[
            CTDI,
            {
                "key": "phantom",
                "name": "Phantom score",
                "kind": "choice",
                "choices": ["4 fibres", "3 fibres", "2 fibres"],
                "passing_choices": ["4 fibres", "3 fibres"],
            },
            WIPE,
        ],
    )


def test_the_page_shows_the_current_versions_facts(signed_in, tech, survey):
    text = page(signed_in(tech), survey)
    assert "Mammography annual survey" in text
    assert "21 CFR 900.12(e)(9)" in text
    assert "Report within 30 days." in text
    assert "Physicist; an outside vendor or physicist may perform it" in text
    assert "Installation, Major repair" in text
    assert "Imaging system" in text
    assert (
        "Every 12 months, counted from the last completion; open 30 days early and 30 days of "
        "grace; never more than 14 months after the last completion."
    ) in text


def test_checks_are_listed_in_order_with_their_bands_as_number_lines(signed_in, tech, survey):
    text = page(signed_in(tech), survey)
    assert text.index("check-ctdi") < text.index("check-phantom") < text.index("check-wipe")
    svgs = re.findall(r"<svg class=\"band-line.*?</svg>", text, re.S)
    assert len(svgs) == 2  # the two numeric checks; the choice check has none
    ctdi, wipe = svgs
    assert 'role="img"' in ctdi and 'aria-labelledby="check-ctdi-title check-ctdi-desc"' in ctdi
    assert '<title id="check-ctdi-title">Limits of CTDIvol, head phantom</title>' in ctdi
    assert "From \u221210 % (included) to +10 % (included): pass." in ctdi
    # Four limits, all inclusive: four filled dots; the leak test's one exclusive limit: open.
    assert ctdi.count('fill="#212529" stroke="#212529"') == 4
    assert wipe.count('fill="#ffffff" stroke="#212529"') == 1
    assert "At or above 185 Bq: action." in wipe
    # Coordinates are plain numbers, whatever the locale.
    assert re.search(r'cx="[0-9.]+"', ctdi)
    assert "Action high: 185 Bq (exclusive)" in text
    assert "Tolerance low: \u221210 % of the reference (inclusive)" in text


def test_choice_and_failure_behaviour_are_said(signed_in, tech, survey):
    text = re.sub(r"<[^>]+>", "", page(signed_in(tech), survey))
    assert "4 fibres (passes), 3 fibres (passes), 2 fibres" in text
    assert "On failure: stop clinical use; correct at once." in text


def test_the_version_history_names_who_when_and_why(signed_in, tech, manager, survey):
    new_procedure_version(
        actor=manager, procedure=survey, reason="Phantom scoring per 2026 manual", now=NOW
    )
    text = page(signed_in(tech), survey)
    history = text[text.index('id="versions"') :]
    assert "Phantom scoring per 2026 manual" in history and "First version" in history
    assert manager.display_name in history
    # In the site's time zone: 09:00 in New York.
    assert "2026-03-04 09:00 EST" in history


def test_another_sites_procedure_answers_404(signed_in, person, site_b, survey):
    response = signed_in(person(Role.MANAGER, site_b)).get(detail(survey))
    assert response.status_code == 404


def test_a_copy_links_to_its_original_and_says_when_the_library_is_newer(
    signed_in, admin, manager, site_a, library_qc
):
    copy = copy_library_procedure(actor=manager, procedure=library_qc, site=site_a, now=NOW)
    client = signed_in(manager)
    text = page(client, copy)
    assert detail(library_qc) in text and "newer version" not in text
    new_procedure_version(
        actor=admin, procedure=library_qc, reason="2026", now=NOW.replace(day=9), name="New"
    )
    text = page(client, copy)
    assert "The library has a newer version than this copy" in text and "version 2" in text
    # The library's page lists the site's copy.
    assert detail(copy) in page(client, library_qc)


ACTIONS = ("procedure_edit", "procedure_assign", "procedure_copy")


def offered(client, procedure) -> set[str]:
    text = page(client, procedure)
    return {name for name in ACTIONS if reverse(f"equipment:{name}", args=[procedure.pk]) in text}


@pytest.mark.parametrize(
    ("role", "actions"),
    [
        (Role.MANAGER, {"procedure_edit", "procedure_assign"}),
        (Role.PHYSICIST, {"procedure_edit", "procedure_assign"}),
        (Role.RSO, set()),
        (Role.TECHNICIAN, set()),
        (Role.INSPECTOR, set()),
    ],
)
def test_edit_and_assign_are_offered_to_those_who_may(
    signed_in, person, site_a, survey, role, actions
):
    assert offered(signed_in(person(role, site_a)), survey) == actions


def test_the_rso_is_offered_the_leak_test_but_not_the_survey(signed_in, rso, leak_test, survey):
    client = signed_in(rso)
    assert offered(client, leak_test) == {"procedure_edit", "procedure_assign"}
    assert offered(client, survey) == set()


def test_a_library_procedure_offers_copy_to_site_editors_and_edit_to_administrators(
    signed_in, admin, manager, tech, rso, library_qc, library_leak
):
    assert offered(signed_in(manager), library_qc) == {"procedure_copy"}
    assert offered(signed_in(tech), library_qc) == set()
    assert offered(signed_in(rso), library_qc) == set()
    assert offered(signed_in(rso), library_leak) == {"procedure_copy"}
    assert offered(signed_in(admin), library_qc) == {"procedure_edit", "procedure_copy"}


def test_once_copied_the_site_is_not_offered_the_copy_again(signed_in, manager, site_a, library_qc):
    copy_library_procedure(actor=manager, procedure=library_qc, site=site_a, now=NOW)
    assert offered(signed_in(manager), library_qc) == set()


def test_the_page_runs_the_same_queries_for_2_and_40_checks_and_many_versions(
    signed_in, manager, site_a
):
    def numeric(n):
        return {**CTDI, "key": f"c{n}", "name": f"Check {n}"}

    procedure = create_procedure(
        actor=manager, site=site_a, code="MANY", kind="qc", now=NOW, name="Many",
        checks=[numeric(0), WIPE],
    )  # fmt: skip
    client = signed_in(manager)

    def count():
        client.get(detail(procedure))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(detail(procedure)).status_code == 200
        return len(captured)

    small = count()
    for n in range(8):
        new_procedure_version(
            actor=manager,
            procedure=procedure,
            reason=f"Round {n}",
            now=NOW,
            checks=[numeric(i) for i in range(40)],
        )
    assert count() == small
