"""The comparison beside the nearest peer (bench/peer.py): which databases it measures, the
growth from the small size to the large one beside the peer's figures, and its section in
docs/benchmarks.md, written without disturbing the rest of the generated part."""

import pytest

from bench import peer, report

X = "\u00d7"  # the table's multiplication sign
MAIN = "postgres://postgres@127.0.0.1:5432/imaging_ops_bench"


def test_full_scale_is_the_main_database_and_a_smaller_one_is_named_by_its_units():
    assert peer.database_url(MAIN, 1.0) == MAIN
    assert peer.database_url(MAIN, 0.1) == MAIN + "_1k"
    assert peer.database_url(MAIN, 0.02) == MAIN + "_200"


def _measured(scale, engine, units, seconds, queries=7):
    times = {
        key: [s * 0.9, s, s * 1.5]
        for key, s in zip([k for k, _ in peer.CASES], seconds, strict=True)
    }
    return peer.Measured(
        scale=scale,
        engine=engine,
        units=units,
        schedules=units * 6,
        times=times,
        queries=dict.fromkeys(times, queries),
        answers={},
        stale=[],
        deep_page=3,
    )


@pytest.fixture
def comparison():
    class Copy:
        reused, seconds, rows = False, 12.0, {"equipment_equipment": 1000}

    return peer.Comparison(
        measured=[
            _measured(0.1, "postgresql", 1_000, [0.04, 0.2, 0.21, 0.5]),
            _measured(0.1, "sqlite", 1_000, [0.05, 0.3, 0.31, 0.6], queries=8),
            _measured(1.0, "postgresql", 10_000, [0.06, 0.5, 0.52, 5.0]),
            _measured(1.0, "sqlite", 10_000, [0.05, 1.2, 1.3, 6.0], queries=8),
        ],
        copies={0.1: Copy(), 1.0: Copy()},
        runs=3,
        warmup=1,
        seconds=100,
        load=0.4,
    )


def test_each_case_shows_both_sizes_on_both_engines_with_the_growth_beside_the_peer(comparison):
    head = peer.header(comparison)
    assert head[1:4] == ["PostgreSQL 1k", "PostgreSQL 10k", "growth"]
    assert head[4:7] == ["SQLite 1k", "SQLite 10k", "growth"]
    rows = {row[0]: row for row in peer.table_rows(comparison)}
    my_work = rows["My work, technician (the landing page)"]
    # Medians: 0.04 -> 0.06 on PostgreSQL, 0.05 -> 0.05 on SQLite; the peer 0.7 s -> 8.1 s.
    assert my_work[1:10] == [
        "0.040",
        "0.060",
        f"1.5{X}",
        "0.050",
        "0.050",
        f"1.0{X}",
        "0.700",
        "8.10",
        f"11.6{X}",
    ]
    assert my_work[10] == "7 / 7 / 8 / 8"
    csv = rows["Due-date overview unpaginated: every schedule as CSV"]
    assert csv[7:10] == ["6.00", "80.0", f"13.3{X}"]
    dashboard = rows["Compliance dashboard, manager of every site"]
    assert dashboard[7:9] == ["—", "—"]  # the peer publishes no dashboard figure


def test_the_section_replaces_its_previous_version_and_keeps_the_rest(
    comparison, tmp_path, monkeypatch
):
    doc = tmp_path / "benchmarks.md"
    monkeypatch.setattr(report, "DOC", doc)
    doc.write_text(
        f"# Benchmarks\n\nintro\n\n{report.BEGIN}\n\n### Machine\n\nm\n\n### Audit chain\n\na\n"
        f"{report.END}\n\n## Findings\n\nkept\n"
    )
    report.write_peer_section(peer.section(comparison))
    first = doc.read_text()
    assert report.peer_section_in_doc().startswith(report.PEER_HEADING)
    assert f"| My work, technician (the landing page) | 0.040 | 0.060 | 1.5{X}" in first
    assert (
        first.index("### Audit chain") < first.index(report.PEER_HEADING) < first.index(report.END)
    )
    assert first.endswith(f"{report.END}\n\n## Findings\n\nkept\n")

    comparison.measured[2].times["my_work"] = [0.08] * 3
    report.write_peer_section(peer.section(comparison))
    second = doc.read_text()
    assert second.count(report.PEER_HEADING) == 1
    assert f"| 0.040 | 0.080 | 2.0{X}" in second
    assert second.replace(report.peer_section_in_doc(), "") == first.replace(
        report._split_peer(first.split(report.BEGIN)[1].split(report.END)[0])[1], ""
    )
