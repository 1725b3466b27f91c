"""The logs that cover a site as PDFs: the training log, the radioactive materials log and
the site QC summary, each a pure function of its snapshot and the stamp, on the page furniture
every log shares (`compliance.documents.log_pages`)."""

from reportlab.platypus import Spacer

from compliance.documents.log_pages import (
    LogStamp,
    build_log_pdf,
    cell,
    facility_lines,
    lines,
    make_styles,
    para,
    result_lines,
    section,
    signature_lines,
)


def _header(snapshot: dict, styles, note: str, title=None) -> list:
    """The log's title, period and facility; within a larger document (`title` given, a
    flowable), the title and the period only: that document's cover names the facility."""
    facility, period = snapshot["facility"], snapshot["period"]
    when = para(
        f"Period {period['start']} to {period['end']} (both days included, site time); "
        f"{note} as of {snapshot['as_of']}.",
        styles["body"],
    )
    if title is not None:
        return [title, when]
    return [
        para(f"{snapshot['title']}: {facility['name']} ({facility['code']})", styles["title"]),
        when,
        Spacer(1, 4),
        lines(facility_lines(facility), styles["body"]),
    ]


def _build(snapshot: dict, stamp: LogStamp, story: list) -> bytes:
    facility, period = snapshot["facility"], snapshot["period"]
    return build_log_pdf(
        story=story,
        running=f"{snapshot['title']} — {facility['name']} ({facility['code']}) — "
        f"{period['start']} to {period['end']}",
        title=f"{snapshot['title']} {facility['code']} {period['start']} to {period['end']}",
        stamp=stamp,
        styles=make_styles(),
    )


# --- Training log ------------------------------------------------------------------------------


def build_training_log_pdf(snapshot: dict, stamp: LogStamp) -> bytes:
    """The training log's PDF bytes: the period's records, then the standing at its end."""
    return _build(snapshot, stamp, training_log_story(snapshot, make_styles()))


def training_log_story(snapshot: dict, styles, *, title=None) -> list:
    """The training log's sections as flowables (`title`: as `equipment_log_story`)."""
    records = snapshot["records"]
    rows = [
        [
            r["person"],
            r["course"],
            r["completed_on"],
            r["expires_on"],
            r["instructor"],
            cell(
                [
                    r["result"],
                    "Imported past training" if r["imported"] else "",
                    f"VOIDED: {r['voided']}" if r["voided"] else "",
                ],
                styles["cell"],
            ),
            cell(signature_lines(r["signatures"]), styles["cell"]),
        ]
        for r in records
    ]
    failed = [i for i, r in enumerate(records) if not r["counts"]]
    standing = snapshot["standing"]
    return [
        *_header(snapshot, styles, "standing", title),
        *section(
            "Training completed in the period",
            ["Person", "Course", "Completed", "Expires", "Instructor", "Result", "Signatures"],
            rows,
            [2, 2.6, 1, 1.1, 1.8, 1.2, 2.8],
            styles,
            empty="No training was completed at this site in the period.",
            shaded=failed,
        ),
        *section(
            "Standing at the end of the period",
            ["Person", "Course", "Last completed", "Expires", "Standing"],
            [
                [s["person"], s["course"], s["completed_on"], s["expires_on"], s["status"]]
                for s in standing
            ],
            [2.5, 3.5, 1.3, 1.3, 2.4],
            styles,
            empty="No training on record at this site by the period's end.",
            shaded=[i for i, s in enumerate(standing) if not s["current"]],
        ),
    ]


# --- Radioactive materials log -----------------------------------------------------------------


def service_rows(records: list[dict], styles) -> tuple[list[list], list[int]]:
    """Service records as a table of site records prints them (equipment, procedure,
    performer, results, outcome, signatures), and the rows at action level."""
    rows, shaded = [], []
    for r in records:
        outcome = [r["outcome"], r["timeliness"]]
        if r["voided"]:
            outcome.append(f"VOIDED: {r['voided']}")
        if r["outcome"] == "Action":
            shaded.append(len(rows))
        amended = [
            f"Amended (version {a['version']}, {a['at']}): {a['reason']}" for a in r["amendments"]
        ]
        rows.append(
            [
                r["performed_at"],
                cell([r["equipment"], r["procedure"], r["citation"]], styles["cell"]),
                cell(
                    [r["performer"], *(f"Instrument: {i}" for i in r["instruments"])],
                    styles["cell"],
                ),
                cell(
                    [
                        *result_lines(r["results"]),
                        *([f"Comments: {r['comments']}"] if r["comments"] else []),
                        *amended,
                    ],
                    styles["cell"],
                ),
                cell(outcome, styles["cell"]),
                cell(signature_lines(r["signatures"]), styles["cell"]),
            ]
        )
    return rows, shaded


def build_radioactive_log_pdf(snapshot: dict, stamp: LogStamp) -> bytes:
    """The radioactive materials log's PDF bytes: the inventory, then each kind of record."""
    return _build(snapshot, stamp, radioactive_log_story(snapshot, make_styles()))


def radioactive_log_story(snapshot: dict, styles, *, title=None) -> list:
    """The radioactive materials log's sections as flowables (`title`: as
    `equipment_log_story`)."""
    sources = snapshot["sources"]
    story = [
        *_header(snapshot, styles, "inventory and decayed activities", title),
        *section(
            "Sealed-source inventory",
            [
                "Source",
                "Radionuclide (half-life)",
                "Reference activity and date",
                "Activity today",
                "Location",
                "Status",
            ],
            [
                [
                    cell(
                        [f"{s['asset_tag']} {s['name']}", f"Serial {s['serial_number'] or '—'}"],
                        styles["cell"],
                    ),
                    f"{s['radionuclide']} ({s['half_life']})" if s["half_life"] else "—",
                    f"{s['reference']} on {s['reference_date']}"
                    if s["reference_date"]
                    else s["reference"],
                    f"{s['activity']} on {s['activity_on']}" if s["activity"] else "—",
                    f"{s['location']} — "
                    + ("secured storage" if s["secured"] else "NOT secured storage"),
                    s["status"],
                ]
                for s in sources
            ],
            [2.4, 1.6, 2.4, 2, 2.4, 1.2],
            styles,
            empty="No sealed sources are registered at this site.",
            shaded=[i for i, s in enumerate(sources) if not s["secured"]],
        ),
    ]
    header = ["Performed", "Equipment; procedure", "Performer", "Results", "Outcome", "Signatures"]
    for part in snapshot["sections"]:
        rows, shaded = service_rows(part["records"], styles)
        story += section(
            part["title"],
            header,
            rows,
            [1.5, 2.3, 1.9, 3.8, 0.9, 2.5],
            styles,
            empty=f"No {part['title'].lower()} in the period.",
            shaded=shaded,
        )
    return story


# --- Site QC summary ---------------------------------------------------------------------------


def build_site_qc_pdf(snapshot: dict, stamp: LogStamp) -> bytes:
    """The site QC summary's PDF bytes: one row per piece of equipment, then the totals."""
    return _build(snapshot, stamp, site_qc_story(snapshot, make_styles()))


def site_qc_story(snapshot: dict, styles, *, title=None) -> list:
    """The site QC summary's sections as flowables (`title`: as `equipment_log_story`)."""
    rows = snapshot["equipment"]
    totals = snapshot["totals"]
    body = [
        [
            r["equipment"],
            r["modality"] or "—",
            r["status"],
            r["on_time_share"],
            f"{r['overdue']} of {r['schedules']}",
            r["failures"],
            r["open_work_orders"],
        ]
        for r in rows
    ]
    if rows:
        share = (
            f"{totals['on_time'] / totals['completions']:.0%} "
            f"({totals['on_time']} of {totals['completions']})"
            if totals["completions"]
            else "no scheduled completions"
        )
        body.append(
            [
                "All equipment",
                "",
                "",
                share,
                f"{totals['overdue']} of {totals['schedules']}",
                totals["failures"],
                totals["open_work_orders"],
            ]
        )
    return [
        *_header(snapshot, styles, "overdue schedules and open work orders", title),
        para(
            "On-time share: scheduled completions that count (signed, not voided) performed in "
            "the period, and how many were on time. Overdue: active schedules overdue or past "
            "their hard limit. Failures: records in the period at action level. The same "
            "definitions as the compliance dashboard.",
            styles["body"],
        ),
        *section(
            "Equipment",
            [
                "Equipment",
                "Modality",
                "Status",
                "On time",
                "Overdue schedules",
                "Failures (action)",
                "Open work orders",
            ],
            body,
            [3, 0.9, 1.4, 2, 1.3, 1.1, 1.1],
            styles,
            empty="No equipment in use at this site.",
            shaded=[i for i, r in enumerate(rows) if r["overdue"] or r["failures"]],
        ),
    ]
