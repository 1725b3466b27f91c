"""The equipment log's service records drawn row by row: the same text as ReportLab's own
table printed for them, a row longer than a page run on over the next, and rows made only as
their pages are laid out."""

import copy

import pytest
from reportlab.platypus import TableStyle

from compliance.documents import equipment_log
from compliance.documents.equipment_log import (
    RECORD_HEADER,
    RECORD_SHARES,
    build_equipment_log_pdf,
    record_rows,
)
from compliance.documents.log_pages import cell, para, table, width
from tests.compliance.logs_support import amend, record, snapshot
from tests.compliance.test_equipment_log_pdf import ACTION, pdf_text, stamp

pytestmark = pytest.mark.django_db


def _records_in_a_table(snapshot: dict, styles) -> list:
    """The records as the log drew them before: ReportLab's Table of wrapped cells, an
    amendment's row spanning every column, action rows shaded."""
    rows, shaded, spans = [], [], []
    for r in snapshot["records"]:
        for row in record_rows(r):
            cells = [c if isinstance(c, str) else cell(c, styles["cell"]) for c in row.cells]
            if row.spans:
                spans.append(len(rows))
                cells += [""] * (len(RECORD_HEADER) - 1)
            if row.shaded:
                shaded.append(len(rows))
            rows.append(cells)
    listed = table(RECORD_HEADER, rows, width(RECORD_SHARES), styles, shaded)
    listed.setStyle(TableStyle([("SPAN", (0, i + 1), (-1, i + 1)) for i in spans]))
    return [para("Service records", styles["h2"]), listed]


def _long_log(zoe, daily, ct, entries: int, *, amended: bool = True) -> dict:
    """A log of `entries` records: the three made here (one amended, unless not `amended`;
    one at action level) again and again, each copy with its own number."""
    record(daily, zoe, days_ago=3)
    made = record(daily, zoe, days_ago=2)
    if amended:
        amend(made, zoe, reason="Typed the wrong tube current", ma="101")
    record(daily, zoe, days_ago=1, ma="112", content=ACTION)
    log = snapshot(ct)
    made = log["records"]
    assert any(r["outcome"] == "Action" for r in made)
    assert amended == any(r["amendments"] for r in made)
    log["records"] = []
    for n in range(entries):
        entry = copy.deepcopy(made[n % len(made)])
        entry["id"] = 1000 + n
        log["records"].append(entry)
    return log


@pytest.mark.needs_poppler
def test_a_log_of_300_entries_prints_the_text_reportlabs_table_printed(
    zoe, daily, ct, tmp_path, monkeypatch
):
    log = _long_log(zoe, daily, ct, 300, amended=False)
    drawn = pdf_text(build_equipment_log_pdf(log, stamp(log)), tmp_path)
    monkeypatch.setattr(equipment_log, "_records", _records_in_a_table)
    tabled = pdf_text(build_equipment_log_pdf(log, stamp(log)), tmp_path)
    assert "Record #1299, version 1" in drawn
    assert drawn.count("Results against limits") > 20  # the header on every page of records
    # Page by page, the same words (the rows are as tall as the table made them).
    drawn_pages, tabled_pages = drawn.split("\f"), tabled.split("\f")
    assert len(drawn_pages) == len(tabled_pages)
    for mine, theirs in zip(drawn_pages, tabled_pages, strict=True):
        assert sorted(mine.split()) == sorted(theirs.split())


@pytest.mark.needs_poppler
def test_an_amendment_spans_the_row_beneath_its_record(zoe, daily, ct, tmp_path):
    log = _long_log(zoe, daily, ct, 3)
    text = " ".join(pdf_text(build_equipment_log_pdf(log, stamp(log)), tmp_path).split())
    amendment = log["records"][1]["amendments"][0]
    # Its lines broken across the page's width (the table broke them in the first column's).
    assert (
        f"Amendment: version 2 made {amendment['at']}. Reason: Typed the wrong tube current" in text
    )
    assert "Superseded version 1: performed" in text
    assert (
        "was Tube current: 100 mA — Pass (tolerance 95 to 105; action limits 90 to 110 mA)" in text
    )


@pytest.mark.needs_poppler
def test_a_record_longer_than_a_page_runs_on_over_the_next(zoe, daily, ct, tmp_path):
    log = _long_log(zoe, daily, ct, 3)
    results = log["records"][1]["results"]
    log["records"][1]["results"] = [
        {**results[0], "check": f"Check number {n}"} for n in range(1, 121)
    ]
    text = pdf_text(build_equipment_log_pdf(log, stamp(log)), tmp_path)
    for n in range(1, 121):
        assert f"Check number {n}:" in text
    pages = [page for page in text.split("\f") if "Check number" in page]
    assert len(pages) >= 3
    assert all("Results against limits" in page for page in pages)


def test_each_record_is_made_into_rows_once_or_twice_not_once_a_page(zoe, daily, ct, monkeypatch):
    log = _long_log(zoe, daily, ct, 200)
    calls = []

    def counted(entry):
        calls.append(entry["id"])
        return record_rows(entry)

    monkeypatch.setattr(equipment_log, "record_rows", counted)
    build_equipment_log_pdf(log, stamp(log))
    # Laid out as each page is: a record is met by the page it fits on and, when it does not,
    # by the next one; never by every page after it.
    assert set(calls) == {r["id"] for r in log["records"]}
    assert len(calls) < 2 * len(log["records"])
