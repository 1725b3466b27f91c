"""An inspection pack as one PDF: a pure function of its snapshot and the stamp.

A cover page (the inspection, the site with its regulatory identifiers, the period, what the
pack holds and why), a table of contents with each section's page, then each section drawn
with the logs' own flowables (equipment_log, site_logs), every section and every machine's log
an entry of the PDF outline, on the page furniture every log shares (log_pages).
"""

from reportlab.platypus import CondPageBreak, PageBreak, Spacer

from compliance.documents.equipment_log import equipment_log_story
from compliance.documents.log_pages import (
    LogStamp,
    build_log_pdf,
    cell,
    contents,
    facility_lines,
    heading,
    lines,
    make_styles,
    para,
    result_lines,
    section,
    signature_lines,
    table,
    width,
)
from compliance.documents.site_logs import (
    radioactive_log_story,
    site_qc_story,
    training_log_story,
)
from imaging_ops.pdf import mm

__all__ = ["build_inspection_pack_pdf"]


def _cover(snapshot: dict, styles) -> list:
    facility, period = snapshot["facility"], snapshot["period"]
    held = [
        [str(n), s["title"], s["citation"], s["why"]]
        for n, s in enumerate(snapshot["sections"], start=1)
    ]
    return [
        para(f"{snapshot['title']}: {facility['name']} ({facility['code']})", styles["title"]),
        para(snapshot["inspection"], styles["h2"]),
        para(
            f"Period {period['start']} to {period['end']} (both days included, site time); "
            f"schedule status as of {snapshot['as_of']}.",
            styles["body"],
        ),
        Spacer(1, 4),
        lines(facility_lines(facility), styles["body"]),
        *section(
            "What this pack holds",
            ["No.", "Section", "Regulation", "What it holds"],
            held,
            [0.4, 3, 2.6, 5],
            styles,
            empty="",
        ),
        Spacer(1, 6),
        para(
            f"Following sections {snapshot['reference']} of Imaging Ops' regulatory reference. "
            "Each section prints the records as the site's own logs do; a section with "
            "nothing to print says why.",
            styles["body"],
        ),
        PageBreak(),
        para("Contents", styles["title"]),
        contents(styles),
    ]


def _file_lines(attachments: list[dict]) -> list[str]:
    """Each attached file and its SHA-256, the digest in groups of 16 so that it wraps in a
    narrow column (as fingerprints are usually written)."""
    out = []
    for a in attachments:
        digest = a["sha256"]
        groups = " ".join(digest[i : i + 16] for i in range(0, len(digest), 16))
        out += [f"File {a['name']}", f"SHA-256 {groups}"]
    return out


def _record_rows(records: list[dict], styles) -> tuple[list[list], list[int]]:
    """Surveys: the machine and procedure, the physicist, the report and its files, the
    results, the outcome, the signatures."""
    rows, shaded = [], []
    for r in records:
        if r["outcome"] == "Action":
            shaded.append(len(rows))
        report = [
            f"Report received {r['report_received_on']}"
            if r["report_received_on"]
            else "Report received: not recorded",
            *_file_lines(r["attachments"]),
        ]
        rows.append(
            [
                r["performed_at"],
                cell(
                    [r["equipment"], r["procedure"], r["citation"], f"Record #{r['id']}"],
                    styles["cell"],
                ),
                cell(
                    [r["performer"], *(f"Instrument: {i}" for i in r["instruments"])],
                    styles["cell"],
                ),
                cell(report, styles["cell"]),
                cell(
                    [
                        *result_lines(r["results"]),
                        *([f"Comments: {r['comments']}"] if r["comments"] else []),
                    ],
                    styles["cell"],
                ),
                cell(
                    [r["outcome"], f"VOIDED: {r['voided']}" if r["voided"] else ""],
                    styles["cell"],
                ),
                cell(signature_lines(r["signatures"]), styles["cell"]),
            ]
        )
    return rows, shaded


def _records(part: dict, styles) -> list:
    rows, shaded = _record_rows(part["records"], styles)
    return [
        table(
            [
                "Performed",
                "Equipment; procedure",
                "Performer",
                "Report and files",
                "Results",
                "Outcome",
                "Signatures",
            ],
            rows,
            width([1.3, 2.1, 1.5, 2.6, 3.1, 1, 2.2]),
            styles,
            shaded,
        )
    ]


def _evaluations(part: dict, styles) -> list:
    rows, shaded = [], []
    for e in part["evaluations"]:
        done = e["evaluation"]
        if done is None:
            shaded.append(len(rows))
            evaluation = ["No evaluation recorded after this event by the period's end."]
            signed = ["—"]
        else:
            evaluation = [
                f"{done['procedure']} ({done['kind']})",
                f"Performed {done['performed_at']} by {done['performer']}",
                f"Outcome {done['outcome']}",
                f"Report received {done['report_received_on'] or 'not recorded'}",
                *_file_lines(done["attachments"]),
            ]
            signed = signature_lines(done["signatures"])
        rows.append(
            [
                e["equipment"],
                cell(
                    [e["event"], e["occurred_at"], e["note"], f"Recorded by {e['recorded_by']}"],
                    styles["cell"],
                ),
                cell(evaluation, styles["cell"]),
                cell(signed, styles["cell"]),
            ]
        )
    return [
        table(
            ["Equipment", "Event", "Evaluation", "Signatures"],
            rows,
            width([2, 3, 4.5, 3]),
            styles,
            shaded,
        )
    ]


def _work_orders(part: dict, styles) -> list:
    orders = part["work_orders"]
    rows = [
        [
            w["equipment"],
            f"#{w['id']}",
            w["opened_at"],
            w["closed_at"] or "open",
            w["state"],
            w["problem"],
            w["resolution"],
            w["downtime"],
        ]
        for w in orders
    ]
    return [
        table(
            ["Equipment", "No.", "Opened", "Closed", "State", "Problem", "Resolution", "Downtime"],
            rows,
            width([2, 0.6, 1.5, 1.5, 1, 2.6, 2.6, 1]),
            styles,
            [i for i, w in enumerate(orders) if w["open"]],
        )
    ]


def _inventory(part: dict, styles) -> list:
    machines = part["equipment"]
    rows = [
        [
            m["equipment"],
            cell([m["category"], m["modalities"]], styles["cell"]),
            m["location"],
            m["status"],
            "High risk" if m["high_risk"] else "—",
            m["strategy"],
            cell(
                m["preventive_maintenance"] or ["No preventive maintenance schedule"],
                styles["cell"],
            ),
        ]
        for m in machines
    ]
    return [
        table(
            ["Equipment", "Category; modalities", "Location", "Status", "Risk", "Strategy", "PM"],
            rows,
            width([2.2, 1.6, 1.6, 1.1, 0.8, 1.3, 4]),
            styles,
            [i for i, m in enumerate(machines) if not m["preventive_maintenance"]],
        )
    ]


def _equipment_logs(part: dict, styles, number: int) -> list:
    story = []
    for n, log in enumerate(part["logs"], start=1):
        equipment = log["equipment"]
        title = heading(
            f"{number}.{n} Equipment log: {equipment['asset_tag']} {equipment['name']}",
            styles["h2"],
            level=1,
            key=f"section-{number}-{n}",
        )
        story += [CondPageBreak(70 * mm), *equipment_log_story(log, styles, title=title)]
    return story


def _inner(story, part: dict, styles) -> list:
    """A site log within the pack: its sections, under the pack's own heading."""
    return story(part.get("log") or part["training"], styles, title=Spacer(1, 2))


DRAW = {
    "records": lambda part, styles, number: _records(part, styles),
    "evaluations": lambda part, styles, number: _evaluations(part, styles),
    "work_orders": lambda part, styles, number: _work_orders(part, styles),
    "inventory": lambda part, styles, number: _inventory(part, styles),
    "equipment_logs": _equipment_logs,
    "training": lambda part, styles, number: _inner(training_log_story, part, styles),
    "radioactive_log": lambda part, styles, number: _inner(radioactive_log_story, part, styles),
    "site_qc": lambda part, styles, number: _inner(site_qc_story, part, styles),
}


def _sections(snapshot: dict, styles) -> list:
    story = []
    for number, part in enumerate(snapshot["sections"], start=1):
        story += [
            PageBreak(),
            heading(
                f"{number}. {part['title']}",
                styles["title"],
                level=0,
                key=f"section-{number}",
            ),
            para(f"{part['citation']}. {part['why']}", styles["body"]),
            Spacer(1, 4),
        ]
        if part["empty"]:
            story.append(para(part["empty"], styles["body"]))
        else:
            story += DRAW[part["kind"]](part, styles, number)
    return story


def build_inspection_pack_pdf(snapshot: dict, stamp: LogStamp) -> bytes:
    """The pack's PDF bytes; the same snapshot and stamp give the same bytes."""
    styles = make_styles()
    facility, period = snapshot["facility"], snapshot["period"]
    return build_log_pdf(
        story=[*_cover(snapshot, styles), *_sections(snapshot, styles)],
        running=f"{snapshot['title']} — {facility['name']} ({facility['code']}) — "
        f"{period['start']} to {period['end']}",
        title=f"{snapshot['title']} {facility['code']} {period['start']} to {period['end']}",
        stamp=stamp,
        styles=styles,
    )
