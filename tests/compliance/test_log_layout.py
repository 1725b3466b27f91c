"""How a log's pages read to an inspector: no text runs out of its cell, over the draft mark or
off the page, whatever the names and comments hold; a section's heading stays with the first
rows of its table instead of leaving the page under the previous section blank; a trend's
axis labels read as numbers, each tick its own."""

import copy
import re
import subprocess

import pytest

from compliance.documents.equipment_log import build_equipment_log_pdf
from compliance.documents.log_pages import (
    MARGIN,
    PAGE,
    Row,
    RowTable,
    broken_lines,
    fitted_line,
    make_styles,
    table,
)
from imaging_ops.pdf_charts import trend_drawing
from imaging_ops.web.charts import Chart, Point, tick_texts, ticks
from tests.compliance.logs_support import record
from tests.compliance.logs_support import snapshot as equipment_snapshot
from tests.compliance.test_equipment_log_pdf import stamp
from tests.equipment.conftest import NOW

pytestmark = pytest.mark.django_db

WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)
# pdftotext's boxes are the glyphs' own, a hair wider than their advance.
SLACK = 1.0
LONG_NAME = "Zoë Ångström-Łukasiewicz, RT(R)(CT)(MR)(N), CNMT, RDMS — Ñuñez y Castellón"
URL = "https://vendor.example.com/service-reports/" + "7f3a9c" * 25 + ".pdf"


def words_outside_the_margins(pdf: bytes, tmp_path) -> list[tuple[int, str]]:
    """(page, word) for every word poppler places outside the page's margins."""
    path = tmp_path / "layout.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(  # noqa: S603
        ["pdftotext", "-bbox", str(path), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    outside = []
    for number, page in enumerate(html.split("<page ")[1:], start=1):
        for match in WORD.finditer(page):
            x_min, _y_min, x_max, _y_max = (float(v) for v in match.groups()[:4])
            if x_min < MARGIN - SLACK or x_max > PAGE[0] - MARGIN + SLACK:
                outside.append((number, match[5]))
    return outside


def with_hostile_text(log: dict) -> dict:
    """The snapshot as the worst real data would make it: a long name with diacritics on the
    equipment and every signature, a vendor's report URL with no space in it in comments."""
    log = copy.deepcopy(log)
    log["equipment"]["name"] = "Somatom go.Top dual-source CT scanner " + LONG_NAME
    for entry in log["records"]:
        entry["performer"] = LONG_NAME
        entry["comments"] = f"Vendor report {URL} — ± 0.5 µSv/h at 1 m."
        for signature in entry["signatures"]:
            signature["name"] = LONG_NAME
    return log


@pytest.mark.needs_poppler
def test_no_text_runs_off_the_page_or_out_of_a_cell(zoe, daily, ct, tmp_path):
    for days_ago in (1, 2, 3):
        record(daily, zoe, days_ago=days_ago)
    log = with_hostile_text(equipment_snapshot(ct))
    pdf = build_equipment_log_pdf(log, stamp(log, generated_by=LONG_NAME))
    assert words_outside_the_margins(pdf, tmp_path) == []


@pytest.mark.needs_poppler
def test_the_running_header_is_cut_short_before_the_draft_mark(zoe, daily, ct, tmp_path):
    record(daily, zoe, days_ago=1)
    log = with_hostile_text(equipment_snapshot(ct))
    path = tmp_path / "header.pdf"
    path.write_bytes(build_equipment_log_pdf(log, stamp(log)))
    first_line = subprocess.run(  # noqa: S603
        ["pdftotext", "-f", "1", "-l", "1", "-layout", str(path), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()[0]
    assert first_line.startswith("Equipment log — ALPHA-CT1")
    assert "…" in first_line and first_line.rstrip().endswith("DRAFT — NOT APPROVED")


@pytest.mark.needs_poppler
def test_the_service_records_start_under_the_schedules_on_the_first_page(zoe, daily, ct, tmp_path):
    """GIVEN a log whose records fill more than a page WHEN it is rendered THEN the first page
    holds the records' heading and the first record under the schedules, not a blank half."""
    for days_ago in range(1, 15):
        record(daily, zoe, days_ago=days_ago)
    log = equipment_snapshot(ct)
    path = tmp_path / "first.pdf"
    path.write_bytes(build_equipment_log_pdf(log, stamp(log)))
    first_page = subprocess.run(  # noqa: S603
        ["pdftotext", "-f", "1", "-l", "1", str(path), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "Schedules" in first_page and "Service records" in first_page
    assert f"Record #{log['records'][0]['id']}," in first_page


def test_a_word_wider_than_its_column_is_cut_to_fit():
    from reportlab.pdfbase.pdfmetrics import stringWidth

    style = make_styles()["cell"]
    font, size = style.fontName, style.fontSize
    found = broken_lines(f"Report {URL} received", font, size, 120)
    assert "".join(found).replace(" ", "") == f"Report{URL}received"
    assert len(found) > 3 and all(stringWidth(line, font, size) <= 120 for line in found)
    assert broken_lines("fits", font, size, 120) == ["fits"]


def test_a_line_too_long_for_the_header_ends_with_an_ellipsis():
    from reportlab.pdfbase.pdfmetrics import stringWidth

    font = make_styles()["head"].fontName
    cut = fitted_line("Equipment log — " + LONG_NAME * 3, font, 9, 300)
    assert cut.endswith("…") and stringWidth(cut, font, 9) <= 300
    assert fitted_line("Equipment log", font, 9, 300) == "Equipment log"


def test_a_large_value_reads_as_a_number_and_its_ticks_differ():
    """An MRI's centre frequency in Hz: the ticks were all "6.38614e+07"."""
    values = ticks(63_861_340.0, 63_861_460.0)
    labels = tick_texts(values)
    assert len(set(labels)) == len(labels) > 2
    assert all("e" not in label and label.isdigit() for label in labels)
    assert tick_texts(ticks(-1.0, 1.0)) == ["\u22121", "\u22120.5", "0", "0.5", "1"]


def test_a_charts_tick_labels_stay_inside_its_drawing():
    from reportlab.graphics.shapes import String
    from reportlab.pdfbase.pdfmetrics import stringWidth

    font = make_styles()["cell"].fontName
    chart = Chart(
        title="MRI weekly ACR phantom: Centre frequency",
        unit="Hz",
        points=[Point(NOW, 63_861_452.0), Point(NOW.replace(day=2), 63_861_341.0)],
    )
    drawing = trend_drawing(chart, width=340, height=150, font=font)
    texts = [s for s in drawing.contents if isinstance(s, String)]
    left_edges = [
        s.x - stringWidth(s.text, font, s.fontSize) if s.textAnchor == "end" else s.x for s in texts
    ]
    assert "63861400" in [s.text for s in texts]
    assert min(left_edges) >= 0


def test_a_count_of_zero_prints_as_zero_not_as_a_blank_cell():
    """The site QC summary's "Failures (action)" read blank for none, as if not recorded."""
    styles = make_styles()
    zeros = table(["Failures", "Open work orders"], [[0, 0], [2, None]], [80, 80], styles)
    assert [row[:2] for row in zeros._cellvalues[1:]] == [["0", "0"], ["2", ""]]
    laid = RowTable(["Failures"], [80], styles, [0], lambda n: [Row((n,))])._lay(Row((0,)))
    assert laid.columns == [["0"]]
