"""The record form: six values, one page, one submit; each value judged by the record service
at its exact band edges (as typed, through htmx, and once sent); an action level needs its
confirmation and a comment; the moment of the work is the site's local time and not in the
future; a wrong password keeps everything typed; the instrument gate and the attachment rules
speak at their fields; only the procedure's performers see the form."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile

from equipment.limits import Outcome
from equipment.models import ServiceRecord
from equipment.services.records import sign_service_record
from imaging_ops.models import Meaning
from tests import factories
from tests.equipment.conftest import NOW
from tests.equipment.record_form.conftest import (
    PASSING,
    check_ids,
    evaluate_url,
    form_data,
    make_daily_qc,
    record_url,
)
from tests.equipment.records.conftest import sign
from tests.equipment.records.test_record_service import calibrate

pytestmark = pytest.mark.django_db


def test_the_form_shows_each_check_with_its_band_reference_and_input(client, tech, daily_qc):
    client.force_login(tech)
    page = client.get(record_url(daily_qc))
    assert page.status_code == 200
    text = page.content.decode()
    for name in ("Tube current", "CT number of water", "Noise", "Slice thickness"):
        assert name in text
    assert text.count('inputmode="decimal"') == 6
    assert text.count("hx-post=") == 6
    assert 'hx-params="value_' in text  # only the value goes, never the password
    assert "Reference in force: <strong>5" in text  # the percent band's baseline
    assert 'class="band-line' in text
    assert "No patient identifiers" in text
    assert 'name="username"' in text and "tess" in text


@pytest.mark.parametrize(
    ("given", "lands"),
    [
        ("/", "/"),
        ("/equipment/schedules/?mine=true", "/equipment/schedules/?mine=true"),
        ("https://elsewhere.example/", None),
        ("//elsewhere.example/", None),
        ("javascript:alert(1)", None),
    ],
)
def test_the_form_goes_back_where_it_was_opened_from_on_this_site_only(
    client, tech, daily_qc, ct, given, lands
):
    client.force_login(tech)
    page = client.get(record_url(daily_qc), {"next": given}).content.decode()
    assert ('name="next"' in page) == (lands is not None)
    answer = client.post(record_url(daily_qc), {**form_data(daily_qc), "next": given})
    assert answer.status_code == 302
    assert answer.url == (lands or f"/equipment/{ct.pk}/")


def test_six_values_one_submit_records_signs_and_moves_the_schedule(client, tech, daily_qc, ct):
    client.force_login(tech)
    before = daily_qc.next_due
    answer = client.post(record_url(daily_qc), form_data(daily_qc, kvp="123.5"))
    assert answer.status_code == 302, answer.context["form"].errors
    assert answer.url == f"/equipment/{ct.pk}/"
    made = ServiceRecord.objects.get()
    assert made.counts and made.outcome == Outcome.TOLERANCE
    assert made.current_version.measurements.count() == 6
    daily_qc.refresh_from_db()
    assert daily_qc.next_due > before
    message = str(next(iter(get_messages(answer.wsgi_request))))
    assert "tolerance" in message and "Next due" in message
    assert f"{ct.site.local(daily_qc.next_due):%Y-%m-%d %H:%M}" in message


@pytest.mark.parametrize(
    ("key", "value", "outcome", "crossed"),
    [
        ("ma", "105", "pass", ""),  # tolerance high 105 is inclusive: still a pass
        ("ma", "105.01", "tolerance", "above tolerance high (105 mA)"),
        ("ma", "109.99", "tolerance", "above tolerance high"),
        ("ma", "110", "action", "above action high (110 mA)"),  # exclusive: 110 is out
        ("ma", "95", "pass", ""),
        ("ma", "94.99", "tolerance", "below tolerance low (95 mA)"),
        ("ma", "90", "tolerance", "below tolerance low"),  # action low 90 is inclusive
        ("ma", "89.99", "action", "below action low (90 mA)"),
        ("noise", "5.5", "pass", ""),  # +10 % of the reference 5.0
        ("noise", "5.51", "tolerance", "above tolerance high (5.5 HU)"),
        ("noise", "6.01", "action", "above action high (6 HU)"),
    ],
)
def test_band_edges_as_typed_and_once_sent(client, tech, daily_qc, key, value, outcome, crossed):
    client.force_login(tech)
    fragment = client.post(
        evaluate_url(daily_qc, key), {f"value_{check_ids(daily_qc)[key]}": value}
    )
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert f'data-outcome="{outcome}"' in html and crossed in html
    data = form_data(daily_qc, **{key: value})
    if outcome == "action":
        data.update(confirm_action="on", comments="Repeated the scan; physicist called.")
    answer = client.post(record_url(daily_qc), data)
    assert answer.status_code == 302, answer.context["form"].errors
    measurement = ServiceRecord.objects.get().current_version.measurements.get(
        procedure_check__key=key
    )
    assert measurement.result == outcome


def test_an_unreadable_value_is_said_as_typed_and_at_its_field(client, tech, daily_qc):
    client.force_login(tech)
    pk = check_ids(daily_qc)["ma"]
    fragment = client.post(evaluate_url(daily_qc, "ma"), {f"value_{pk}": "lots"})
    assert "is not a number" in fragment.content.decode()
    answer = client.post(record_url(daily_qc), form_data(daily_qc, ma="lots", slice=""))
    assert answer.status_code == 400
    errors = answer.context["form"].errors
    assert "is not a number" in errors[f"value_{pk}"][0]
    assert "Enter a value" in errors[f"value_{check_ids(daily_qc)['slice']}"][0]
    assert not ServiceRecord.objects.exists()


def test_an_action_value_needs_a_confirmation_and_a_comment(client, tech, daily_qc):
    client.force_login(tech)
    answer = client.post(record_url(daily_qc), form_data(daily_qc, water="8"))
    assert answer.status_code == 400
    errors = answer.context["form"].errors
    assert "confirm" in errors["confirm_action"][0] and "action-level" in errors["comments"][0]
    assert not ServiceRecord.objects.exists()
    # The result is shown beside the value after the submit, without JavaScript.
    assert 'data-outcome="action"' in answer.content.decode()
    data = form_data(daily_qc, water="8", confirm_action="on", comments="Recalibrated, rescanned.")
    assert client.post(record_url(daily_qc), data).status_code == 302
    made = ServiceRecord.objects.get()
    assert made.outcome == Outcome.ACTION and made.current_version.action_confirmed


def test_work_more_than_five_minutes_ahead_is_refused_at_its_field(client, tech, daily_qc):
    client.force_login(tech)
    site = daily_qc.equipment.site
    ahead = site.local(datetime.now(UTC) + timedelta(minutes=10))
    answer = client.post(record_url(daily_qc), form_data(daily_qc, performed_at=ahead))
    assert answer.status_code == 400
    assert "future" in answer.context["form"].errors["performed_at"][0]
    assert not ServiceRecord.objects.exists()


def test_performed_at_is_read_and_offered_in_the_sites_time(client, tech, manager, site_a, ct):
    """
    GIVEN a site in New York and the server's clock at 14:00 UTC (09:00 EST)
    WHEN the technician opens the form and records work done at 08:30
    THEN the form offers 09:00 and the record says 13:30 UTC
    """
    with time_machine.travel(NOW, tick=False):
        schedule = make_daily_qc(manager=manager, site=site_a, equipment=ct, now=NOW)
        client.force_login(tech)
        page = client.get(record_url(schedule))
        assert 'value="2026-03-04T09:00"' in page.content.decode()
        data = form_data(schedule, performed_at="2026-03-04T08:30")
        assert client.post(record_url(schedule), data).status_code == 302
    made = ServiceRecord.objects.get()
    assert made.performed_at == datetime(2026, 3, 4, 13, 30, tzinfo=UTC)


def test_a_wrong_password_keeps_every_typed_value(client, tech, daily_qc):
    client.force_login(tech)
    data = form_data(
        daily_qc, password="not it", ma="101.5", slice="4.9", comments="Phantom repositioned once."
    )
    answer = client.post(record_url(daily_qc), data)
    assert answer.status_code == 400
    assert "password is not correct" in answer.context["form"].errors["password"][0]
    text = answer.content.decode()
    assert 'value="101.5"' in text and 'value="4.9"' in text
    assert "Phantom repositioned once." in text
    assert f'value="{data["performed_at"]}"' in text
    assert "not it" not in text  # the password is never sent back
    assert not ServiceRecord.objects.exists()


def test_a_missing_password_is_asked_for_at_its_field(client, tech, daily_qc):
    client.force_login(tech)
    answer = client.post(record_url(daily_qc), form_data(daily_qc, password=""))
    assert answer.status_code == 400
    assert "Enter your password" in answer.context["form"].errors["password"][0]


def test_an_instrument_whose_calibration_expired_is_refused_at_its_field(
    client, tech, physicist, daily_qc, site_a
):
    meter = factories.EquipmentFactory(
        site=site_a, asset_tag="ALPHA-DOS1", category="qa_instrument", modalities=[]
    )
    calibration = calibrate(meter, tech, site_a, valid_until=datetime.now(UTC) - timedelta(days=2))
    sign_service_record(
        record=calibration,
        signer=physicist,
        now=datetime.now(UTC),
        meaning=Meaning.REVIEWED,
        **sign(username="phil"),
    )
    client.force_login(tech)
    page = client.get(record_url(daily_qc))
    assert "ALPHA-DOS1" in page.content.decode()
    data = form_data(daily_qc, instruments=[str(meter.pk)])
    answer = client.post(record_url(daily_qc), data)
    assert answer.status_code == 400
    assert "calibration expired on" in answer.context["form"].errors["instruments"][0]
    assert ServiceRecord.objects.filter(schedule=daily_qc).count() == 0


def test_attachments_are_refused_by_type_and_size_at_their_field(client, tech, daily_qc, settings):
    settings.RECORD_ATTACHMENT_MAX_MB = 1
    client.force_login(tech)
    data = form_data(daily_qc)
    data["attachments"] = [
        SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf"),
        SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024 + 1)),
    ]
    answer = client.post(record_url(daily_qc), data)
    assert answer.status_code == 400
    message = answer.context["form"].errors["attachments"][0]
    assert "not really a PDF" in message and "larger than 1 MB" in message
    assert not ServiceRecord.objects.exists()
    data = form_data(daily_qc)
    data["attachments"] = [SimpleUploadedFile("phantom.png", b"\x89PNG\r\n\x1a\n1234")]
    assert client.post(record_url(daily_qc), data).status_code == 302
    assert ServiceRecord.objects.get().current_version.attachments.get().name == "phantom.png"


def test_people_who_may_not_perform_it_get_403_with_the_reason(
    client, inspector, person, site_a, manager, ct, daily_qc
):
    client.force_login(inspector)
    refused = client.get(record_url(daily_qc))
    assert refused.status_code == 403
    assert client.post(evaluate_url(daily_qc, "ma"), {"value": "100"}).status_code == 403
    physicists_only = make_daily_qc(
        manager=manager,
        site=site_a,
        equipment=factories.EquipmentFactory(site=site_a, modalities=["CT"]),
        checks=[{"key": "ok", "name": "Survey done", "kind": "boolean"}],
        code="CT-PHYS",
        performers=["physicist"],
    )
    client.force_login(person("technician", site_a, username="terry"))
    refused = client.get(record_url(physicists_only))
    assert refused.status_code == 403
    assert "performed by: physicist" in refused.content.decode()
    posted = client.post(record_url(physicists_only), {"password": factories.PASSWORD})
    assert posted.status_code == 403 and not ServiceRecord.objects.exists()


def test_another_sites_schedule_is_not_found(client, person, site_b, daily_qc):
    client.force_login(person("technician", site_b))
    assert client.get(record_url(daily_qc)).status_code == 404
    assert client.post(evaluate_url(daily_qc, "ma"), {"value": "100"}).status_code == 404
    assert client.post(record_url(daily_qc), form_data(daily_qc)).status_code == 404


def test_a_check_of_another_procedure_is_not_found(client, tech, daily_qc, ct_qc):
    client.force_login(tech)
    other = ct_qc.current_version.checks.first()
    url = f"{record_url(daily_qc)}evaluate/{other.pk}/"
    assert client.post(url, {"value": "1"}).status_code == 404


def test_the_last_five_values_of_each_check_are_shown(client, tech, daily_qc):
    client.force_login(tech)
    for n in range(7):
        data = form_data(daily_qc, ma=f"10{n}.5" if n < 5 else "100", kvp="121")
        assert client.post(record_url(daily_qc), data).status_code == 302
    page = client.get(record_url(daily_qc))
    ma = next(e for e in page.context["entries"] if e.check.key == "ma")
    assert [m.text for m in ma.recent] == ["100", "100", "104.5", "103.5", "102.5"]
    assert PASSING["slice"] in page.content.decode()


def test_a_time_the_sites_clocks_skip_is_refused_at_its_field(client, tech, daily_qc):
    client.force_login(tech)
    # New York's clocks jump from 02:00 to 03:00 on 8 March 2026.
    answer = client.post(record_url(daily_qc), form_data(daily_qc, performed_at="2026-03-08T02:30"))
    assert answer.status_code == 400
    assert "America/New_York" in answer.context["form"].errors["performed_at"][0]


def test_a_form_that_does_not_parse_still_shows_the_services_errors(client, tech, daily_qc):
    client.force_login(tech)
    data = form_data(daily_qc, performed_at="yesterday", ma="lots", water="8")
    answer = client.post(record_url(daily_qc), data)
    assert answer.status_code == 400
    errors = answer.context["form"].errors
    assert "performed_at" in errors
    assert "is not a number" in errors[f"value_{check_ids(daily_qc)['ma']}"][0]
    assert not ServiceRecord.objects.exists()
