"""The demo department's history: the main site's last twelve weeks of records, written
through the same services a person's records go through, in the order they happened.

The department started keeping its records in Imaging Ops on the history's first day ("go
live"): its equipment was adopted in service then, the site copied its catalog procedures and
scheduled them unit by unit, each with the completion its paper records knew. From then on:

- the CT scanner's daily water phantom, each clinical day before opening, a few values at
  tolerance; one day without a record, which the daily roll-over writes as missed and the
  technologist annotates;
- the 1.5 T MRI's weekly ACR phantom, one week entered two days late from the paper sheet;
  the 3 T MRI's was scheduled last week and is still to do (the morning's overdue item);
- the dose calibrator's constancy each day of use, since the hot lab moved its log here;
- a survey meter calibrated by an outside laboratory, its certificate attached and
  countersigned, then used for the sealed sources' leak tests;
- the consulting physicist's MQSA survey of a mammography unit, the report attached when it
  arrived and countersigned as reviewed.

Each record is signed with the demo password (`check_signature` and `write_signature`, as the
record form does) and moves its schedule, so timeliness, trends, instrument validity and the
audit trail are the services' own. Every moment is counted on the site's clocks from the day
the command runs, and the history ends yesterday: this morning's work is still to do.

Written once, with its schedules: when any of these schedules has a record already, or was
made on another day (by an earlier run, or an earlier version of the demo), nothing is written.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from compliance.demo.documents import Sender, calibration_certificate, survey_report
from equipment.models import Equipment, MissedOccurrence, Procedure, Schedule, ServiceRecord
from equipment.scheduling import at_local
from equipment.services.missed import annotate_missed
from equipment.services.procedures import copy_library_procedure
from equipment.services.records import create_service_record, sign_service_record
from equipment.services.rollover import roll_over_schedules
from equipment.services.schedules import create_schedule, set_reference
from imaging_ops.models import Meaning
from imaging_ops.vocabulary import Role

HISTORY_WEEKS = 12
# The hot lab moved its paper constancy log here later than the scanners.
HOT_LAB_WEEKS = 4

CT_DAILY, MR_WEEKLY = "ACR-CT-DAILY-WATER", "ACR-MR-WEEKLY-PHANTOM"
DC_CONSTANCY, MQSA_SURVEY = "NRC-DC-CONSTANCY", "MQSA-ANNUAL-SURVEY"
LEAK_TEST, METER_CALIBRATION = "NRC-LEAK-TEST", "NRC-SURVEY-METER-CAL"
SOURCES = ("SRC1", "SRC2", "SRC3")
METER_USED = "SM1"
BASELINE_REASON = "Baseline from the acceptance survey."

CONSULTANT = Sender(
    organisation="Tri-State Medical Physics",
    address="8 Harbor Street, Suite 210, Springfield",
    person="Dr. Samuel Okafor",
    credentials="MS, DABR",
)
CALIBRATION_LAB = Sender(
    organisation="Atlantic Instrument Calibration",
    address="Mobile calibration service · ISO/IEC 17025 accredited",
    person="Dana Whitfield",
    credentials="Calibration technician",
)


@dataclass(frozen=True)
class Planned:
    """One schedule of the history: what, on which unit, to whom, since when, and the last
    completion its paper records knew (None: none to carry over)."""

    code: str
    suffix: str
    role: str
    starts: datetime
    last_done: datetime | None = None
    references: dict = field(default_factory=dict)


@dataclass
class Written:
    """What a run wrote, for the command's summary."""

    records: int = 0
    missed: int = 0
    skipped: str = ""


class History:
    """The main site's history as of `now`: its dates, its schedules and its records."""

    def __init__(self, site, people: dict, *, now: datetime, password: str):
        self.site, self.people, self.now, self.password = site, people, now, password
        self.today = site.today(now)
        self.first_day = self.today - timedelta(weeks=HISTORY_WEEKS)
        self.go_live = self.at(self.first_day, "05:30")
        self.calibrated_on = self.yearly_workday(self.first_day + timedelta(days=6))
        self.leak_tested_on = self.yearly_workday(self.first_day + timedelta(days=13))
        self.surveyed_on = self.yearly_workday(self.first_day + timedelta(days=20))
        self.report_on = self.workday(self.surveyed_on + timedelta(days=14))
        self.hot_lab_day = self.today - timedelta(weeks=HOT_LAB_WEEKS)
        self.missed_day = self.workday(self.today - timedelta(weeks=5))
        self.late_week = self.monday(self.today - timedelta(weeks=4))
        self.tolerance_days = {
            self.workday(self.today - timedelta(weeks=9, days=-1)): ("water_hu", "5.4"),
            self.workday(self.today - timedelta(weeks=6, days=-2)): ("water_noise", "6.38"),
            self.workday(self.today - timedelta(weeks=2, days=-3)): ("water_hu", "-5.2"),
        }
        self._checks: dict[int, dict[str, int]] = {}
        self._events: list = []

    # --- the calendar ----------------------------------------------------------------------

    def at(self, day: date, clock: str) -> datetime:
        """The moment the site's clocks show `clock` ("06:45") on `day`."""
        hours, minutes = map(int, clock.split(":"))
        return at_local(day, time(hours, minutes), self.site)

    def workday(self, day: date) -> date:
        """`day`, or the next clinical day."""
        while not self.site.is_clinical_day(day):
            day += timedelta(days=1)
        return day

    def yearly_workday(self, day: date) -> date:
        """`day`, or the next clinical day on a day of the month every month has: a date that
        six months or a year back and forth comes to itself again."""
        day = self.workday(day)
        while day.day > 28:
            day = self.workday(day + timedelta(days=1))
        return day

    @staticmethod
    def monday(day: date) -> date:
        return day - timedelta(days=day.weekday())

    def clinical_days(self, since: date) -> list[date]:
        days = (since + timedelta(days=n) for n in range((self.today - since).days))
        return [day for day in days if self.site.is_clinical_day(day)]

    # --- the schedules ----------------------------------------------------------------------

    def planned(self) -> list[Planned]:
        """The schedules the site made as it moved in (and since), with what its paper records
        knew; each last completion is set so the first record here meets its occurrence on
        time."""
        year, half = relativedelta(years=1), relativedelta(months=6)
        go_live = self.go_live
        leak_tested = self.at(self.leak_tested_on - half, "09:30")
        return [
            Planned(CT_DAILY, "CT1", Role.TECHNICIAN, go_live, references={"water_noise": "5.2"}),
            Planned(MR_WEEKLY, "MR15", Role.TECHNICIAN, go_live),
            # Added to the weekly round last week, and not done yet: this morning's overdue item.
            Planned(
                MR_WEEKLY,
                "MR30",
                Role.TECHNICIAN,
                self.at(self.monday(self.today) - timedelta(weeks=1), "05:30"),
            ),
            Planned(
                DC_CONSTANCY,
                "DC1",
                Role.TECHNICIAN,
                self.at(self.hot_lab_day, "05:30"),
                references={"constancy": "6.2"},
            ),
            Planned(
                MQSA_SURVEY,
                "MG1",
                Role.PHYSICIST,
                go_live,
                self.at(self.surveyed_on + timedelta(days=15) - year, "09:00"),
            ),
            Planned(
                MQSA_SURVEY,
                "MG2",
                Role.PHYSICIST,
                go_live,
                self.at(self.today - timedelta(days=300), "09:00"),
            ),
            *(Planned(LEAK_TEST, suffix, Role.RSO, go_live, leak_tested) for suffix in SOURCES),
            Planned(
                METER_CALIBRATION,
                METER_USED,
                Role.RSO,
                go_live,
                self.at(self.calibrated_on + timedelta(days=10) - year, "10:00"),
            ),
            Planned(
                METER_CALIBRATION,
                "SM2",
                Role.RSO,
                go_live,
                self.at(self.first_day - timedelta(days=200), "10:00"),
            ),
        ]

    def unit(self, suffix: str) -> Equipment | None:
        return (
            Equipment.objects.select_related("site")
            .filter(site=self.site, asset_tag=f"{self.site.code}-{suffix}")
            .first()
        )

    def schedule_of(self, plan: Planned) -> Schedule | None:
        return (
            Schedule.objects.select_related("equipment__site", "procedure__current_version")
            .filter(equipment__site=self.site, procedure__site=self.site, procedure__code=plan.code)
            .filter(equipment__asset_tag=f"{self.site.code}-{plan.suffix}")
            .first()
        )

    def set_up(self, library: dict[str, Procedure], manager) -> int:
        """The site's copies of the procedures and the planned schedules, each made at its own
        moment where missing; the schedules made."""
        made = 0
        for plan in self.planned():
            copy = Procedure.objects.filter(site=self.site, copied_from=library[plan.code]).first()
            if copy is None:
                copy = copy_library_procedure(
                    actor=manager, procedure=library[plan.code], site=self.site, now=self.go_live
                )
            unit = self.unit(plan.suffix)
            if unit is None or self.schedule_of(plan) is not None:
                continue  # (a demo unit someone removed, or an earlier run made the schedule)
            schedule = create_schedule(
                actor=manager,
                equipment=unit,
                procedure=copy,
                now=plan.starts,
                last_done=plan.last_done,
                assignee_role=plan.role,
            )
            for key, value in plan.references.items():
                set_reference(
                    actor=manager,
                    schedule=schedule,
                    check_key=key,
                    value=value,
                    reason=BASELINE_REASON,
                    now=plan.starts,
                )
            made += 1
        return made

    # --- the records ------------------------------------------------------------------------

    def write(self) -> Written:
        """Every record of the history, in the order they happened; nothing when the history
        is there already or the schedules are an earlier demo's."""
        schedules = {(p.code, p.suffix): (p, self.schedule_of(p)) for p in self.planned()}
        found = [s for _plan, s in schedules.values() if s is not None]
        if ServiceRecord.objects.filter(schedule__in=found).exists():
            return Written(skipped="the history is there already")
        if len(found) < len(schedules) or any(
            s.starts_on != self.site.today(p.starts) for p, s in schedules.values()
        ):
            # Its dates count from the day its schedules were made: another day's schedules
            # would see its first days as missed or late.
            return Written(
                skipped="the main site's schedules were made on another day or by an earlier "
                "version of the demo (`make clean` gives a fresh demo)"
            )
        by_key = {key: schedule for key, (_plan, schedule) in schedules.items()}
        self._ct_daily(by_key[CT_DAILY, "CT1"])
        self._dc_constancy(by_key[DC_CONSTANCY, "DC1"])
        self._mr_weekly(by_key[MR_WEEKLY, "MR15"])
        self._meter_calibration(by_key[METER_CALIBRATION, METER_USED])
        self._leak_tests([by_key[LEAK_TEST, suffix] for suffix in SOURCES])
        self._mqsa_survey(by_key[MQSA_SURVEY, "MG1"])
        written = Written()
        for _moment, _order, event in sorted(self._events, key=lambda e: e[:2]):
            kind = event()
            written.records += kind == "record"
            written.missed += kind == "missed"
        return written

    def _at(self, moment: datetime, event) -> None:
        self._events.append((moment, len(self._events), event))

    def _fresh(self, schedule: Schedule) -> Schedule:
        """The schedule as its clock stands now: each record moves it."""
        return Schedule.objects.select_related("equipment__site", "procedure__current_version").get(
            pk=schedule.pk
        )

    def _values(self, procedure: Procedure, values: dict[str, str]) -> dict[int, str]:
        if procedure.pk not in self._checks:
            checks = procedure.current_version.checks.all()
            self._checks[procedure.pk] = {c.key: c.pk for c in checks}
        ids = self._checks[procedure.pk]
        return {ids[key]: value for key, value in values.items()}

    def _signature(self, person) -> dict:
        return {"password": self.password, "username": person.username, "acknowledge_policy": True}

    def _record(self, schedule, person, *, performed_at, now, values, sign=True, **content):
        """Record (and sign as performed) the work on the schedule as it then stood."""
        current = self._fresh(schedule)
        return create_service_record(
            actor=person,
            schedule=current,
            performed_at=performed_at,
            now=now,
            values=self._values(current.procedure, values),
            signature=self._signature(person) if sign else None,
            **content,
        )

    def _record_at(self, now: datetime, schedule, person, **record) -> None:
        """A record entered at `now` (its `performed_at` given in `record`)."""

        def event() -> str:
            self._record(schedule, person, now=now, **record)
            return "record"

        self._at(now, event)

    def _daily(self, schedule, person, day: date, *, clock: str, values, comments="") -> None:
        """One clinical day's work: the roll-over just after midnight (which writes any day
        left without a record as missed), then the record before opening."""
        midnight = self.at(day, "00:05")

        def roll_over() -> str:
            return "missed" if roll_over_schedules([self._fresh(schedule)], now=midnight) else ""

        self._at(midnight, roll_over)
        performed_at = self.at(day, clock)
        self._record_at(
            performed_at + timedelta(minutes=6),
            schedule,
            person,
            performed_at=performed_at,
            values=values,
            comments=comments,
        )

    def _ct_daily(self, schedule) -> None:
        tech = self.people["tech"]
        for day in self.clinical_days(self.first_day):
            if day == self.missed_day:
                continue
            rng = random.Random(f"CT1 {day}")
            values = {
                "water_hu": f"{max(-3.8, min(3.8, rng.gauss(0.4, 1.2))):.1f}",
                "water_noise": f"{5.2 + rng.gauss(0, 0.12):.2f}",
                "artifacts_free": "yes",
            }
            comments = ""
            if day in self.tolerance_days:
                key, value = self.tolerance_days[day]
                values[key] = value
                comments = TOLERANCE_COMMENTS[key]
            self._daily(
                schedule,
                tech,
                day,
                clock=f"06:{42 + rng.randrange(12)}",
                values=values,
                comments=comments,
            )
        after = next(d for d in self.clinical_days(self.missed_day) if d > self.missed_day)
        self._at(self.at(after, "07:25"), lambda: self._annotate(schedule, tech, after))

    def _annotate(self, schedule, tech, after: date) -> str:
        missed = MissedOccurrence.objects.filter(schedule=schedule, day=self.missed_day)
        annotate_missed(
            actor=tech,
            occurrences=missed.select_related("schedule__procedure__current_version"),
            annotation="Unit not used that day: CT 1 closed for the fire-damper inspection; "
            "no patients scanned.",
            now=self.at(after, "07:25"),
        )
        return ""

    def _dc_constancy(self, schedule) -> None:
        tech = self.people["tech"]
        for day in self.clinical_days(self.hot_lab_day):
            rng = random.Random(f"DC1 {day}")
            reading = 6.2 * (1 + rng.gauss(0, 0.012))
            self._daily(
                schedule,
                tech,
                day,
                clock=f"06:{30 + rng.randrange(8)}",
                values={"constancy": f"{reading:.2f}"},
                comments="Cs-137 reference source MAIN-SRC1 on the Cs-137 setting.",
            )

    def _mr_weekly(self, schedule) -> None:
        """Once a week, on the week's first day here (Monday, or go-live day)."""
        tech = self.people["tech"]
        week = self.monday(self.first_day)
        while week <= self.today:
            day = max(week, self.first_day)
            if day < self.today:
                self._weekly_phantom(schedule, tech, day, week)
            week += timedelta(weeks=1)

    def _weekly_phantom(self, schedule, tech, day: date, week: date) -> None:
        rng = random.Random(f"MR15 {day}")
        drift = (day - self.first_day).days // 7 * 9  # the magnet's field drifts down slowly
        values = {
            "center_frequency": str(63_861_420 - drift + rng.randrange(-3, 4)),
            "transmitter_gain": f"{6.1 + rng.gauss(0, 0.05):.2f}",
            **dict.fromkeys(
                (
                    "table_position",
                    "geometric_accuracy",
                    "contrast",
                    "artifacts_free",
                    "visual_checklist",
                ),
                "yes",
            ),
        }
        performed_at = self.at(day, f"07:{20 + rng.randrange(15)}")
        now, comments = performed_at + timedelta(minutes=8), ""
        if week == self.late_week:
            # Scanned on Monday, entered on Wednesday afternoon from the paper sheet.
            now = self.at(day + timedelta(days=2), "15:40")
            comments = (
                "Entered from the paper worksheet: the MRI 1 console tablet was away for repair."
            )
        self._record_at(
            now, schedule, tech, performed_at=performed_at, values=values, comments=comments
        )

    def _meter_calibration(self, schedule) -> None:
        """The survey meter calibrated on site by the laboratory's van; the RSO enters the
        certificate at once and the physicist countersigns it."""
        rso, physicist = self.people["rso"], self.people["physicist"]
        day = self.calibrated_on
        due_on = day + relativedelta(years=1)
        meter = self.unit(METER_USED)
        number = f"AIC-{day:%y%m%d}-0417"

        def event():
            record = self._record(
                schedule,
                rso,
                performed_at=self.at(day, "10:15"),
                now=self.at(day, "11:05"),
                values={"calibration_error": "-4.2", "date_on_instrument": "yes"},
                sign=False,
                valid_until=self.at(due_on, "23:59"),
                external=_external(CALIBRATION_LAB),
                comments=f"Certificate {number}, as found and as left within ±20 % on every scale.",
                attachments=[
                    calibration_certificate(
                        sender=CALIBRATION_LAB,
                        equipment=meter,
                        number=number,
                        calibrated_on=day,
                        due_on=due_on,
                        results=[
                            ("Largest error, as found", "-4.2 % (x10 scale)"),
                            ("Largest error, as left", "-4.2 % (no adjustment)"),
                            ("Probe", "44-9 pancake GM, 900 V"),
                        ],
                    )
                ],
            )
            self._countersign(record, physicist, now=self.at(day, "13:20"))
            return "record"

        self._at(self.at(day, "11:05"), event)

    def _leak_tests(self, schedules) -> None:
        """The sealed sources wiped before the first patient doses, counted on the meter."""
        rso = self.people["rso"]
        meter = self.unit(METER_USED)
        for schedule, (clock, becquerel) in zip(
            schedules, (("06:35", "3.1"), ("06:44", "1.6"), ("06:52", "2.4")), strict=True
        ):
            performed_at = self.at(self.leak_tested_on, clock)
            self._record_at(
                performed_at + timedelta(minutes=5),
                schedule,
                rso,
                performed_at=performed_at,
                values={"removable_activity": becquerel},
                instruments=[meter],
                comments=f"Wipe counted on {meter.asset_tag} (pancake probe); well below 185 Bq.",
            )

    def _mqsa_survey(self, schedule) -> None:
        """The consulting physicist's survey; the report arrives two weeks later, when the
        site's physicist enters it and the manager countersigns it as reviewed."""
        physicist, manager = self.people["physicist"], self.people["manager"]
        unit = self.unit("MG1")
        days = (self.report_on - self.surveyed_on).days

        def event():
            record = self._record(
                schedule,
                physicist,
                performed_at=self.at(self.surveyed_on, "09:00"),
                now=self.at(self.report_on, "10:10"),
                values={
                    "mean_glandular_dose": "1.42",
                    "qc_review": "yes",
                    "report_days": str(days),
                    "report_signed": "yes",
                },
                sign=False,
                external=_external(CONSULTANT),
                report_received_on=self.report_on,
                comments="Annual MQSA survey by the consulting physicist; no corrective actions.",
                attachments=[
                    survey_report(
                        sender=CONSULTANT,
                        equipment=unit,
                        surveyed_on=self.surveyed_on,
                        reported_on=self.report_on,
                        results=[
                            ("Average glandular dose", "1.42 mGy (limit 3.0 mGy)"),
                            ("Phantom image score", "Passes (ACR DM phantom)"),
                            ("QC review", "Technologist QC complete since the last survey"),
                        ],
                    )
                ],
            )
            self._countersign(record, manager, now=self.at(self.report_on, "14:30"))
            return "record"

        self._at(self.at(self.report_on, "10:10"), event)

    def _countersign(self, record, person, *, now: datetime) -> None:
        sign_service_record(
            record=record,
            signer=person,
            now=now,
            meaning=Meaning.REVIEWED,
            **self._signature(person),
        )


TOLERANCE_COMMENTS = {
    "water_hu": "Water CT number outside ±5 HU; air calibration run and the phantom rescanned "
    "within limits. Physicist told.",
    "water_noise": "Noise above +20 % of the baseline; the tube had not finished warming up. "
    "Physicist to look at it with the monthly QC.",
}


def _external(sender: Sender) -> dict:
    return {
        "name": sender.person,
        "organisation": sender.organisation,
        "credentials": sender.credentials,
    }
