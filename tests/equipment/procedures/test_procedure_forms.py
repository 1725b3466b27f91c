"""Creating a procedure and making a new version on its page, its checks as rows: each error
beside the field of the row it is about, nothing saved on bad input and everything typed kept;
permissions by role and site; CSRF."""

import pytest
from django.test import Client
from django.urls import reverse

from equipment.models import Procedure, ProcedureVersion
from imaging_ops.vocabulary import Role
from tests.equipment.conftest import CTDI, WIPE
from tests.page_errors import shown_on

pytestmark = pytest.mark.django_db

CREATE = reverse("equipment:procedure_create")


def edit(procedure):
    return reverse("equipment:procedure_edit", args=[procedure.pk])


def check_fields(index: int, check: dict) -> dict:
    """A check as the page's row `index` posts it (checkboxes only when ticked)."""
    data = {}
    for name, value in check.items():
        if isinstance(value, bool):
            if value:
                data[f"checks-{index}-{name}"] = "on"
            continue
        if isinstance(value, list):
            value = "\n".join(value)
        data[f"checks-{index}-{name}"] = "" if value is None else str(value)
    for limit in ("action_low", "tolerance_low", "tolerance_high", "action_high"):
        if f"{limit}_inclusive" not in check:  # the page ticks them to begin with
            data[f"checks-{index}-{limit}_inclusive"] = "on"
    return data


def form_data(*checks, site=None, extra_rows: int = 0, **fields) -> dict:
    data = {
        "code": "CT-WATER",
        "kind": "qc",
        "name": "CT water phantom",
        "modalities": ["CT"],
        "checks-TOTAL_FORMS": str(len(checks) + extra_rows),
        "checks-INITIAL_FORMS": "0",
        "checks-MIN_NUM_FORMS": "0",
        "checks-MAX_NUM_FORMS": "1000",
    }
    if site is not None:
        data["site"] = str(site.pk) if hasattr(site, "pk") else site
    for index, check in enumerate(checks):
        data.update(check_fields(index, check))
    data.update(fields)
    return data


HU = {
    "key": "water_hu",
    "name": "Water CT number",
    "kind": "numeric",
    "unit": "HU",
    "action_low": "-7",
    "tolerance_low": "-5",
    "tolerance_high": "5",
    "action_high": "7",
}


def test_a_manager_creates_a_procedure_with_its_checks_in_order(signed_in, manager, site_a):
    data = form_data(HU, WIPE, site=site_a, citation="ACR CT QC", default_anchor="fixed")
    data.update(default_preset="each_clinical_day")
    response = signed_in(manager).post(CREATE, data)
    procedure = Procedure.objects.get(code="CT-WATER")
    assert response.status_code == 302
    assert response["Location"] == reverse("equipment:procedure_detail", args=[procedure.pk])
    version = procedure.current_version
    assert procedure.site == site_a and version.number == 1 and version.citation == "ACR CT QC"
    assert [c.key for c in version.checks.all()] == ["water_hu", "wipe"]
    wipe = version.checks.get(key="wipe")
    assert wipe.action_high == 185 and not wipe.action_high_inclusive and wipe.stop_use
    assert wipe.correct_within_days == 0


def test_the_new_page_offers_a_managers_sites_and_no_library(signed_in, manager, site_a):
    response = signed_in(manager).get(CREATE)
    assert response.status_code == 200
    choices = dict(response.context["form"].fields["site"].choices)
    assert str(site_a.pk) in choices and "library" not in choices


def test_a_system_administrator_writes_to_the_library(signed_in, admin, site_a):
    client = signed_in(admin)
    assert "library" in dict(client.get(CREATE).context["form"].fields["site"].choices)
    response = client.post(CREATE, form_data(HU, site="library"))
    assert response.status_code == 302
    assert Procedure.objects.get(code="CT-WATER").is_library


def test_a_manager_cannot_post_to_the_library(signed_in, manager, site_a):
    response = signed_in(manager).post(CREATE, form_data(HU, site="library"))
    assert response.status_code == 400
    assert shown_on(response, "site")
    assert not Procedure.objects.exists()


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.INSPECTOR])
def test_technicians_and_inspectors_are_refused_the_form_and_the_post(
    signed_in, person, site_a, role
):
    client = signed_in(person(role, site_a))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data(HU, site=site_a)).status_code == 403
    assert not Procedure.objects.exists()


def test_a_trainee_physicist_is_refused(signed_in, person, site_a):
    client = signed_in(person(Role.PHYSICIST, site_a, is_trainee=True))
    assert client.get(CREATE).status_code == 403


def test_the_rso_creates_a_leak_test_but_not_a_ct_check(signed_in, rso, site_a):
    client = signed_in(rso)
    leak = form_data(WIPE, site=site_a, code="LEAK", kind="leak_test", modalities=[])
    leak["categories"] = ["sealed_source"]
    assert client.post(CREATE, leak).status_code == 302
    response = client.post(CREATE, form_data(HU, site=site_a))
    assert response.status_code == 403
    assert "radiation procedures only" in response.content.decode()
    assert list(Procedure.objects.values_list("code", flat=True)) == ["LEAK"]


def test_a_band_with_low_above_high_is_refused_beside_its_row_and_field(signed_in, manager, site_a):
    inverted = {**HU, "key": "noise", "tolerance_low": "5", "tolerance_high": "-5"}
    response = signed_in(manager).post(CREATE, form_data(WIPE, inverted, site=site_a))
    assert response.status_code == 400
    [message] = shown_on(response, "checks-1-tolerance_high")
    assert "above" in message
    assert shown_on(response, "checks-0-tolerance_high") == []
    assert not Procedure.objects.exists() and not ProcedureVersion.objects.exists()
    # What was typed is kept.
    rows = response.context["form"].checks.forms
    assert rows[1]["tolerance_low"].value() == "5" and rows[1]["key"].value() == "noise"
    assert 'href="#id_checks-1-tolerance_high"' in response.content.decode()


def test_an_unknown_kind_and_a_duplicate_key_are_refused_by_row(signed_in, manager, site_a):
    rows = [HU, {**HU, "name": "Again"}, {"key": "odd", "name": "Odd", "kind": "colour"}]
    response = signed_in(manager).post(CREATE, form_data(*rows, site=site_a))
    assert response.status_code == 400
    assert shown_on(response, "checks-2-kind")
    assert not Procedure.objects.exists()


def test_a_duplicate_key_is_refused_on_the_second_row(signed_in, manager, site_a):
    response = signed_in(manager).post(CREATE, form_data(HU, {**HU, "name": "Again"}, site=site_a))
    assert response.status_code == 400
    assert shown_on(response, "checks-1-key") == ["Another check of this procedure has that key."]
    assert shown_on(response, "checks-0-key") == []


def test_choice_check_errors_are_shown_beside_the_passing_choices(signed_in, manager, site_a):
    grade = {"key": "grade", "name": "Grade", "kind": "choice", "choices": ["A", "B"]}
    response = signed_in(manager).post(CREATE, form_data(grade, site=site_a))
    assert response.status_code == 400
    assert shown_on(response, "checks-0-passing_choices") == [
        "Name at least one choice that passes."
    ]


def test_errors_of_the_procedure_and_its_rows_are_shown_together(signed_in, manager, site_a):
    """A row that does not parse (a position that is not a number) and a blank name: the
    service's checks of the other rows and fields are heard in the same answer."""
    data = form_data(HU, {**HU, "key": "x", "tolerance_low": "9"}, site=site_a, name="")
    data["checks-0-position"] = "first"
    data["default_anchor"] = "period"
    data["default_interval_days"] = "10"
    response = signed_in(manager).post(CREATE, data)
    assert response.status_code == 400
    assert shown_on(response, "checks-0-position")
    assert shown_on(response, "name")
    assert shown_on(response, "checks-1-tolerance_high")
    assert shown_on(response, "default_interval_months")
    assert not Procedure.objects.exists()


def test_a_duplicate_code_is_shown_beside_the_code(signed_in, manager, site_a, ct_qc):
    response = signed_in(manager).post(CREATE, form_data(HU, site=site_a, code="ct-dose"))
    assert response.status_code == 400
    assert shown_on(response, "code") == ["This site already has a procedure with that code."]


def test_a_blank_spare_row_is_ignored_and_rows_follow_their_positions(signed_in, manager, site_a):
    data = form_data(HU, WIPE, site=site_a, extra_rows=1)
    data.update({"checks-0-position": "2", "checks-1-position": "1"})
    data.update({f"checks-2-{f}_inclusive": "on" for f in ("action_low", "action_high")})
    assert signed_in(manager).post(CREATE, data).status_code == 302
    version = Procedure.objects.get().current_version
    assert [(c.position, c.key) for c in version.checks.all()] == [(1, "wipe"), (2, "water_hu")]


def test_an_error_follows_its_row_when_the_rows_are_reordered(signed_in, manager, site_a):
    """GIVEN the second row moved to position 1, so the service is given it first
    WHEN its band is refused (the service says `checks.0...`)
    THEN the message is shown on the row it was typed in, the second."""
    inverted = {**HU, "key": "noise", "tolerance_low": "5", "tolerance_high": "-5"}
    data = form_data(WIPE, inverted, site=site_a)
    data.update({"checks-0-position": "2", "checks-1-position": "1"})
    response = signed_in(manager).post(CREATE, data)
    assert response.status_code == 400
    assert shown_on(response, "checks-1-tolerance_high")
    assert shown_on(response, "checks-0-tolerance_high") == []


def test_add_a_check_keeps_what_was_typed_and_adds_a_row(signed_in, manager, site_a):
    data = form_data(HU, site=site_a, name="Typed name")
    data["add_check"] = "1"
    response = signed_in(manager).post(CREATE, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert len(form.checks.forms) == 2
    assert form["name"].value() == "Typed name"
    assert form.checks.forms[0]["tolerance_high"].value() == "5"
    assert not form.errors and not Procedure.objects.exists()


# --- a new version ------------------------------------------------------------------------


def version_data(procedure, *checks, **fields) -> dict:
    version = procedure.current_version
    data = form_data(*checks, **{"name": version.name, "modalities": version.modalities, **fields})
    for fixed in ("code", "kind"):
        data.pop(fixed)
    return data


def test_edit_starts_from_the_current_version_and_its_checks(signed_in, manager, ct_qc):
    response = signed_in(manager).get(edit(ct_qc))
    assert response.status_code == 200
    form = response.context["form"]
    assert "site" not in form.fields and "code" not in form.fields and "reason" in form.fields
    assert form["name"].value() == "CT dose survey"
    rows = form.checks.forms
    assert [row["key"].value() for row in rows] == ["ctdi", "notes", None]
    assert rows[0]["tolerance_low"].value() == "-10" and rows[0]["band_mode"].value() == "percent"


def test_a_new_version_needs_a_reason_and_saves_nothing_without_one(signed_in, manager, ct_qc):
    response = signed_in(manager).post(edit(ct_qc), version_data(ct_qc, CTDI, reason=" "))
    assert response.status_code == 400
    assert shown_on(response, "reason")
    assert ct_qc.versions.count() == 1


def test_a_new_version_with_a_reason_replaces_the_checks(signed_in, manager, ct_qc):
    tighter = {**CTDI, "tolerance_low": "-5", "tolerance_high": "5"}
    data = version_data(ct_qc, tighter, reason="AAPM 2026 tightens the tolerance")
    response = signed_in(manager).post(edit(ct_qc), data)
    assert response.status_code == 302
    ct_qc.refresh_from_db()
    version = ct_qc.current_version
    assert version.number == 2 and version.amendment_reason == "AAPM 2026 tightens the tolerance"
    assert [c.key for c in version.checks.all()] == ["ctdi"]
    assert version.checks.get().tolerance_high == 5


def test_a_removed_row_is_left_out_of_the_new_version(signed_in, manager, ct_qc):
    data = version_data(ct_qc, CTDI, {"key": "notes", "name": "Notes", "kind": "text"}, reason="x")
    data["checks-1-remove"] = "on"
    assert signed_in(manager).post(edit(ct_qc), data).status_code == 302
    ct_qc.refresh_from_db()
    assert [c.key for c in ct_qc.current_version.checks.all()] == ["ctdi"]


def test_a_bad_band_in_a_new_version_saves_no_version(signed_in, manager, ct_qc):
    inverted = {**CTDI, "action_low": "-1", "tolerance_low": "-10"}
    response = signed_in(manager).post(edit(ct_qc), version_data(ct_qc, inverted, reason="x"))
    assert response.status_code == 400
    assert shown_on(response, "checks-0-tolerance_low") or shown_on(response, "checks-0-action_low")
    assert ct_qc.versions.count() == 1


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.INSPECTOR, Role.RSO])
def test_those_who_may_not_edit_the_survey_are_refused(signed_in, person, site_a, ct_qc, role):
    client = signed_in(person(role, site_a))
    assert client.get(edit(ct_qc)).status_code == 403
    response = client.post(edit(ct_qc), version_data(ct_qc, CTDI, reason="mine"))
    assert response.status_code == 403
    assert ct_qc.versions.count() == 1


def test_the_rso_versions_the_leak_test(signed_in, rso, leak_test):
    data = version_data(leak_test, WIPE, reason="New counting lab", modalities=[])
    data["categories"] = ["sealed_source"]
    assert signed_in(rso).post(edit(leak_test), data).status_code == 302
    assert leak_test.versions.count() == 2


def test_another_sites_procedure_answers_404(signed_in, person, site_b, ct_qc):
    assert signed_in(person(Role.MANAGER, site_b)).get(edit(ct_qc)).status_code == 404


def test_only_a_system_administrator_edits_the_library(signed_in, admin, manager, library_qc):
    response = signed_in(manager).get(edit(library_qc))
    assert response.status_code == 403
    assert signed_in(admin).get(edit(library_qc)).status_code == 200


def test_the_forms_refuse_a_post_without_the_csrf_token(manager, site_a, ct_qc):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.post(CREATE, form_data(HU, site=site_a)).status_code == 403
    assert client.post(edit(ct_qc), version_data(ct_qc, CTDI, reason="x")).status_code == 403
    assert Procedure.objects.count() == 1 and ct_qc.versions.count() == 1
