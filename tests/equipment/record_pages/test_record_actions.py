"""A record's actions as pages: countersign as reviewed, amend with a reason and the password,
void with a reason. A wrong password or an empty reason saves nothing and says so on the
field; a person who may not act gets 403 with the reason, a voided record 409."""

from datetime import timedelta

import pytest

from equipment.models import RecordAttachment, ServiceRecord, ServiceRecordVersion
from equipment.services.records import void_service_record
from imaging_ops.models import AuthFailure, Meaning, Signature
from tests import factories
from tests.equipment.conftest import NOW
from tests.equipment.record_pages.conftest import pdf, record, values_for

pytestmark = pytest.mark.django_db


def url(made, action=""):
    return f"/equipment/records/{made.pk}/{action}"


@pytest.fixture
def outside(tech, daily):
    """A field engineer's record, entered by the technician, waiting for review."""
    return record(
        daily,
        tech,
        signature=False,
        external={"name": "Fred Field", "organisation": "Vendor Inc."},
        attachments=[pdf("service report.pdf")],
    )


def countersign(client, made, **extra):
    data = {
        "version": made.current_version.number,
        "meaning": Meaning.REVIEWED,
        "username": extra.pop("username", ""),
        "password": factories.PASSWORD,
        "acknowledge_policy": "on",
        **extra,
    }
    return client.post(url(made, "sign/"), data)


def test_a_physicist_countersigns_an_outside_record_and_it_counts(
    client, physicist, outside, daily
):
    due = daily.next_due
    client.force_login(physicist)
    form = client.get(url(outside, "sign/"))
    assert form.status_code == 200
    assert form.context["form"]["meaning"].value() == Meaning.REVIEWED
    response = countersign(client, outside, username="phil")
    assert response.status_code == 302 and response["Location"] == url(outside)
    outside.refresh_from_db()
    daily.refresh_from_db()
    assert outside.counts and daily.next_due > due
    assert "— Reviewed" in client.get(url(outside)).content.decode()


def test_a_wrong_password_signs_nothing_and_counts_a_failure(client, physicist, outside):
    client.force_login(physicist)
    response = countersign(client, outside, username="phil", password="not it")
    assert response.status_code == 400
    assert "That password is not correct" in response.content.decode()
    assert not Signature.objects.exists()
    assert AuthFailure.objects.filter(username="phil").exists()


def test_one_cannot_review_ones_own_entry(client, tech, outside):
    """A technician may not review at all; the page says so, and nothing is signed."""
    client.force_login(tech)
    response = countersign(client, outside, username="tess")
    assert response.status_code == 403
    assert not Signature.objects.exists()


def test_an_inspector_is_refused_every_action_before_any_form(client, inspector, tech, daily):
    made = record(daily, tech)
    client.force_login(inspector)
    for action in ("sign/", "amend/", "void/"):
        response = client.get(url(made, action))
        assert response.status_code == 403, action
        assert "form" not in response.context or response.context.get("form") is None
    response = client.post(url(made, "void/"), {"reason": "Because"})
    assert response.status_code == 403
    made.refresh_from_db()
    assert not made.is_voided


def test_a_signed_record_cannot_be_signed_again_at_a_stale_version(client, physicist, tech, daily):
    made = record(daily, tech)
    client.force_login(physicist)
    response = client.post(
        url(made, "sign/"),
        {
            "version": 7,
            "meaning": Meaning.REVIEWED,
            "username": "phil",
            "password": factories.PASSWORD,
            "acknowledge_policy": "on",
        },
    )
    assert response.status_code == 409
    assert "Version 7 is no longer current" in response.content.decode()


def amend_data(made, **extra):
    local = made.equipment.site.local(made.performed_at)
    data = {
        "reason": "Typed the wrong tube current",
        "performed_at": local.strftime("%Y-%m-%dT%H:%M"),
        "comments": "Re-read from the console.",
        "username": "tess",
        "password": factories.PASSWORD,
        "acknowledge_policy": "on",
    }
    for m in made.current_version.measurements.all():
        data[f"value_{m.procedure_check_id}"] = m.value_text
    data.update(extra)
    return data


def value_key(schedule, key):
    return f"value_{schedule.procedure.current_version.checks.get(key=key).pk}"


def test_the_technician_amends_her_record_with_a_reason_and_her_password(client, tech, daily):
    made = record(daily, tech, values=values_for(daily, ma="100"))
    client.force_login(tech)
    form = client.get(url(made, "amend/"))
    assert form.status_code == 200
    assert form.context["form"][value_key(daily, "ma")].value() == "100"
    moved = made.equipment.site.local(made.performed_at - timedelta(minutes=20))
    response = client.post(
        url(made, "amend/"),
        amend_data(
            made,
            **{value_key(daily, "ma"): "106", "performed_at": moved.strftime("%Y-%m-%dT%H:%M")},
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    made.refresh_from_db()
    version = made.current_version
    assert version.number == 2 and version.amendment_reason == "Typed the wrong tube current"
    assert made.outcome == "tolerance" and made.counts
    assert made.performed_at == (made.versions.get(number=1).performed_at - timedelta(minutes=20))
    assert version.signatures.get().meaning == Meaning.PERFORMED
    daily.refresh_from_db()
    assert daily.last_done == made.performed_at


def test_an_amendment_needs_a_reason_and_the_right_password(client, tech, daily):
    made = record(daily, tech)
    client.force_login(tech)
    response = client.post(url(made, "amend/"), amend_data(made, reason="  "))
    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    response = client.post(url(made, "amend/"), amend_data(made, password="not it"))
    assert response.status_code == 400
    assert "That password is not correct" in response.context["form"].errors["password"][0]
    response = client.post(
        url(made, "amend/"), amend_data(made, **{value_key(daily, "ma"): "lots"})
    )
    assert response.status_code == 400
    assert "is not a number" in response.context["form"].errors[value_key(daily, "ma")][0]
    assert ServiceRecordVersion.objects.count() == 1


def test_an_action_value_in_an_amendment_needs_its_confirmation_and_comment(client, tech, daily):
    made = record(daily, tech)
    client.force_login(tech)
    response = client.post(
        url(made, "amend/"), amend_data(made, comments="", **{value_key(daily, "ma"): "120"})
    )
    assert response.status_code == 400
    assert {"confirm_action", "comments"} <= set(response.context["form"].errors)


def test_a_performed_at_in_the_future_is_refused(client, tech, daily):
    made = record(daily, tech)
    client.force_login(tech)
    response = client.post(url(made, "amend/"), amend_data(made, performed_at="2099-01-01T08:00"))
    assert response.status_code == 400
    assert "future" in response.context["form"].errors["performed_at"][0]


def test_an_outside_record_is_amended_with_its_report_kept_then_countersigned(
    client, tech, physicist, outside
):
    client.force_login(tech)
    form = client.get(url(outside, "amend/"))
    assert "password" not in form.context["form"].fields
    data = amend_data(outside, reason="Engineer's name misspelt", external_name="Fred Fields")
    data["external_organisation"] = "Vendor Inc."
    response = client.post(url(outside, "amend/"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    outside.refresh_from_db()
    version = outside.current_version
    assert version.external_name == "Fred Fields" and not outside.counts
    kept = RecordAttachment.objects.get(version=version)
    first = RecordAttachment.objects.get(version__number=1)
    assert (kept.sha256, kept.file.name) == (first.sha256, first.file.name)
    client.force_login(physicist)
    assert countersign(client, outside, username="phil").status_code == 302


def test_a_manager_voids_with_a_reason_and_the_schedule_moves_back(client, manager, tech, daily):
    baseline = daily.last_done
    made = record(daily, tech)
    client.force_login(manager)
    response = client.post(url(made, "void/"), {"reason": ""})
    assert response.status_code == 400 and response.context["form"].errors["reason"]
    made.refresh_from_db()
    assert not made.is_voided
    response = client.post(url(made, "void/"), {"reason": "Recorded on the wrong scanner"})
    assert response.status_code == 302
    made.refresh_from_db()
    daily.refresh_from_db()
    assert made.is_voided and not made.counts and daily.last_done == baseline


def test_a_voided_record_answers_409_on_every_action(client, manager, tech, daily):
    made = record(daily, tech)
    void_service_record(actor=manager, record=made, reason="Duplicate", now=NOW)
    client.force_login(manager)
    for action in ("sign/", "amend/", "void/"):
        response = client.get(url(made, action))
        assert response.status_code == 409, action
    response = client.post(url(made, "void/"), {"reason": "Again"})
    assert response.status_code == 409
    assert ServiceRecord.objects.get().void_reason == "Duplicate"


def test_a_technician_may_not_amend_anothers_record(client, person, site_a, tech, daily):
    made = record(daily, tech)
    other = person("technician", site_a, username="toby")
    client.force_login(other)
    response = client.get(url(made, "amend/"))
    assert response.status_code == 403
    assert "only your own records" in response.content.decode()


def test_other_sites_get_404_on_every_action(client, person, site_b, tech, daily):
    made = record(daily, tech)
    client.force_login(person("manager", site_b))
    for action in ("sign/", "amend/", "void/"):
        assert client.get(url(made, action)).status_code == 404
        assert client.post(url(made, action), {"reason": "x"}).status_code == 404
