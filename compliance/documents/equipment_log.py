"""The equipment log as a PDF: a pure function of the snapshot and the stamp of its generation.

Its sections (the facility and equipment, schedules, service records with their amendments,
the trend of each numeric check, work orders, status changes, exceptions) on the page
furniture every log shares (`compliance.documents.log_pages`).
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

from compliance.documents.log_pages import (
    LogStamp,
    Row,
    RowTable,
    build_log_pdf,
    facility_lines,
    lines,
    make_styles,
    para,
    result_lines,
    signature_lines,
    table,
    width,
)
from imaging_ops.pdf_charts import trend_drawing
from imaging_ops.web.charts import Chart, Marker, Point, Zone

__all__ = ["LogStamp", "build_equipment_log_pdf", "equipment_log_story"]

# Trend charts two to a row, each as wide as half the page allows.
TREND_COLUMNS = 2
TREND_HEIGHT = 150


def _header_section(snapshot: dict, styles, title=None) -> list:
    facility, equipment, period = snapshot["facility"], snapshot["equipment"], snapshot["period"]
    left = facility_lines(facility)
    right = [
        f"{equipment['asset_tag']} {equipment['name']}",
        f"{equipment['category']}; modality {equipment['modality'] or 'none'}",
        "Manufacturer / model / serial: "
        + " / ".join(
            x or "—"
            for x in (equipment["manufacturer"], equipment["model"], equipment["serial_number"])
        ),
        f"Location: {equipment['location'] or 'not recorded'}",
        f"Status: {equipment['status']}; {equipment['risk']}",
        f"Maintenance strategy: {equipment['maintenance_strategy']}",
    ]
    facts = Table(
        [
            [para("Facility", styles["head"]), para("Equipment", styles["head"])],
            [lines(left, styles["body"]), lines(right, styles["body"])],
        ],
        colWidths=width([1, 1]),
    )
    facts.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    if title is None:
        title = para(
            f"{snapshot['title']}: {equipment['asset_tag']} {equipment['name']}", styles["title"]
        )
    return [
        title,
        para(
            f"Period {period['start']} to {period['end']} (both days included, site time); "
            f"schedule status as of {snapshot['as_of']}.",
            styles["body"],
        ),
        Spacer(1, 4),
        facts,
    ]


def _schedules(snapshot: dict, styles) -> list:
    rows = [
        [s["procedure"], s["last_done"], s["next_due"], s["status"]] for s in snapshot["schedules"]
    ]
    shaded = [i for i, s in enumerate(snapshot["schedules"]) if s["late"]]
    if not rows:
        return [para("Schedules", styles["h2"]), para("No schedules.", styles["body"])]
    return [
        para("Schedules", styles["h2"]),
        table(
            ["Procedure", "Last done", "Next due", "Status"],
            rows,
            width([4, 2.3, 2.3, 1.4]),
            styles,
            shaded,
        ),
    ]


RECORD_HEADER = [
    "Performed",
    "Procedure (citation)",
    "Performer; instruments",
    "Results against limits",
    "Outcome",
    "Signatures",
]
RECORD_SHARES = [1.5, 2, 1.9, 4.2, 0.9, 2.5]


def record_rows(r: dict) -> list[Row]:
    """A service record's rows in the log: its own, then one spanning row per amendment."""
    procedure = [
        r["procedure"],
        r["citation"],
        r["kind"],
        f"Record #{r['id']}, version {r['version']}",
    ]
    if r["report_received_on"]:
        procedure.append(f"Report received {r['report_received_on']}")
    outcome = [r["outcome"], r["timeliness"]]
    if r["voided"]:
        outcome.append(f"VOIDED: {r['voided']}")
    rows = [
        Row(
            (
                r["performed_at"],
                procedure,
                [r["performer"], *(f"Instrument: {i}" for i in r["instruments"])],
                [
                    *result_lines(r["results"]),
                    *([f"Comments: {r['comments']}"] if r["comments"] else []),
                ],
                outcome,
                signature_lines(r["signatures"]),
            ),
            shaded=r["outcome"] == "Action",
        )
    ]
    for a in r["amendments"]:
        old = a["superseded"]
        text = [
            f"Amendment: version {a['version']} made {a['at']}. Reason: {a['reason']}",
            f"Superseded version {old['number']}: performed {old['performed_at']} by "
            f"{old['performer']}, outcome {old['outcome']}.",
            *(f"  was {line}" for line in result_lines(old["results"])),
            *(f"  signed {line}" for line in signature_lines(old["signatures"])),
        ]
        rows.append(Row((text,)))
    return rows


def _records(snapshot: dict, styles) -> list:
    """Every service record, drawn row by row as the pages are laid out (a log holds
    thousands): nothing per record is made before its page is."""
    records = snapshot["records"]
    if not records:
        return [
            para("Service records", styles["h2"]),
            para("No service records in the period.", styles["body"]),
        ]
    listed = RowTable(RECORD_HEADER, width(RECORD_SHARES), styles, records, record_rows)
    return [para("Service records", styles["h2"]), listed]


def _work_orders(snapshot: dict, styles) -> list:
    rows = [
        [
            f"#{w['id']}",
            w["opened_at"],
            w["closed_at"] or "open",
            w["state"],
            w["priority"],
            w["problem"],
            w["resolution"],
            w["downtime"],
        ]
        for w in snapshot["work_orders"]
    ]
    if not rows:
        return [
            para("Work orders", styles["h2"]),
            para("No work orders in the period.", styles["body"]),
        ]
    return [
        para("Work orders", styles["h2"]),
        table(
            ["No.", "Opened", "Closed", "State", "Priority", "Problem", "Resolution", "Downtime"],
            rows,
            width([0.6, 1.6, 1.6, 1, 0.8, 3, 3, 1]),
            styles,
        ),
    ]


def _status_changes(snapshot: dict, styles) -> list:
    rows = [
        [c["at"], c["from"] or "—", c["to"], c["reason"], c["by"]]
        for c in snapshot["status_changes"]
    ]
    if not rows:
        return [
            para("Status changes", styles["h2"]),
            para("No status changes in the period.", styles["body"]),
        ]
    return [
        para("Status changes", styles["h2"]),
        table(["When", "From", "To", "Reason", "By"], rows, width([1.7, 1.3, 1.3, 4, 2]), styles),
    ]


def _exceptions(snapshot: dict, styles) -> list:
    rows = [[e["kind"], e["when"], e["detail"]] for e in snapshot["exceptions"]]
    out = [
        para("Exceptions", styles["h2"]),
        para(f"Time out of service in the period: {snapshot['out_of_service']}.", styles["body"]),
        Spacer(1, 3),
    ]
    if not rows:
        return [*out, para("No exceptions: nothing missed, overdue or left open.", styles["body"])]
    return [
        *out,
        table(["Exception", "When", "Detail"], rows, width([1.5, 2, 7]), styles, range(len(rows))),
    ]


def _chart(trend: dict, zone: ZoneInfo) -> Chart:
    """A trend of the snapshot as the chart the equipment page draws."""

    def at(text):
        return datetime.fromisoformat(text) if text else None

    return Chart(
        title=f"{trend['procedure']}: {trend['check']}",
        unit=trend["unit"],
        points=[Point(at(t), value, failed) for t, value, failed in trend["points"]],
        zones=[
            Zone(low, high, colour, label, at(start), at(end))
            for low, high, colour, label, start, end in trend["zones"]
        ],
        markers=[Marker(at(t), label) for t, label in trend["markers"]],
        time_text=lambda moment: f"{moment.astimezone(zone):%Y-%m-%d}",
    )


def _trends(snapshot: dict, styles) -> list:
    """Each numeric check's values in the period, its bands shaded and failures marked."""
    found = snapshot.get("trends", [])  # logs issued before trends were printed have none
    if not found:
        return []
    zone = ZoneInfo(snapshot["facility"]["time_zone"])
    column = width([1] * TREND_COLUMNS)[0]
    font = styles["cell"].fontName
    drawings = [
        trend_drawing(_chart(t, zone), width=column - 8, height=TREND_HEIGHT, font=font)
        for t in found
    ]
    rows = []
    for i in range(0, len(drawings), TREND_COLUMNS):
        row = drawings[i : i + TREND_COLUMNS]
        rows.append(row + [""] * (TREND_COLUMNS - len(row)))
    grid = Table(rows, colWidths=[column] * TREND_COLUMNS, splitByRow=1)
    grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    note = para(
        "Each numeric check's values in the period on the current procedure version's bands: "
        "passing shaded green, tolerance yellow, action red; failures drawn larger in red, a "
        "dashed line where the reference changed.",
        styles["body"],
    )
    return [KeepTogether([para("Trends of numeric checks", styles["h2"]), note]), grid]


def equipment_log_story(snapshot: dict, styles, *, title=None) -> list:
    """The equipment log's sections as flowables; `title` (a flowable) in place of its own
    title, where the log is a part of a larger document."""
    return [
        *_header_section(snapshot, styles, title),
        *_schedules(snapshot, styles),
        *_records(snapshot, styles),
        *_trends(snapshot, styles),
        *_work_orders(snapshot, styles),
        *_status_changes(snapshot, styles),
        *_exceptions(snapshot, styles),
    ]


def build_equipment_log_pdf(snapshot: dict, stamp: LogStamp) -> bytes:
    """The equipment log's PDF bytes; the same snapshot and stamp give the same bytes."""
    styles = make_styles()
    equipment, facility, period = snapshot["equipment"], snapshot["facility"], snapshot["period"]
    return build_log_pdf(
        story=equipment_log_story(snapshot, styles),
        running=f"{snapshot['title']} — {equipment['asset_tag']} {equipment['name']} — "
        f"{facility['name']} — {period['start']} to {period['end']}",
        title=f"{snapshot['title']} {equipment['asset_tag']} {period['start']} to {period['end']}",
        stamp=stamp,
        styles=styles,
    )
