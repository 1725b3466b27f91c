"""The equipment page offers "Record" on each schedule to the people who record work, and
shows each numeric check's trend once there are values, in the same queries for 5 records or
200; ad hoc work is recorded for a machine and a procedure without a schedule."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from equipment.models import Category, ProcedureKind, ServiceRecord
from equipment.services.procedures import create_procedure
from tests import factories
from tests.equipment.record_form.conftest import (
    MA,
    PASSING,
    add_past_records,
    form_data,
    make_daily_qc,
    record_url,
)
from tests.equipment.records.conftest import PDF

pytestmark = pytest.mark.django_db


def test_each_schedule_row_has_a_record_button_for_performers(
    client, tech, inspector, daily_qc, ct
):
    client.force_login(tech)
    page = client.get(f"/equipment/{ct.pk}/").content.decode()
    assert f'href="{record_url(daily_qc)}"' in page
    client.force_login(inspector)
    page = client.get(f"/equipment/{ct.pk}/").content.decode()
    assert f'href="{record_url(daily_qc)}"' not in page


def test_the_equipment_page_loads_its_trends_after_itself(client, tech, daily_qc, ct):
    client.force_login(tech)
    trends = f"/equipment/{ct.pk}/trends/"
    page = client.get(f"/equipment/{ct.pk}/").content.decode()
    assert f'hx-get="{trends}"' in page and 'class="trend-chart' not in page
    empty = client.get(trends, headers={"HX-Request": "true"}).content.decode()
    assert "No numeric values recorded" in empty and "<html" not in empty
    assert client.post(record_url(daily_qc), form_data(daily_qc)).status_code == 302
    text = client.get(trends, headers={"HX-Request": "true"}).content.decode()
    assert 'id="trends"' in text and text.count('class="trend-chart') == len(PASSING)
    assert "Values as a table" in text
    # Without JavaScript the link opens them as a page of their own.
    own = client.get(trends).content.decode()
    assert "<html" in own and own.count('class="trend-chart') == len(PASSING)


def test_another_sites_trends_are_not_found(client, person, site_b, daily_qc, ct):
    client.force_login(person("technician", site_b))
    assert client.get(f"/equipment/{ct.pk}/trends/").status_code == 404


def page_queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_equipment_pages_trends_do_not_grow_with_records(client, tech, daily_qc, ct):
    client.force_login(tech)
    add_past_records(daily_qc, 5, actor=tech)
    urls = [f"/equipment/{ct.pk}/", f"/equipment/{ct.pk}/trends/"]
    few = [page_queries(client, url) for url in urls]
    add_past_records(daily_qc, 195, actor=tech)
    assert [page_queries(client, url) for url in urls] == few


def test_ad_hoc_work_is_recorded_without_a_schedule(client, tech, daily_qc, ct):
    client.force_login(tech)
    url = f"/equipment/{ct.pk}/record/?procedure={daily_qc.procedure_id}"
    page = client.get(url)
    assert page.status_code == 200 and "ad hoc" in page.content.decode()
    answer = client.post(url, form_data(daily_qc))
    # Without a schedule there is no reference: the percent check cannot be judged.
    assert answer.status_code == 400
    noise = next(e for e in answer.context["entries"] if e.check.key == "noise")
    assert "reference" in noise.field.errors[0]
    assert not ServiceRecord.objects.exists()
    assert client.get(f"/equipment/{ct.pk}/record/?procedure=0").status_code == 404


def test_ad_hoc_work_of_absolute_checks_is_saved_uncounted_towards_any_schedule(
    client, tech, manager, site_a, ct
):
    schedule = make_daily_qc(manager=manager, site=site_a, equipment=ct, checks=[MA], code="CT-MA")
    client.force_login(tech)
    url = f"/equipment/{ct.pk}/record/?procedure={schedule.procedure_id}"
    answer = client.post(url, form_data(schedule))
    assert answer.status_code == 302
    made = ServiceRecord.objects.get()
    assert made.schedule is None and made.counts
    check = made.current_version.measurements.get().procedure_check_id
    evaluate = f"/equipment/{ct.pk}/record/evaluate/{check}/?procedure={schedule.procedure_id}"
    assert 'data-outcome="tolerance"' in client.post(evaluate, {"value": "106"}).content.decode()


def test_ad_hoc_work_starts_from_a_list_of_the_sites_procedures(
    client, tech, inspector, daily_qc, ct
):
    client.force_login(tech)
    page = client.get(f"/equipment/{ct.pk}/record/")
    assert page.status_code == 200
    assert f"?procedure={daily_qc.procedure_id}" in page.content.decode()
    client.force_login(inspector)
    assert client.get(f"/equipment/{ct.pk}/record/").status_code == 403


def test_an_outside_calibration_is_saved_for_review_with_its_report(client, tech, manager, site_a):
    """
    GIVEN a dosimeter and a calibration procedure that outside laboratories may perform
    WHEN the technician records the laboratory's calibration ad hoc, with its certificate
    THEN the outside performer's fields were offered, and the record is saved unsigned, valid
    until the end of the certificate's day at the site, counting once reviewed
    """
    meter = factories.EquipmentFactory(
        site=site_a, asset_tag="ALPHA-DOS1", category=Category.QA_INSTRUMENT, modalities=[]
    )
    calibration = create_procedure(
        actor=manager,
        site=site_a,
        code="CAL-DOS",
        kind=ProcedureKind.CALIBRATION,
        now=timezone.now(),
        name="Dosimeter calibration",
        categories=[Category.QA_INSTRUMENT],
        external_allowed=True,
        checks=[{"key": "ok", "name": "Certificate in order", "kind": "boolean"}],
    )
    check = calibration.current_version.checks.get()
    url = f"/equipment/{meter.pk}/record/?procedure={calibration.pk}"
    client.force_login(tech)
    page = client.get(url).content.decode()
    assert 'name="external_name"' in page and 'name="valid_until"' in page
    moment = site_a.local(timezone.now() - timedelta(hours=1))
    answer = client.post(
        url,
        {
            "performed_at": f"{moment:%Y-%m-%dT%H:%M}",
            f"value_{check.pk}": "yes",
            "external_name": "Lab technician",
            "external_organisation": "Accredited Dosimetry Lab",
            "valid_until": f"{moment.date() + timedelta(days=365)}",
            "attachments": [SimpleUploadedFile("certificate.pdf", PDF)],
        },
    )
    assert answer.status_code == 302, answer.context["form"].errors
    made = ServiceRecord.objects.get()
    assert not made.counts and made.current_version.is_external
    until = site_a.local(made.current_version.valid_until)
    assert until.date() == moment.date() + timedelta(days=366) and until.hour == 0
    message = str(next(iter(get_messages(answer.wsgi_request))))
    assert "counts once it has been reviewed" in message


def test_a_procedure_without_outside_performers_offers_no_such_fields(client, tech, daily_qc):
    client.force_login(tech)
    page = client.get(record_url(daily_qc)).content.decode()
    assert 'name="external_name"' not in page and 'name="valid_until"' not in page


def test_the_record_forms_trends_load_when_opened(client, tech, person, site_b, daily_qc):
    """The form carries no chart: each numeric check with earlier values has a disclosure that
    loads its own trend (htmx), or opens it as a page without JavaScript; other sites: 404."""
    client.force_login(tech)
    assert client.post(record_url(daily_qc), form_data(daily_qc)).status_code == 302
    form = client.get(record_url(daily_qc)).content.decode()
    trends = f"/equipment/schedules/{daily_qc.pk}/trends/"
    assert 'class="trend-chart' not in form
    assert form.count(f'hx-get="{trends}?check=') == len(PASSING)
    one = client.get(f"{trends}?check=ma", headers={"HX-Request": "true"}).content.decode()
    assert one.count('class="trend-chart') == 1 and "<html" not in one
    unknown = client.get(f"{trends}?check=nope", headers={"HX-Request": "true"})
    assert "No numeric values" in unknown.content.decode()
    own = client.get(f"{trends}?check=ma").content.decode()
    assert "<html" in own and own.count('class="trend-chart') == 1
    client.force_login(person("technician", site_b))
    assert client.get(trends).status_code == 404
