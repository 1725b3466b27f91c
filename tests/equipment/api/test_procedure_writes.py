"""Writing procedures through /api/v1/procedures/: create (a site's or the library's), a new
version, a copy of a library procedure; who may, at which sites; every kind of bad input
answered 400 with errors keyed by field path, nothing saved; the list's queries constant."""

import copy

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from equipment.models import Procedure, ProcedureVersion
from equipment.services.procedures import create_procedure
from equipment.services.schedules import create_schedule, set_reference
from imaging_ops.vocabulary import Role
from tests import factories
from tests.equipment.conftest import CTDI, NOW, WIPE
from tests.equipment.procedures.conftest import add_procedures

pytestmark = pytest.mark.django_db
URL = "/api/v1/procedures/"

BAND = {
    "key": "kvp",
    "name": "Tube voltage accuracy",
    "kind": "numeric",
    "unit": "kV",
    "action_low": "-10",
    "action_low_inclusive": False,
    "tolerance_low": "-5",
    "tolerance_high": "5",
    "tolerance_high_inclusive": True,
    "action_high": "10",
    "band_mode": "percent",
    "stop_use": True,
    "correct_within_days": 30,
}
CHECKS = [
    BAND,
    {"key": "lights", "name": "Collimator light works", "kind": "boolean", "stop_use": False},
    {
        "key": "grade",
        "name": "Image quality grade",
        "kind": "choice",
        "choices": ["good", "fair", "poor"],
        "passing_choices": ["good", "fair"],
        "correct_within_days": 0,
    },
    {"key": "notes", "name": "Notes", "kind": "text"},
]


def body(site=None, **overrides) -> dict:
    fields = {
        "code": "XR-QC",
        "kind": "qc",
        "name": "Radiography monthly QC",
        "modalities": ["DX"],
        "citation": "AAPM TG-150",
        "default_anchor": "period",
        "default_interval_months": 1,
        "checks": copy.deepcopy(CHECKS),
    }
    if site is not None:
        fields["site"] = site.pk
    fields.update(overrides)
    return fields


def post(api, user, data, url=URL):
    api.force_authenticate(user)
    return api.post(url, data, format="json")


@pytest.fixture
def library(admin):
    return create_procedure(
        actor=admin,
        site=None,
        code="LIB-CT-QC",
        kind="qc",
        now=NOW,
        name="CT daily QC (library)",
        modalities=["CT"],
        checks=[CTDI, {"key": "artefacts", "name": "No artefacts", "kind": "boolean"}],
    )


@pytest.fixture
def library_leak(admin):
    return create_procedure(
        actor=admin,
        site=None,
        code="LIB-LEAK",
        kind="leak_test",
        now=NOW,
        name="Leak test (library)",
        categories=["sealed_source"],
        checks=[WIPE],
    )


# --- create --------------------------------------------------------------------------------


def test_a_manager_creates_a_site_procedure_shown_as_the_list_shows_it(api, manager, site_a):
    response = post(api, manager, body(site_a))
    assert response.status_code == 201, response.json()
    made = response.json()
    assert made == api.get(f"{URL}{made['id']}/").json()
    assert made["site"] == site_a.pk and made["version"] == 1 and made["copied_from"] is None
    assert [c["key"] for c in made["checks"]] == ["kvp", "lights", "grade", "notes"]
    assert [c["position"] for c in made["checks"]] == [1, 2, 3, 4]
    kvp = made["checks"][0]
    assert kvp["tolerance_high"] == "5.00000000" and kvp["band_mode"] == "percent"
    assert kvp["action_low_inclusive"] is False and kvp["tolerance_high_inclusive"] is True
    assert kvp["stop_use"] is True and kvp["correct_within_days"] == 30
    assert made["checks"][2]["passing_choices"] == ["good", "fair"]


def test_a_system_administrator_creates_a_library_procedure(api, admin):
    response = post(api, admin, body())
    assert response.status_code == 201, response.json()
    assert response.json()["site"] is None
    assert Procedure.objects.get().is_library


def test_only_a_system_administrator_creates_library_procedures(api, manager, site_a):
    response = post(api, manager, body())
    assert response.status_code == 403
    assert "system administrator" in response.json()["detail"]
    assert not Procedure.objects.exists()


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.INSPECTOR])
def test_technicians_and_inspectors_are_refused_before_any_rule(api, person, site_a, role):
    # Bad content too: the refusal is about who they are, not what they sent.
    response = post(api, person(role, site_a), body(site_a, checks="nonsense"))
    assert response.status_code == 403
    assert "not allowed to edit procedures" in response.json()["detail"]


def test_a_trainee_manager_reads_only(api, person, site_a):
    response = post(api, person(Role.MANAGER, site_a, is_trainee=True), body(site_a))
    assert response.status_code == 403


def test_a_physicist_creates_procedures(api, physicist, site_a):
    assert post(api, physicist, body(site_a)).status_code == 201


def test_the_rso_creates_radiation_procedures_only(api, rso, site_a):
    leak = body(site_a, code="LEAK", kind="leak_test", categories=["sealed_source"], checks=[WIPE])
    assert post(api, rso, leak).status_code == 201
    response = post(api, rso, body(site_a))
    assert response.status_code == 403
    assert "radiation procedures only" in response.json()["detail"]


def test_a_site_that_is_not_yours_is_a_field_error(api, manager, site_a, site_b):
    response = post(api, manager, body(site_b))
    assert response.status_code == 400 and set(response.json()) == {"site"}


def test_a_manager_elsewhere_is_refused_at_a_site_where_they_are_a_technician(
    api, person, site_a, site_b
):
    manager_b = person(Role.MANAGER, site_b, username="mia")
    factories.MembershipFactory(user=manager_b, site=site_a, role=Role.TECHNICIAN)
    # Bad content too: at Alpha she may not edit procedures, so she hears no rule.
    response = post(api, manager_b, body(site_a, name=""))
    assert response.status_code == 403
    assert "not allowed to edit procedures" in response.json()["detail"]


def test_a_duplicate_code_is_said_on_the_code(api, manager, site_a):
    assert post(api, manager, body(site_a)).status_code == 201
    response = post(api, manager, body(site_a, code="xr-qc"))
    assert response.status_code == 400
    assert response.json() == {"code": ["This site already has a procedure with that code."]}


# --- bad input -----------------------------------------------------------------------------


def with_check(index: int, **changes) -> list:
    checks = copy.deepcopy(CHECKS)
    checks[index].update(changes)
    return checks


BAD_CHECKS = {
    "checks not a list": ({"key": "kvp"}, {"checks"}),
    "checks as text": ("kvp", {"checks"}),
    "a check not an object": ([BAND, "lights"], {"checks.1"}),
    "a check as a list": ([[BAND]], {"checks.0"}),
    "a number given as a list": (with_check(0, tolerance_low=[1]), {"checks.0.tolerance_low"}),
    "a number given as an object": (with_check(0, action_high={"v": 1}), {"checks.0.action_high"}),
    "text where a decimal goes": (with_check(0, tolerance_high="ten"), {"checks.0.tolerance_high"}),
    "a float where a decimal goes": (
        with_check(0, tolerance_high=5.5),
        {"checks.0.tolerance_high"},
    ),
    "a limit as true": (with_check(0, action_low=True), {"checks.0.action_low"}),
    "an unknown kind": (with_check(1, kind="colour"), {"checks.1.kind"}),
    "a kind as a list": (with_check(1, kind=["boolean"]), {"checks.1.kind"}),
    "a key as a number": (with_check(1, key=7), {"checks.1.key"}),
    "a name as an object": (with_check(3, name={"en": "Notes"}), {"checks.3.name"}),
    "an unknown field": (with_check(3, colour="red"), {"checks.3.colour"}),
    "a band low above high": (
        with_check(0, tolerance_low="5", tolerance_high="-5"),
        {"checks.0.tolerance_high"},
    ),
    "a tolerance outside its action limit": (
        with_check(0, tolerance_high="12"),
        {"checks.0.tolerance_high"},
    ),
    "equal limits nothing passes": (
        with_check(0, tolerance_low="5", tolerance_high_inclusive=False),
        {"checks.0.tolerance_high"},
    ),
    "an unknown band mode": (with_check(0, band_mode="relative"), {"checks.0.band_mode"}),
    "an inclusive flag as text": (
        with_check(0, tolerance_low_inclusive="yes"),
        {"checks.0.tolerance_low_inclusive"},
    ),
    "stop use as a number": (with_check(1, stop_use=1), {"checks.1.stop_use"}),
    "days as text": (with_check(0, correct_within_days="soon"), {"checks.0.correct_within_days"}),
    "days below zero": (with_check(0, correct_within_days=-1), {"checks.0.correct_within_days"}),
    "days with a fraction": (
        with_check(0, correct_within_days=1.5),
        {"checks.0.correct_within_days"},
    ),
    "limits on a yes/no check": (with_check(1, action_high="1"), {"checks.1.kind"}),
    "choices as text": (with_check(2, choices="good,fair"), {"checks.2.choices"}),
    "a choice as a number": (with_check(2, choices=["good", 2]), {"checks.2.choices"}),
    "no passing choice": (with_check(2, passing_choices=[]), {"checks.2.passing_choices"}),
    "a passing choice not among the choices": (
        with_check(2, passing_choices=["great"]),
        {"checks.2.passing_choices"},
    ),
    "a repeated choice": (
        with_check(2, choices=["good", "good"], passing_choices=["good"]),
        {"checks.2.choices"},
    ),
    "a repeated key": (with_check(3, key="kvp"), {"checks.3.key"}),
    "a blank key and name": (with_check(3, key="", name=""), {"checks.3.key", "checks.3.name"}),
    "a key with spaces": (with_check(3, key="my notes"), {"checks.3.key"}),
}


@pytest.mark.parametrize("case", BAD_CHECKS)
def test_bad_checks_answer_400_keyed_by_their_path(api, manager, site_a, case):
    checks, fields = BAD_CHECKS[case]
    response = post(api, manager, body(site_a, checks=checks))
    assert response.status_code == 400, response.content
    assert set(response.json()) == fields
    assert all(isinstance(m, str) and m for ms in response.json().values() for m in ms)
    assert not Procedure.objects.exists()


BAD_FIELDS = {
    "modalities as text": ({"modalities": "CT"}, {"modalities"}),
    "an unknown modality": ({"modalities": ["CT", "XX"]}, {"modalities.1"}),
    "an unknown category": ({"categories": ["toaster"]}, {"categories.0"}),
    "an unknown performer role": ({"performer_roles": ["janitor"]}, {"performer_roles.0"}),
    "an unknown kind": ({"kind": "cleaning"}, {"kind"}),
    "a code as a list": ({"code": ["XR"]}, {"code"}),
    "no name": ({"name": ""}, {"name"}),
    "a flag as a list": ({"external_allowed": [True]}, {"external_allowed"}),
    "an interval as text": ({"default_interval_months": "monthly"}, {"default_interval_months"}),
    "a negative grace": ({"default_grace_days": -1}, {"default_grace_days"}),
    "a period of ten days": (
        {"default_interval_months": 0, "default_interval_days": 10},
        {"default_interval_months"},
    ),
    "an unknown anchor": ({"default_anchor": "whenever"}, {"default_anchor"}),
    "a preset under another anchor": (
        {"default_preset": "each_clinical_day", "default_interval_months": 0},
        {"default_anchor"},
    ),
    "a site as text": ({"site": "ALPHA"}, {"site"}),
    "a missing site id": ({"site": 999999}, {"site"}),
}


@pytest.mark.parametrize("case", BAD_FIELDS)
def test_bad_fields_answer_400_keyed_by_their_path(api, manager, site_a, case):
    changes, fields = BAD_FIELDS[case]
    response = post(api, manager, {**body(site_a), **changes})
    assert response.status_code == 400, response.content
    assert set(response.json()) == fields
    assert not Procedure.objects.exists()


def test_every_problem_is_named_at_once(api, manager, site_a):
    checks = with_check(0, tolerance_low="9")
    response = post(api, manager, body(site_a, modalities=["XX"], checks=checks))
    assert response.status_code == 400
    assert set(response.json()) == {"modalities.0", "checks.0.tolerance_high"}
    assert "above" in response.json()["checks.0.tolerance_high"][0]


@pytest.mark.parametrize("payload", [[1, 2], "procedure", 7, True])
def test_a_body_that_is_not_an_object_is_400(api, manager, site_a, payload):
    api.force_authenticate(manager)
    response = api.post(URL, payload, format="json")
    assert response.status_code == 400


def test_a_percent_check_refuses_a_zero_reference_on_its_schedule(api, manager, site_a, ct):
    made = post(api, manager, body(site_a, modalities=["CT"])).json()
    procedure = Procedure.objects.get(pk=made["id"])
    schedule = create_schedule(actor=manager, equipment=ct, procedure=procedure, now=NOW)
    with pytest.raises(ValidationError) as refused:
        set_reference(
            actor=manager, schedule=schedule, check_key="kvp", value="0", reason="Set", now=NOW
        )
    assert "reference of zero" in refused.value.message_dict["value"][0]


# --- new versions --------------------------------------------------------------------------


def versions_url(procedure) -> str:
    return f"{URL}{procedure.pk}/versions/"


def test_a_new_version_applies_forward_and_the_schedule_follows(api, manager, ct, ct_qc):
    schedule = create_schedule(actor=manager, equipment=ct, procedure=ct_qc, now=NOW)
    first = ct_qc.current_version
    changed = [{**CTDI, "tolerance_high": "8"}]
    response = post(
        api,
        manager,
        {"reason": "Tighter limit", "name": "CT dose", "checks": changed},
        versions_url(ct_qc),
    )
    assert response.status_code == 201, response.json()
    made = response.json()
    assert made["version"] == 2 and made["name"] == "CT dose"
    assert [c["tolerance_high"] for c in made["checks"]] == ["8.00000000"]
    schedule.refresh_from_db()
    assert schedule.procedure.current_version.number == 2
    first.refresh_from_db()
    assert [c.tolerance_high for c in first.checks.all() if c.key == "ctdi"] == [10]
    version = ProcedureVersion.objects.get(procedure=ct_qc, number=2)
    assert version.amendment_reason == "Tighter limit"


def test_a_new_version_without_checks_or_content_carries_them_over(api, manager, ct_qc):
    response = post(api, manager, {"reason": "Reviewed"}, versions_url(ct_qc))
    assert response.status_code == 201
    made = response.json()
    assert made["name"] == "CT dose survey" and [c["key"] for c in made["checks"]] == [
        "ctdi",
        "notes",
    ]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"reason"}),
        ({"reason": "  "}, {"reason"}),
        ({"reason": ["why"]}, {"reason"}),
        ({"reason": "x", "checks": [CTDI, 5]}, {"checks.1"}),
        ({"reason": "x", "checks": [{**CTDI, "tolerance_low": "11"}]}, {"checks.0.tolerance_high"}),
        ({"reason": ["x"], "checks": {"a": 1}}, {"reason", "checks"}),
        ({"reason": "x", "modalities": ["XX"]}, {"modalities.0"}),
    ],
)
def test_a_bad_new_version_is_400_and_saves_nothing(api, manager, ct_qc, payload, fields):
    response = post(api, manager, payload, versions_url(ct_qc))
    assert response.status_code == 400, response.content
    assert set(response.json()) == fields
    assert ProcedureVersion.objects.filter(procedure=ct_qc).count() == 1


def test_versions_follow_the_role_matrix(api, tech, rso, physicist, ct_qc, leak_test):
    assert post(api, tech, {"reason": "x"}, versions_url(ct_qc)).status_code == 403
    response = post(api, rso, {"reason": "x"}, versions_url(ct_qc))
    assert response.status_code == 403 and "radiation" in response.json()["detail"]
    assert post(api, rso, {"reason": "New lab"}, versions_url(leak_test)).status_code == 201
    assert post(api, physicist, {"reason": "x"}, versions_url(ct_qc)).status_code == 201


def test_the_rso_may_not_turn_a_survey_meter_calibration_into_imaging_work(api, rso, site_a):
    calibration = create_procedure(
        actor=rso,
        site=site_a,
        code="SM-CAL",
        kind="calibration",
        now=NOW,
        name="Survey meter calibration",
        categories=["radiation_instrument"],
    )
    payload = {"reason": "x", "categories": ["imaging_system"]}
    response = post(api, rso, payload, versions_url(calibration))
    assert response.status_code == 403 and "radiation procedures only" in response.json()["detail"]
    assert ProcedureVersion.objects.filter(procedure=calibration).count() == 1


def test_a_library_procedure_is_versioned_by_a_system_administrator_only(
    api, manager, admin, library
):
    response = post(api, manager, {"reason": "Mine"}, versions_url(library))
    assert response.status_code == 403 and "library" in response.json()["detail"]
    assert post(api, admin, {"reason": "Review"}, versions_url(library)).status_code == 201


def test_another_sites_procedure_is_not_found(api, person, site_b, ct_qc):
    response = post(api, person(Role.MANAGER, site_b), {"reason": "x"}, versions_url(ct_qc))
    assert response.status_code == 404
    response = post(api, person(Role.MANAGER, site_b, username="m2"), {}, f"{URL}{ct_qc.pk}/copy/")
    assert response.status_code == 404


# --- copies --------------------------------------------------------------------------------


def copy_url(procedure) -> str:
    return f"{URL}{procedure.pk}/copy/"


def test_a_manager_copies_a_library_procedure_linked_to_its_original(api, manager, site_a, library):
    response = post(api, manager, {"site": site_a.pk}, copy_url(library))
    assert response.status_code == 201, response.json()
    made = response.json()
    assert made["site"] == site_a.pk and made["copied_from"] == library.pk
    assert made["code"] == "LIB-CT-QC" and made["version"] == 1
    assert [c["key"] for c in made["checks"]] == ["ctdi", "artefacts"]


def test_a_site_holds_one_copy(api, manager, site_a, library):
    assert post(api, manager, {"site": site_a.pk}, copy_url(library)).status_code == 201
    response = post(api, manager, {"site": site_a.pk}, copy_url(library))
    assert response.status_code == 400
    assert response.json() == {"site": ["This site already has a copy of that library procedure."]}


def test_a_site_procedure_is_not_copied(api, manager, site_a, ct_qc):
    response = post(api, manager, {"site": site_a.pk}, copy_url(ct_qc))
    assert response.status_code == 400 and set(response.json()) == {"procedure"}


@pytest.mark.parametrize("payload", [{}, {"site": None}, {"site": "ALPHA"}, {"site": [1]}])
def test_a_copy_needs_one_of_your_sites(api, manager, library, payload):
    response = post(api, manager, payload, copy_url(library))
    assert response.status_code == 400 and set(response.json()) == {"site"}


def test_a_copy_to_another_site_is_a_field_error(api, manager, site_b, library):
    response = post(api, manager, {"site": site_b.pk}, copy_url(library))
    assert response.status_code == 400 and set(response.json()) == {"site"}


def test_copies_follow_the_role_matrix(api, tech, rso, site_a, library, library_leak):
    assert post(api, tech, {"site": site_a.pk}, copy_url(library)).status_code == 403
    response = post(api, rso, {"site": site_a.pk}, copy_url(library))
    assert response.status_code == 403 and "radiation" in response.json()["detail"]
    assert post(api, rso, {"site": site_a.pk}, copy_url(library_leak)).status_code == 201


def test_a_missing_procedure_is_not_found(api, manager, site_a):
    assert post(api, manager, {"site": site_a.pk}, f"{URL}999999/copy/").status_code == 404
    assert post(api, manager, {"reason": "x"}, f"{URL}999999/versions/").status_code == 404


# --- the list's queries --------------------------------------------------------------------


def count(api, url) -> int:
    api.get(url)  # the first request reads the person's memberships once
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    return len(queries)


def test_the_list_runs_the_same_queries_for_10_and_100_procedures(
    api, tech, site_a, ct_qc, library
):
    api.force_authenticate(tech)
    add_procedures(ct_qc, 9, site=site_a)
    few = count(api, URL)
    add_procedures(ct_qc, 90, site=site_a, prefix="Q")
    assert api.get(URL).json()["count"] == 101
    assert count(api, URL) == few


# --- any JSON value in any field -----------------------------------------------------------

ODD_VALUES = [None, True, 0, -1, 10**30, 1.5, "", "x", "1e999", "NaN", [], [1], ["x"], {}, {"a": 1}]
TOP_FIELDS = [name for name in body() if name != "checks"] + [
    "site",
    "categories",
    "instructions",
    "performer_roles",
    "external_allowed",
    "required_after",
    "default_interval_weeks",
    "default_interval_days",
    "default_preset",
    "default_weekday",
    "default_early_days",
    "default_grace_days",
    "default_hard_limit_months",
]
CHECK_FIELDS = sorted({name for check in CHECKS for name in check} | {"choices", "unit"})


def answers_well(response) -> bool:
    if response.status_code == 201:
        return True
    errors = response.json()
    return response.status_code in (400, 403) and isinstance(errors, dict) and errors


@pytest.mark.parametrize("name", TOP_FIELDS)
def test_any_value_in_a_procedure_field_answers_201_or_a_field_error(api, admin, site_a, name):
    for value in ODD_VALUES:
        response = post(
            api, admin, {**body(site_a, code=f"P-{ODD_VALUES.index(value)}"), name: value}
        )
        assert answers_well(response), (name, value, response.status_code)


@pytest.mark.parametrize("name", CHECK_FIELDS)
def test_any_value_in_a_check_field_answers_201_or_a_field_error(api, admin, site_a, name):
    for number, value in enumerate(ODD_VALUES):
        for index in range(len(CHECKS)):
            checks = with_check(index, **{name: value})
            response = post(api, admin, body(site_a, code=f"P-{number}-{index}", checks=checks))
            assert answers_well(response), (name, value, index, response.status_code)
            if response.status_code == 400:
                assert all(k == "checks" or k.startswith("checks.") for k in response.json())


@pytest.mark.parametrize("name", ["reason", "name", "modalities", "checks", "default_anchor"])
def test_any_value_in_a_new_version_answers_201_or_a_field_error(api, manager, ct_qc, name):
    for value in ODD_VALUES:
        response = post(api, manager, {"reason": "Review", name: value}, versions_url(ct_qc))
        assert answers_well(response), (name, value, response.status_code)
