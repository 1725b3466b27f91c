"""A PDF certificate per training record: the person, the course, the dates, the instructor's
signature manifestation and a verification code the record's page checks."""

import subprocess

import pytest
import time_machine

from imaging_ops.vocabulary import Role
from tests.training.conftest import NOW, train

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on_the_4th():
    with time_machine.travel(NOW, tick=False):
        yield


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(  # noqa: S603
        ["pdftotext", str(path), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


@pytest.mark.needs_poppler
def test_a_signed_record_has_a_certificate_with_a_code_that_verifies(
    client, tech, physicist, site_a, ct_dose, tmp_path
):
    record = train(physicist, site_a, ct_dose, tech).records.get()
    client.force_login(tech)
    response = client.get(f"/training/records/{record.pk}/certificate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content, tmp_path)
    assert "CT-DOSE" in text and "2027-03-04" in text and "Performed" in text
    code = next(word for word in text.split() if word.startswith(f"TR{record.pk}-"))
    page = client.get(f"/training/records/{record.pk}/", {"code": code})
    assert page.context["code_matches"] is True
    wrong = client.get(f"/training/records/{record.pk}/", {"code": f"TR{record.pk}-000000000000"})
    assert wrong.context["code_matches"] is False


def test_a_failed_attempt_has_no_certificate(client, tech, physicist, site_a, ct_dose):
    record = train(physicist, site_a, ct_dose, tech, passed=False).records.get()
    client.force_login(tech)
    assert client.get(f"/training/records/{record.pk}/certificate.pdf").status_code == 404


def test_another_sites_record_is_not_found(
    client, person, tech, physicist, site_a, site_b, ct_dose
):
    record = train(physicist, site_a, ct_dose, tech).records.get()
    client.force_login(person(Role.MANAGER, site_b, username="bmgr"))
    assert client.get(f"/training/records/{record.pk}/").status_code == 404
    assert client.get(f"/training/records/{record.pk}/certificate.pdf").status_code == 404


@pytest.mark.needs_poppler
def test_the_authorization_list_prints_as_a_pdf(
    client, manager, tech, physicist, site_a, mri_l2, tmp_path
):
    train(physicist, site_a, mri_l2, tech)
    client.force_login(manager)
    response = client.get(f"/training/sites/{site_a.code}/authorized/mri_zone_4/list.pdf")
    assert response.status_code == 200
    text = _text(response.content, tmp_path)
    assert "Authorized to enter: MRI zone IV" in text and "MRI-L2" in text
    assert (tech.full_name or tech.username) in text and "2027-03-04" in text
    unrequired = client.get(f"/training/sites/{site_a.code}/authorized/restricted/list.pdf")
    assert unrequired.status_code == 404


@pytest.mark.needs_poppler
def test_a_certificate_prints_a_name_beyond_latin_1_as_typed(
    client, person, physicist, site_a, ct_dose, tmp_path
):
    learner = person(Role.TECHNICIAN, site_a, username="oyvind")
    learner.full_name = "Øyvind Çelik-Łukasz"
    learner.save(update_fields=["full_name"])
    record = train(physicist, site_a, ct_dose, learner).records.get()
    client.force_login(learner)
    response = client.get(f"/training/records/{record.pk}/certificate.pdf")
    assert "Øyvind Çelik-Łukasz" in _text(response.content, tmp_path)
