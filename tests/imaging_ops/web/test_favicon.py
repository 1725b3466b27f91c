"""The site icon: browsers ask /favicon.ico on every page; it must answer, signed in or not."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_favicon_answers_anyone_with_an_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert "max-age" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO directory, not an HTML error page


@pytest.mark.django_db
def test_pages_link_the_icon(client):
    page = client.get(reverse("login")).content.decode()

    assert 'rel="icon"' in page
    assert "favicon" in page


@pytest.mark.django_db
def test_favicon_refuses_writes(client):
    assert client.post("/favicon.ico").status_code == 405
