"""An attachment is served only through its record's scoped view: to people at the record's
site, as a download with a safe name, its own type and no sniffing; never from a public media
address."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, resolve

from equipment.models import RecordAttachment
from equipment.views.record_pages import _safe_name
from tests.equipment.record_pages.conftest import PDF, record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def attachment(tech, daily):
    made = record(
        daily,
        tech,
        attachments=[SimpleUploadedFile('../"evil" name;.pdf', PDF)],
    )
    return RecordAttachment.objects.get(version=made.current_version)


def link(attachment):
    return f"/equipment/records/attachments/{attachment.pk}/"


def test_people_at_the_site_download_it_safely(client, tech, attachment):
    client.force_login(tech)
    response = client.get(link(attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition
    assert '"evil"' not in disposition


def test_a_file_name_is_kept_to_its_last_part_without_quotes_or_controls():
    assert _safe_name('../../etc/"passwd".pdf') == "_passwd_.pdf"
    assert _safe_name("C:\\reports\\QC report (1).pdf") == "QC report (1).pdf"
    assert _safe_name("tab\there.csv") == "tabhere.csv"
    assert _safe_name("...") == "attachment"


def test_other_sites_and_inspectors_without_access_get_404(client, person, site_b, attachment):
    for role in ("manager", "inspector"):
        client.force_login(person(role, site_b))
        assert client.get(link(attachment)).status_code == 404


def test_signed_out_people_are_sent_to_sign_in(attachment):
    response = Client().get(link(attachment))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_a_missing_file_is_a_404_not_a_500(client, tech, attachment):
    attachment.file.storage.delete(attachment.file.name)
    client.force_login(tech)
    assert client.get(link(attachment)).status_code == 404


def test_media_files_have_no_public_address(client, tech, attachment):
    """No URL serves MEDIA_ROOT: the stored path answers 404 to everyone."""
    assert not settings.MEDIA_URL or settings.MEDIA_URL == "/"
    client.force_login(tech)
    for prefix in ("/media/", "/"):
        path = prefix + attachment.file.name
        with pytest.raises(Resolver404):
            resolve(path)
        assert client.get(path).status_code == 404
