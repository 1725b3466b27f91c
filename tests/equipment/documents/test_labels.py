"""QR labels: the stable address a label opens, the label PDF as a printer and a phone see it
(rendered with pdftoppm, its QR codes decoded with zxing-cpp, its text read with pdftotext),
and the pages that choose what to print."""

import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import zxingcpp
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from equipment.documents.labels import STOCKS, build_label_pdf, label_content, stable_address
from equipment.models import Equipment
from equipment.views import documents as label_views
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = pytest.mark.django_db

BASE = "https://imaging.example.org"
DPI = 300
LIST_LABELS = reverse("equipment:labels")


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = BASE


def one_label(equipment):
    return reverse("equipment:labels_one", args=[equipment.pk])


def without_csrf_token(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def detail(equipment):
    return reverse("equipment:detail", args=[equipment.pk])


# --- Reading a PDF as a printer and a phone would ---------------------------------------------


def write_pdf(pdf: bytes, tmp_path: Path) -> Path:
    assert pdf.startswith(b"%PDF-")
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "labels.pdf"
    path.write_bytes(pdf)
    return path


def rendered_pages(pdf: bytes, tmp_path: Path) -> list[Image.Image]:
    path = write_pdf(pdf, tmp_path)
    subprocess.run(  # noqa: S603
        ["pdftoppm", "-png", "-r", str(DPI), str(path), str(tmp_path / "page")],  # noqa: S607
        check=True,
    )
    return [Image.open(png) for png in sorted(tmp_path.glob("page-*.png"))]


def labels_on(page: Image.Image, stock) -> dict[int, str]:
    """{position on the page: the address its QR code decodes to}, found by where each code is."""
    found = {}
    for code in zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode):
        corners = (code.position.top_left, code.position.bottom_right)
        x = sum(point.x for point in corners) / 2 * 72 / DPI
        y_from_top = sum(point.y for point in corners) / 2 * 72 / DPI
        position = position_at(stock, x, stock.page_size[1] - y_from_top)
        assert position not in found, f"two codes on label {position}"
        found[position] = code.text
    return found


def position_at(stock, x: float, y: float) -> int | None:
    for position in range(1, stock.per_page + 1):
        left, bottom = stock.origin(position)
        if left <= x <= left + stock.label_width and bottom <= y <= bottom + stock.label_height:
            return position
    return None


def inches(page: Image.Image) -> tuple[float, float]:
    return (round(page.width / DPI, 2), round(page.height / DPI, 2))


def millimetres(page: Image.Image) -> tuple[int, int]:
    return (round(page.width / DPI * 25.4), round(page.height / DPI * 25.4))


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = write_pdf(pdf, tmp_path)
    result = subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def words_per_page(pdf: bytes, tmp_path: Path) -> list[list[tuple]]:
    """Each page's words with their boxes (points, from the page's top left), from pdftotext."""
    path = write_pdf(pdf, tmp_path)
    html = subprocess.run(  # noqa: S603
        ["pdftotext", "-bbox", str(path), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [
        [(float(a), float(b), float(c), float(d), word) for a, b, c, d, word in WORD.findall(page)]
        for page in html.split("<page ")[1:]
    ]


def labels_for(site, count: int, **fields) -> list:
    """What `count` labels say, from equipment as it would be loaded (nothing saved)."""
    return [
        label_content(
            Equipment(site=site, asset_tag=f"CT-{n:03d}", name=f"CT scanner {n}", **fields)
        )
        for n in range(1, count + 1)
    ]


# --- The stable address -----------------------------------------------------------------------


def test_stable_address_is_built_from_the_public_base_url(site_a):
    equipment = factories.EquipmentFactory(site=site_a, asset_tag="CT-001")

    assert stable_address(equipment) == f"{BASE}/e/ALPHA/CT-001/"


def test_stable_address_opens_the_equipment_page(client, tech, site_a):
    equipment = factories.EquipmentFactory(site=site_a, asset_tag="CT-001")
    client.force_login(tech)

    response = client.get(urlsplit(stable_address(equipment)).path)

    assert response.status_code == 302
    assert response["Location"] == detail(equipment)


def test_stable_address_matches_site_and_tag_whatever_their_case(client, tech, site_a):
    equipment = factories.EquipmentFactory(site=site_a, asset_tag="Ct-Room1")
    client.force_login(tech)

    response = client.get("/e/alpha/cT-rOOM1/")

    assert response["Location"] == detail(equipment)


def test_stable_address_sends_a_stranger_to_sign_in_then_on_to_the_equipment(client, tech, site_a):
    equipment = factories.EquipmentFactory(site=site_a, asset_tag="US 04/B")
    path = urlsplit(stable_address(equipment)).path

    first = client.get(path)
    assert first.status_code == 302
    login_url, _, query = first["Location"].partition("?")
    assert login_url == reverse("login")

    signed_in = client.post(
        f"{login_url}?{query}",
        {"username": tech.username, "password": factories.PASSWORD, "next": path},
    )
    assert signed_in["Location"] == path
    assert client.get(path)["Location"] == detail(equipment)


def test_a_tag_at_another_site_answers_like_an_unknown_tag(client, tech, site_b):
    factories.EquipmentFactory(site=site_b, asset_tag="CT-001")
    client.force_login(tech)

    elsewhere = client.get("/e/BETA/CT-001/")
    unknown = client.get("/e/ALPHA/NO-SUCH-TAG/")

    assert elsewhere.status_code == unknown.status_code == 404
    assert without_csrf_token(elsewhere) == without_csrf_token(unknown)


@pytest.mark.parametrize("tag", ["US 04/B", "RAD/2024/07", "50% phantom #2?", "Room 3/"])
def test_tags_that_need_quoting_round_trip_through_their_address(client, tech, site_a, tag):
    equipment = factories.EquipmentFactory(site=site_a, asset_tag=tag)
    client.force_login(tech)
    address = stable_address(equipment)
    assert " " not in address and "#" not in address and "?" not in address

    response = client.get(urlsplit(address).path)

    assert response.status_code == 302
    assert response["Location"] == detail(equipment)


# --- The label PDF ----------------------------------------------------------------------------


@pytest.mark.needs_poppler
def test_31_labels_on_avery_5160_fill_one_letter_sheet_and_start_the_next(site_a, tmp_path):
    stock = STOCKS["avery-5160"]
    labels = labels_for(site_a, 31)

    pdf = build_label_pdf(labels, stock=stock)
    pages = rendered_pages(pdf, tmp_path)

    assert [inches(page) for page in pages] == [(8.5, 11), (8.5, 11)]
    addresses = [label.address for label in labels]
    assert labels_on(pages[0], stock) == dict(zip(range(1, 31), addresses[:30], strict=True))
    assert labels_on(pages[1], stock) == {1: f"{BASE}/e/ALPHA/CT-031/"}
    text = pdf_text(pdf, tmp_path)
    assert all(f"CT-{n:03d}" in text for n in range(1, 32))
    assert "Alpha General" in text and "CT scanner 17" in text


@pytest.mark.needs_poppler
def test_printing_starts_at_the_first_free_label_of_a_partly_used_sheet(site_a, tmp_path):
    stock = STOCKS["avery-5160"]
    labels = labels_for(site_a, 3)

    pages = rendered_pages(build_label_pdf(labels, stock=stock, start=29), tmp_path)

    assert len(pages) == 2
    assert labels_on(pages[0], stock) == {29: labels[0].address, 30: labels[1].address}
    assert labels_on(pages[1], stock) == {1: labels[2].address}


@pytest.mark.needs_poppler
def test_avery_l7160_is_an_a4_sheet_of_21_labels(site_a, tmp_path):
    stock = STOCKS["avery-l7160"]
    labels = labels_for(site_a, 22)

    pages = rendered_pages(build_label_pdf(labels, stock=stock), tmp_path)

    assert [millimetres(page) for page in pages] == [(210, 297), (210, 297)]
    assert sorted(labels_on(pages[0], stock)) == list(range(1, 22))
    assert labels_on(pages[1], stock) == {1: labels[21].address}


@pytest.mark.needs_poppler
@pytest.mark.parametrize(
    ("code", "size"), [("single-2x1in", (2.0, 1.0)), ("single-62x29mm", (2.44, 1.14))]
)
def test_single_labels_print_one_to_a_page_of_the_labels_size(site_a, tmp_path, code, size):
    stock = STOCKS[code]
    labels = labels_for(site_a, 3)

    pdf = build_label_pdf(labels, stock=stock)
    pages = rendered_pages(pdf, tmp_path)

    assert len(pages) == 3
    for page, label in zip(pages, labels, strict=True):
        assert inches(page) == size
        assert labels_on(page, stock) == {1: label.address}
    assert [words[0][4] for words in words_per_page(pdf, tmp_path)] == ["ALPHA"] * 3


@pytest.mark.needs_poppler
@pytest.mark.parametrize("code", list(STOCKS))
def test_long_names_and_tags_are_shortened_never_printed_past_the_label(site_a, tmp_path, code):
    """GIVEN a 50-character tag and a 200-character name WHEN labels print on each stock THEN
    every word lies inside its own label, the name ends in an ellipsis, and the code still reads.
    """
    stock = STOCKS[code]
    site_a.name = "Alpha General Hospital and Regional Comprehensive Cancer Centre"
    long_name = "Whole-body positron emission tomography scanner " * 4
    labels = [
        label_content(Equipment(site=site_a, asset_tag="PET-CT-" + "7" * 43, name=long_name)),
        label_content(Equipment(site=site_a, asset_tag="X" * 50, name="W" * 200)),
    ]

    pdf = build_label_pdf(labels, stock=stock)

    height = stock.page_size[1]
    for words in words_per_page(pdf, tmp_path):
        for x_min, y_min, x_max, y_max, word in words:
            top_left = position_at(stock, x_min, height - y_min)
            bottom_right = position_at(stock, x_max, height - y_max)
            assert top_left is not None and top_left == bottom_right, word
    assert "…" in pdf_text(pdf, tmp_path)
    first_page = rendered_pages(pdf, tmp_path)[0]
    assert labels_on(first_page, stock)[1] == labels[0].address


def test_a_start_outside_the_sheet_or_no_labels_is_refused(site_a):
    with pytest.raises(ValueError, match="between 1 and 30"):
        build_label_pdf(labels_for(site_a, 1), stock=STOCKS["avery-5160"], start=31)
    with pytest.raises(ValueError, match="no labels"):
        build_label_pdf([], stock=STOCKS["avery-5160"])


# --- Choosing what to print -------------------------------------------------------------------


@pytest.fixture
def fleet(site_a, site_b):
    return {
        "ct": factories.EquipmentFactory(site=site_a, asset_tag="CT-001", modalities=["CT"]),
        "mr": factories.EquipmentFactory(site=site_a, asset_tag="MR-001", modalities=["MR"]),
        "us": factories.EquipmentFactory(site=site_a, asset_tag="US 04/B", modalities=["US"]),
        "beta": factories.EquipmentFactory(site=site_b, asset_tag="CT-900", modalities=["CT"]),
    }


def test_the_label_form_counts_the_filtered_equipment_at_the_persons_sites(client, tech, fleet):
    client.force_login(tech)

    response = client.get(LIST_LABELS, {"modality": "CT", "page": "2"})

    assert response.status_code == 200
    assert "<strong>1 label</strong>" in response.content.decode()
    assert response.context["filter_params"] == [("modality", "CT")]
    assert 'name="modality" value="CT"' in response.content.decode()


@pytest.mark.needs_poppler
def test_the_list_prints_the_filtered_equipment_at_the_persons_sites_only(
    client, tech, fleet, tmp_path
):
    client.force_login(tech)
    stock = STOCKS["avery-5160"]

    everything = client.get(LIST_LABELS, {"sheet": stock.code, "start": 1})
    filtered = client.get(LIST_LABELS, {"modality": "MR", "sheet": stock.code, "start": 1})

    assert everything["Content-Type"] == "application/pdf"
    [page] = rendered_pages(everything.content, tmp_path / "all")
    assert labels_on(page, stock) == {  # the list's order: by site, then tag; BETA's not at all
        1: f"{BASE}/e/ALPHA/CT-001/",
        2: f"{BASE}/e/ALPHA/MR-001/",
        3: f"{BASE}/e/ALPHA/US%2004/B/",
    }
    [page] = rendered_pages(filtered.content, tmp_path / "mr")
    assert labels_on(page, stock) == {1: f"{BASE}/e/ALPHA/MR-001/"}


def test_more_equipment_than_one_print_run_holds_is_refused_with_a_clear_message(
    client, tech, fleet, monkeypatch
):
    monkeypatch.setattr(label_views, "MAX_LABELS", 2)
    client.force_login(tech)

    form = client.get(LIST_LABELS)
    attempt = client.get(LIST_LABELS, {"sheet": "avery-5160", "start": 1})

    assert form.status_code == 200
    assert attempt.status_code == 400
    assert attempt["Content-Type"].startswith("text/html")
    message = "<strong>3 pieces of equipment</strong> match these filters; at most 2 labels"
    assert message in form.content.decode()
    assert "Download PDF" not in form.content.decode()


def test_filters_naming_another_site_are_refused(client, tech, site_b, fleet):
    client.force_login(tech)

    response = client.get(LIST_LABELS, {"site": site_b.pk, "sheet": "avery-5160", "start": 1})

    assert response.status_code == 400
    assert "These filters cannot be used" in response.content.decode()


def test_no_matching_equipment_says_there_is_nothing_to_print(client, tech, fleet):
    client.force_login(tech)

    response = client.get(LIST_LABELS, {"q": "nothing-like-this", "sheet": "avery-5160"})

    assert response.status_code == 400
    assert "no labels to print" in response.content.decode()


@pytest.mark.parametrize(
    ("sheet", "start", "message"),
    [
        ("avery-5160", "31", "holds 30 labels: choose a position from 1 to 30."),
        ("avery-l7160", "22", "holds 21 labels: choose a position from 1 to 21."),
        ("single-2x1in", "2", "Single labels print one to a page: start at 1."),
        ("avery-5160", "first", "Enter a whole number."),
        ("letter-9999", "1", "Select a valid choice."),
    ],
)
def test_a_bad_sheet_or_start_is_a_field_error(client, tech, fleet, sheet, start, message):
    client.force_login(tech)

    response = client.get(one_label(fleet["ct"]), {"sheet": sheet, "start": start})

    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.needs_poppler
def test_an_equipment_page_prints_its_own_label_with_the_public_address(
    client, tech, fleet, tmp_path
):
    client.force_login(tech)
    stock = STOCKS["single-62x29mm"]

    response = client.get(one_label(fleet["us"]), {"sheet": stock.code, "start": 1})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="label-alpha-us-04b.pdf"'
    [page] = rendered_pages(response.content, tmp_path)
    # The test client calls itself "testserver"; the label holds PUBLIC_BASE_URL all the same.
    assert labels_on(page, stock) == {1: f"{BASE}/e/ALPHA/US%2004/B/"}
    assert "US 04/B" in pdf_text(response.content, tmp_path)


def test_another_sites_equipment_has_no_label_for_this_person(client, tech, fleet):
    client.force_login(tech)

    assert client.get(one_label(fleet["beta"])).status_code == 404
    assert client.get(one_label(fleet["beta"]), {"sheet": "avery-5160"}).status_code == 404


def test_anyone_who_may_view_may_print_an_inspector_too(client, inspector, fleet):
    client.force_login(inspector)

    form = client.get(one_label(fleet["ct"]))
    pdf = client.get(one_label(fleet["ct"]), {"sheet": "avery-5160", "start": 5})

    assert form.status_code == 200
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"


def test_label_pages_send_a_signed_out_person_to_sign_in(client, fleet):
    for url in (LIST_LABELS, one_label(fleet["ct"])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_list_and_the_equipment_page_offer_printing(client, person, site_a, fleet):
    client.force_login(person(Role.MANAGER, site_a))

    listing = client.get(reverse("equipment:list"), {"modality": "CT"}).content.decode()
    page = client.get(detail(fleet["ct"])).content.decode()

    assert f'href="{LIST_LABELS}?modality=CT">Print labels</a>' in listing
    assert f'href="{one_label(fleet["ct"])}">Print label</a>' in page


def test_printing_runs_the_same_queries_for_3_and_for_30_labels(client, tech, site_a):
    client.force_login(tech)
    params = {"sheet": "avery-5160", "start": 1}

    def queries_for_labels() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST_LABELS, params).status_code == 200
        return len(captured)

    for n in range(3):
        factories.EquipmentFactory(site=site_a, asset_tag=f"A-{n:02d}")
    queries_for_labels()  # the first request of a session loads the session and the user
    few = queries_for_labels()
    for n in range(3, 30):
        factories.EquipmentFactory(site=site_a, asset_tag=f"A-{n:02d}")

    assert queries_for_labels() == few


@pytest.mark.needs_poppler
def test_a_label_promises_only_what_scanning_does_today(site_a, tmp_path):
    """Scanning opens the equipment page; records and QC entry do not exist yet, so the label
    must not offer them."""
    text = pdf_text(build_label_pdf(labels_for(site_a, 1), stock=STOCKS["avery-5160"]), tmp_path)

    assert "Scan to open in Imaging Ops" in text
    assert "QC" not in text and "records" not in text.lower()
