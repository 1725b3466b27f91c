"""Labels for the equipment ticked in the list: the chosen ids (scoped to the person's sites,
within the list's filters) instead of the whole filtered list, and a PDF that opens in a tab of
its own."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from equipment.documents.labels import STOCKS
from equipment.views import documents as label_views
from tests import factories
from tests.equipment.documents.test_labels import labels_on, rendered_pages

pytestmark = pytest.mark.django_db

BASE = "https://imaging.example.org"
LABELS = reverse("equipment:labels")
LIST = reverse("equipment:list")
SHEET = {"sheet": "avery-5160", "start": 1}


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = BASE


@pytest.fixture
def fleet(site_a, site_b):
    return {
        "ct": factories.EquipmentFactory(site=site_a, asset_tag="CT-001", modalities=["CT"]),
        "mr": factories.EquipmentFactory(site=site_a, asset_tag="MR-001", modalities=["MR"]),
        "us": factories.EquipmentFactory(site=site_a, asset_tag="US-001", modalities=["US"]),
        "beta": factories.EquipmentFactory(site=site_b, asset_tag="CT-900", modalities=["CT"]),
    }


def chosen(*units, **query):
    return {"chosen": "1", "id": [unit.pk for unit in units], **query}


@pytest.mark.needs_poppler
def test_two_chosen_of_three_print_two_labels_and_another_sites_id_none(
    client, tech, fleet, tmp_path
):
    """
    GIVEN three pieces of equipment at the technician's site and one at a site they hold no
    role at
    WHEN they tick the CT and the ultrasound, and someone adds the other site's id to the query
    THEN the PDF holds exactly two labels, the CT's and the ultrasound's, in the list's order
    """
    client.force_login(tech)
    stock = STOCKS["avery-5160"]

    response = client.get(LABELS, {**chosen(fleet["us"], fleet["ct"], fleet["beta"]), **SHEET})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    [page] = rendered_pages(response.content, tmp_path)
    assert labels_on(page, stock) == {1: f"{BASE}/e/ALPHA/CT-001/", 2: f"{BASE}/e/ALPHA/US-001/"}


def test_the_label_form_counts_the_chosen_and_carries_them_on(client, tech, fleet):
    client.force_login(tech)

    response = client.get(LABELS, chosen(fleet["ct"], fleet["mr"], fleet["beta"]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>2 labels</strong>, one for each piece of equipment you chose" in html
    assert '<input type="hidden" name="chosen" value="1">' in html
    for unit in (fleet["ct"], fleet["mr"]):
        assert f'<input type="hidden" name="id" value="{unit.pk}">' in html
    assert f'value="{fleet["beta"].pk}"' not in html


def test_the_chosen_are_printed_within_the_lists_filters(client, tech, fleet):
    client.force_login(tech)

    response = client.get(LABELS, chosen(fleet["ct"], fleet["mr"], modality="CT"))

    assert "<strong>1 label</strong>" in response.content.decode()
    assert response.context["back_url"] == f"{LIST}?modality=CT"


def test_only_another_sites_ids_print_nothing(client, tech, fleet):
    client.force_login(tech)

    form = client.get(LABELS, chosen(fleet["beta"]))
    attempt = client.get(LABELS, {**chosen(fleet["beta"]), **SHEET})

    assert "None of the chosen equipment is in the list" in form.content.decode()
    assert "CT-900" not in form.content.decode()
    assert attempt.status_code == 400
    assert attempt["Content-Type"].startswith("text/html")


def test_choosing_nothing_says_so_instead_of_printing_the_whole_list(client, tech, fleet):
    client.force_login(tech)

    form = client.get(LABELS, {"chosen": "1"})
    attempt = client.get(LABELS, {"chosen": "1", **SHEET})

    assert "No equipment was chosen" in form.content.decode()
    assert "Download PDF" not in form.content.decode()
    assert attempt.status_code == 400
    assert attempt["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("bad", ["abc", "-1", "0", "1.5", "99999999999999999999", "\uff11"])
def test_an_id_that_is_not_one_is_a_400_with_the_reason_never_a_500(client, tech, fleet, bad):
    client.force_login(tech)

    for query in ({"chosen": "1", "id": [fleet["ct"].pk, bad]}, {"id": bad, **SHEET}):
        response = client.get(LABELS, query)
        assert response.status_code == 400
        assert "is not an equipment id." in response.content.decode()
        assert response["Content-Type"].startswith("text/html")


def test_more_chosen_than_one_print_run_holds_is_refused(client, tech, fleet, monkeypatch):
    monkeypatch.setattr(label_views, "MAX_LABELS", 2)
    client.force_login(tech)

    response = client.get(LABELS, chosen(fleet["ct"], fleet["mr"], fleet["us"]))

    assert response.status_code == 400
    assert "3 pieces of equipment were chosen; at most 2 labels" in response.content.decode()


def test_the_list_offers_a_checkbox_per_row_and_prints_the_chosen(client, tech, fleet):
    client.force_login(tech)

    html = client.get(LIST, {"modality": "CT", "page": "1"}).content.decode()

    assert f'<form method="get" action="{LABELS}" id="choose-labels"' in html
    assert html.count('type="checkbox" name="id"') == 1  # the CT at Alpha; not Beta's
    assert f'name="id" value="{fleet["ct"].pk}"' in html
    assert '<input type="hidden" name="modality" value="CT">' in html
    assert 'name="page"' not in html  # the filters go on, the page number does not
    assert "Print labels for the chosen</button>" in html


def test_the_pdf_opens_in_a_tab_of_its_own(client, tech, fleet):
    client.force_login(tech)

    for url in (LABELS, reverse("equipment:labels_one", args=[fleet["ct"].pk])):
        html = client.get(url, chosen(fleet["ct"]) if url == LABELS else None).content.decode()
        assert '<form method="get" target="_blank"' in html


def test_printing_the_chosen_runs_the_same_queries_for_3_and_for_30(client, tech, site_a):
    client.force_login(tech)
    units = [factories.EquipmentFactory(site=site_a, asset_tag=f"A-{n:02d}") for n in range(30)]

    def queries_for(chosen_units) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LABELS, {**chosen(*chosen_units), **SHEET})
            assert response.status_code == 200
        return len(captured)

    queries_for(units[:3])  # the first request of a session loads the session and the user
    few = queries_for(units[:3])

    assert queries_for(units) == few
