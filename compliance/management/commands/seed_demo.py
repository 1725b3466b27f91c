"""Demo data for a first look: two sites, their people and a believable imaging department at
each — scanners, instruments, phantoms and sealed sources in a secured hot lab — with the
registry's facts (software, dates, warranties, service contracts, high risk, maintenance
strategy, certified source activities) filled in as a biomed department would have them.
The regulatory catalog is loaded into the library (compliance.services.catalog), and each site
runs part of it: its copies of the CT daily water phantom, the MRI weekly phantom, the MQSA
survey, the dose calibrator's constancy and the leak test, scheduled on the matching units.
The main site moved in twelve weeks ago: its equipment was adopted then, its schedules start
then, and compliance.demo.history writes its records since, through the record services, up
to yesterday (docs/demo.md).

Idempotent: rows that exist (by site code, username, room, asset tag; a site's copy of a
catalog procedure, a unit's schedule of it) are not created again, and the history is written
once, onto the schedules made with it.
Equipment made by an earlier version of this command, before the registry had those facts, gets
its blank facts filled through the equipment service; nothing already filled is overwritten.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.utils import timezone

from compliance.demo.history import History
from compliance.services.catalog import load_catalog
from equipment.models import (
    AcceptanceNote,
    AcceptanceOutcome,
    Category,
    Equipment,
    EquipmentStatus,
    Location,
    MaintenanceStrategy,
    Procedure,
    WorkOrderPriority,
)
from equipment.services import registry as services
from equipment.services.acceptance import create_acceptance_note, sign_acceptance_note
from equipment.services.assignment import assign_to_modality
from equipment.services.procedures import copy_library_procedure
from equipment.services.schedules import set_reference
from equipment.services.work_orders import open_work_order
from imaging_ops.audit.context import audit_actor
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.models import Meaning, Site, SiteIdentifier, SiteMembership, User
from imaging_ops.vocabulary import AreaClass, IdentifierKind, Role
from training.services.catalog import load_courses

DEMO_PASSWORD = "imaging-ops-demo"  # noqa: S105 - demo accounts only, printed by `make run`

SITES = [
    {
        "code": "MAIN",
        "name": "Riverside General Hospital",
        "time_zone": "America/New_York",
        "address": "100 River Road, Springfield",
    },
    {
        "code": "NORTH",
        "name": "Northgate Imaging Center",
        "time_zone": "America/Chicago",
        "address": "42 Lakeview Avenue, Northgate",
    },
]

# username, full name, credentials, [(site code, role, expires in days)]
PEOPLE = [
    ("tech", "Taylor Brooks", "RT(R)(CT)", [("MAIN", Role.TECHNICIAN, None)]),
    ("physicist", "Dr. Priya Raman", "PhD, DABR", [("MAIN", Role.PHYSICIST, None)]),
    ("rso", "Morgan Ellis", "CHP", [("MAIN", Role.RSO, None)]),
    ("inspector", "Jordan Kim", "State inspector", [("MAIN", Role.INSPECTOR, 90)]),
    (
        "manager",
        "Alex Moreno",
        "MBA, RT(R)",
        [("MAIN", Role.MANAGER, None), ("NORTH", Role.MANAGER, None)],
    ),
]

# building, room, area class, secured storage
ROOMS = [
    ("Main", "CT 1", AreaClass.CONTROLLED, False),
    ("Main", "MRI 1", AreaClass.MRI_ZONE_IV, False),
    ("Main", "MRI 2", AreaClass.MRI_ZONE_IV, False),
    ("Main", "X-ray 1", AreaClass.CONTROLLED, False),
    ("Main", "Fluoro 1", AreaClass.CONTROLLED, False),
    ("Breast Center", "Mammo 1", AreaClass.CONTROLLED, False),
    ("Main", "Ultrasound 1", AreaClass.UNRESTRICTED, False),
    ("Nuclear Medicine", "Camera room", AreaClass.RESTRICTED, False),
    ("Nuclear Medicine", "PET/CT", AreaClass.RESTRICTED, False),
    ("Nuclear Medicine", "Hot lab", AreaClass.RESTRICTED, True),
    ("Physics", "QA store", AreaClass.UNRESTRICTED, False),
]

IMAGING = Category.IMAGING_SYSTEM
# fmt: off
# tag suffix, name, category, modalities, manufacturer, model, room
EQUIPMENT = [
    ("CT1", "CT scanner", IMAGING, ["CT"], "Siemens", "SOMATOM go.Top", "CT 1"),
    ("CT2", "CT simulator", IMAGING, ["CT"], "GE HealthCare", "Revolution EVO", "CT 1"),
    ("MR15", "MRI 1.5 T", IMAGING, ["MR"], "Siemens", "MAGNETOM Sola", "MRI 1"),
    ("MR30", "MRI 3 T", IMAGING, ["MR"], "Philips", "Ingenia Elition 3.0T", "MRI 2"),
    ("DX1", "Radiographic room", IMAGING, ["DX"], "Carestream", "DRX-Evolution Plus", "X-ray 1"),
    ("DX2", "Portable radiography", IMAGING, ["DX"], "GE HealthCare", "AMX Navigate", "X-ray 1"),
    ("RF1", "Fluoroscopy room", IMAGING, ["RF"], "Siemens", "Luminos dRF Max", "Fluoro 1"),
    ("MG1", "Mammography unit", IMAGING, ["MG"], "Hologic", "3Dimensions", "Mammo 1"),
    ("MG2", "Mammography unit 2", IMAGING, ["MG"], "GE HealthCare", "Senographe Pristina", "Mammo 1"),
    ("US1", "Ultrasound, general", IMAGING, ["US"], "GE HealthCare", "LOGIQ E10", "Ultrasound 1"),
    ("US2", "Ultrasound, vascular", IMAGING, ["US"], "Philips", "EPIQ Elite", "Ultrasound 1"),
    ("NM1", "Gamma camera", IMAGING, ["NM"], "GE HealthCare", "Discovery NM/CT 670", "Camera room"),
    ("PETCT", "PET/CT", IMAGING, ["PT", "CT"], "Siemens", "Biograph Vision", "PET/CT"),
    ("DC1", "Dose calibrator", Category.RADIATION_INSTRUMENT, ["NM"], "Capintec", "CRC-55tR", "Hot lab"),
    ("SM1", "Survey meter", Category.RADIATION_INSTRUMENT, [], "Ludlum", "Model 3 with 44-9", "Hot lab"),
    ("SM2", "Survey meter (ion chamber)", Category.RADIATION_INSTRUMENT, [], "Fluke", "451P", "Hot lab"),
    ("EM1", "Electrometer", Category.QA_INSTRUMENT, [], "RTI", "Piranha", "QA store"),
    ("KV1", "kV meter", Category.QA_INSTRUMENT, ["DX", "RF", "MG"], "RaySafe", "X2", "QA store"),
    ("PH1", "ACR CT phantom", Category.QA_INSTRUMENT, ["CT"], "Sun Nuclear", "Gammex 464", "QA store"),
    ("PH2", "ACR MRI phantom", Category.QA_INSTRUMENT, ["MR"], "JM Specialty", "ACR large phantom", "QA store"),
    ("PH3", "ACR mammography phantom", Category.QA_INSTRUMENT, ["MG"], "Sun Nuclear", "Gammex 156", "QA store"),
    ("PH4", "Ultrasound QA phantom", Category.QA_INSTRUMENT, ["US"], "CIRS", "Model 040GSE", "QA store"),
    ("SRC1", "Cs-137 vial source", Category.SEALED_SOURCE, [], "Eckert & Ziegler", "Vial 200 µCi", "Hot lab"),
    ("SRC2", "Co-57 flood source", Category.SEALED_SOURCE, [], "Eckert & Ziegler", "MED3709", "Hot lab"),
    ("SRC3", "Ge-68 cylinder phantom", Category.SEALED_SOURCE, [], "Eckert & Ziegler", "PET cylinder 20 cm", "Hot lab"),
]

# The registry's facts per tag suffix: software version, installed on, warranty in years,
# service vendor and contract prefix (None: no contract), high risk (TJC: CT, MR, PET/CT and
# fluoroscopy), and whether the unit follows alternative maintenance with a history behind it.
# suffix: (software, installed, warranty years, vendor, contract, high risk, AEM)
REGISTRY = {
    "CT1": ("syngo CT VA40A-SP2", date(2021, 9, 13), 1, "Siemens Healthineers", "SH-PM", True, False),
    "CT2": ("Revolution EVO 23MW15.5", date(2019, 2, 4), 1, "GE HealthCare", "GEHC-AP", True, False),
    "MR15": ("syngo MR XA51", date(2022, 5, 16), 2, "Siemens Healthineers", "SH-PM", True, False),
    "MR30": ("R5.9.1", date(2020, 11, 2), 1, "Philips", "PH-RS", True, False),
    "DX1": ("ImageView 5.7.412", date(2018, 6, 25), 1, "Carestream", "CS-SVC", False, False),
    "DX2": ("AMX Navigate 1.2.3", date(2023, 3, 6), 2, "GE HealthCare", "GEHC-AP", False, False),
    "RF1": ("syngo VF12", date(2020, 1, 20), 1, "Siemens Healthineers", "SH-PM", True, False),
    "MG1": ("1.11.1", date(2021, 3, 8), 1, "Hologic", "HOL-SP", False, False),
    "MG2": ("Pristina 1.3.2", date(2023, 10, 2), 2, "GE HealthCare", "GEHC-AP", False, False),
    "US1": ("R3.2.1", date(2022, 8, 1), 2, "GE HealthCare", "GEHC-AP", False, False),
    "US2": ("9.0.5", None, 2, "Philips", None, False, False),
    "NM1": ("Xeleris 4.1", date(2017, 10, 9), 1, "GE HealthCare", "GEHC-AP", False, False),
    "PETCT": ("syngo MI VG80", date(2022, 1, 10), 1, "Siemens Healthineers", "SH-PM", True, False),
    "DC1": ("3.1.4", date(2019, 4, 1), 1, "Capintec", "CAP-CAL", False, False),
    "SM1": ("", date(2016, 7, 11), 1, "Ludlum Measurements", "LUD-CAL", False, False),
    "SM2": ("", date(2020, 2, 3), 1, "Fluke Biomedical", "FLK-CAL", False, False),
    "EM1": ("Ocean Next 1.3", date(2018, 9, 17), 1, "RTI Group", "RTI-CAL", False, True),
    "KV1": ("RaySafe View 2.6", date(2021, 6, 14), 2, "RaySafe", "RS-CAL", False, False),
    "PH1": ("", date(2015, 5, 4), 0, "", None, False, False),
    "PH2": ("", date(2015, 5, 4), 0, "", None, False, False),
    "PH3": ("", date(2019, 8, 19), 0, "", None, False, False),
    "PH4": ("", date(2022, 8, 1), 0, "", None, False, False),
    "SRC1": ("", date(2019, 5, 20), 0, "Eckert & Ziegler", None, False, False),
    "SRC2": ("", None, 0, "Eckert & Ziegler", None, False, False),
    "SRC3": ("", None, 0, "Eckert & Ziegler", None, False, False),
}

# Certified activities: suffix -> (radionuclide, activity, unit, reference date or days ago).
# The Co-57 flood and the Ge-68 phantom are replaced about yearly, so their certificates are
# less than a year old (older than the last leak test the history carries over); the Cs-137
# reference source lasts decades.
SOURCES = {
    "SRC1": ("Cs-137", Decimal("200"), "uCi", date(2019, 5, 1)),
    "SRC2": ("Co-57", Decimal("10"), "mCi", 270),
    "SRC3": ("Ge-68", Decimal("74"), "MBq", 280),
}

# The catalog procedures each demo site runs: catalog code, the modality whose units get it
# (None: the procedure's equipment categories), the role its schedules go to, days since it
# was last done (None: the clock starts today), and the references its percent checks need.
DEMO_CATALOG = [
    ("ACR-CT-DAILY-WATER", "CT", Role.TECHNICIAN, None, {"water_noise": "5.2"}),
    ("ACR-MR-WEEKLY-PHANTOM", "MR", Role.TECHNICIAN, 3, {}),
    ("MQSA-ANNUAL-SURVEY", "MG", Role.PHYSICIST, 300, {}),
    ("NRC-DC-CONSTANCY", "NM", Role.TECHNICIAN, None, {"constancy": "6.2"}),
    ("NRC-LEAK-TEST", None, Role.RSO, 150, {}),
]
# The site whose last weeks of records the demo writes (compliance.demo.history).
HISTORY_SITE = "MAIN"
# The system administrator the organisation library is written by: it cannot sign in.
LIBRARY_ADMIN = "demo-library"
# fmt: on


class Command(BaseCommand):
    help = "Create demo sites, people, equipment and a history of records (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--without-history",
            dest="history",
            action="store_false",
            help="Leave out the main site's weeks of records (quicker; the schedules stay).",
        )

    def handle(self, *args, **options):
        with audit_actor("manage.py seed_demo"), regulated_transaction():
            sites = {spec["code"]: self._site(spec) for spec in SITES}
            users = {row[0]: self._person(row, sites) for row in PEOPLE}
            created = filled = 0
            now = timezone.now()
            history = History(sites[HISTORY_SITE], users, now=now, password=DEMO_PASSWORD)
            for site in sites.values():
                today = site.today(now)  # the demo's dates count from each site's own day
                rooms = {room[1]: self._location(site, room, users["manager"]) for room in ROOMS}
                for spec in EQUIPMENT:
                    details = registry_details(spec[0], today)
                    new, completed = self._equipment(
                        site, spec, rooms, details, users["manager"], adopted=history.go_live
                    )
                    created += new
                    filled += completed
            self._signed_acceptance(sites["MAIN"], users["physicist"])
            scheduled = self._catalog(sites.values(), users["manager"], now=now, history=history)
            written = history.write() if options["history"] else None
        total = Equipment.objects.filter(site__in=sites.values()).count()
        self.stdout.write(
            f"Demo data ready: {len(sites)} sites, {total} pieces of equipment "
            f"({created} new, {filled} completed). Demo users {', '.join(users)} sign in with "
            f"the password '{DEMO_PASSWORD}'. The regulatory catalog is in the library; "
            f"{scheduled} new schedules from it. The safety-training course catalog is loaded."
        )
        if written is None:
            self.stdout.write(f"History at {HISTORY_SITE}: left out (--without-history).")
        elif written.skipped:
            self.stdout.write(f"History at {HISTORY_SITE}: none written, {written.skipped}.")
        else:
            self.stdout.write(
                f"History at {HISTORY_SITE}: {written.records} records since "
                f"{history.first_day:%Y-%m-%d} ({written.missed} missed "
                f"day{'' if written.missed == 1 else 's'}), ending yesterday."
            )

    def _catalog(self, sites, manager, *, now, history) -> int:
        """Load the catalog into the library and run part of it at each site: the history
        site's schedules from the day it moved in (`history`), then the site's copy and a
        schedule on each matching unit, made only where missing. The new schedules' count."""
        admin, created = User.objects.get_or_create(
            username=LIBRARY_ADMIN,
            defaults={"full_name": "Organisation library", "is_superuser": True},
        )
        if created:
            admin.set_unusable_password()
            admin.save(update_fields=["password"])
        load_catalog(actor=admin, now=history.go_live)
        # The course catalog too; which courses a site requires is its managers' choice.
        load_courses(actor=admin, now=now)
        library = {p.code: p for p in Procedure.objects.filter(site__isnull=True)}
        made = history.set_up(library, manager)
        for site in sites:
            for code, modality, role, days_ago, references in DEMO_CATALOG:
                copy = Procedure.objects.filter(site=site, copied_from=library[code]).first()
                if copy is None:
                    copy = copy_library_procedure(
                        actor=manager, procedure=library[code], site=site, now=now
                    )
                assignment = assign_to_modality(
                    actor=manager,
                    procedure=copy,
                    site=site,
                    modality=modality,
                    now=now,
                    assignee_role=role,
                    last_done=None if days_ago is None else now - timedelta(days=days_ago),
                )
                for schedule in assignment.created:
                    for key, value in references.items():
                        set_reference(
                            actor=manager,
                            schedule=schedule,
                            check_key=key,
                            value=value,
                            reason="Baseline from the acceptance survey.",
                            now=now,
                        )
                made += len(assignment.created)
        return made

    def _signed_acceptance(self, site, physicist) -> None:
        """The CT's acceptance note, signed by the physicist: a signed record to look at."""
        ct = Equipment.objects.get(site=site, asset_tag=f"{site.code}-CT1")
        if AcceptanceNote.objects.filter(equipment=ct).exists():
            return
        now = timezone.now()
        note = create_acceptance_note(
            actor=physicist,
            equipment=ct,
            now=now,
            accepted_on=ct.accepted_on or site.today(now) - timedelta(days=30),
            summary="Acceptance tests passed; unit released for clinical use.",
            tests_performed=(
                "Manufacturer's acceptance protocol; physicist's CT acceptance survey "
                "(CTDIvol within 20% of displayed, water HU and noise, image quality); "
                "radiation shielding survey of CT 1."
            ),
            outcome=AcceptanceOutcome.ACCEPTED,
        )
        sign_acceptance_note(
            note=note,
            signer=physicist,
            meaning=Meaning.PERFORMED,
            password=DEMO_PASSWORD,
            username=physicist.username,
            via_api=True,
            acknowledge_policy=True,
            now=now,
        )

    def _site(self, spec) -> Site:
        site, created = Site.objects.get_or_create(code=spec["code"], defaults=spec)
        if created:
            SiteIdentifier.objects.create(
                site=site,
                kind=IdentifierKind.RADIOACTIVE_MATERIALS_LICENCE,
                number=f"RML-{spec['code']}-0042",
                issuer="State Department of Health",
                expires_on=site.today(timezone.now()) + timedelta(days=700),
            )
        return site

    def _person(self, row, sites) -> User:
        username, full_name, credentials, roles = row
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "credentials": credentials,
                "email": f"{username}@example.org",
                "home_site": sites[roles[0][0]],
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        now = timezone.now()
        for code, role, days in roles:
            site = sites[code]
            expires = site.today(now) + timedelta(days=days) if days else None
            SiteMembership.objects.get_or_create(
                user=user, site=site, role=role, defaults={"expires_on": expires}
            )
        return user

    def _location(self, site, room, actor) -> Location:
        building, name, area_class, secured = room
        existing = Location.objects.filter(site=site, building=building, room=name).first()
        if existing:
            return existing
        return services.create_location(
            actor=actor,
            site=site,
            building=building,
            room=name,
            area_class=area_class,
            secured_storage=secured,
        )

    def _equipment(self, site, spec, rooms, details, actor, *, adopted) -> tuple[int, int]:
        """(1, 0) when created (adopted in service at `adopted`), (0, 1) when an earlier
        version's row was completed."""
        suffix, name, category, modalities, manufacturer, model, room = spec
        tag = f"{site.code}-{suffix}"
        existing = Equipment.objects.filter(site=site, asset_tag=tag).first()
        if existing is not None:
            return 0, self._fill_blanks(existing, details, actor)
        equipment = services.create_equipment(
            actor=actor,
            site=site,
            asset_tag=tag,
            name=name,
            category=category,
            modalities=modalities,
            location=rooms[room],
            manufacturer=manufacturer,
            model=model,
            serial_number=f"SN-{site.code}-{suffix}-{len(name):03d}",
            adopt_in_service=suffix != "US2",
            adoption_reason="In clinical use before Imaging Ops; records carried over.",
            now=adopted,
            **details,
        )
        if suffix == "DX2":
            # A fault reported the way a technician reports one: the work order holds the
            # portable unit out of service until its repair is verified.
            open_work_order(
                actor=actor,
                equipment=equipment,
                problem="Detector cracked during transport; vendor called.",
                now=timezone.now(),
                priority=WorkOrderPriority.HIGH,
                vendor="GE HealthCare",
                take_out_of_service=True,
            )
        return 1, 0

    def _fill_blanks(self, equipment, details, actor) -> int:
        """Fill the facts an earlier version left blank; never overwrite a filled one.

        Flags (high risk, maintenance strategy and history) cannot be told apart from a choice
        once set, so they are filled only on a row that has none of the registry's facts yet.
        """
        untouched = all(getattr(equipment, field) in (None, "") for field in BLANKABLE)
        if equipment.status == EquipmentStatus.AWAITING_ACCEPTANCE:
            # Its acceptance date comes from its signed acceptance note, not from the demo.
            details = {field: value for field, value in details.items() if field != "accepted_on"}
        changes = {
            field: value
            for field, value in details.items()
            if (field in BLANKABLE and getattr(equipment, field) in (None, "") and value)
            or (field in FLAGS and untouched and getattr(equipment, field) != value)
        }
        if not changes:
            return 0
        try:
            services.update_equipment(actor=actor, equipment=equipment, **changes)
        except ValidationError as exc:
            # A demo row someone has edited into another shape: say so and leave it alone.
            self.stderr.write(f"{equipment.asset_tag} left as it is: {'; '.join(exc.messages)}")
            return 0
        return 1


FLAGS = ("high_risk", "maintenance_strategy", "has_maintenance_history")
# The registry facts an earlier version did not fill (it did fill manufacturer, model, serial).
BLANKABLE = tuple(
    field
    for field in services.DETAIL_FIELDS
    if field not in FLAGS and field not in {"manufacturer", "model", "serial_number"}
)


def registry_details(suffix: str, today: date) -> dict:
    """The registry's facts for one demo unit, dated around `today` where they must be recent."""
    software, installed, warranty_years, vendor, contract, high_risk, aem = REGISTRY[suffix]
    details = {
        "software_version": software,
        "vendor": vendor,
        "high_risk": high_risk,
        "maintenance_strategy": (
            MaintenanceStrategy.ALTERNATIVE if aem else MaintenanceStrategy.MANUFACTURER
        ),
    }
    accepted = None
    if suffix in SOURCES:
        radionuclide, activity, unit, certified = SOURCES[suffix]
        reference = certified if isinstance(certified, date) else today - timedelta(certified)
        details.update(
            radionuclide=radionuclide,
            reference_activity=activity,
            activity_unit=unit,
            reference_date=reference,
        )
        # Received a week after calibration; leak-tested and wipe-checked on arrival.
        installed = installed or reference + timedelta(days=7)
        accepted = installed
    elif installed is None:  # delivered last month, awaiting its acceptance tests
        installed = today - timedelta(days=30)
    else:  # the physicist's acceptance survey two weeks after installation
        accepted = installed + timedelta(days=14)
    details.update(
        installed_on=installed,
        accepted_on=accepted,
        has_maintenance_history=(today - installed).days > 365,
    )
    if warranty_years:
        details["warranty_ends_on"] = installed + timedelta(days=365 * warranty_years)
    if contract:
        # Contracts renew yearly; their ends spread over the coming year, a few ending soon.
        spread = sum(map(ord, suffix)) * 97 % 330 + 20
        details["contract_reference"] = f"{contract}-{2020 + spread % 6}-{spread * 37 % 9000:04d}"
        details["contract_ends_on"] = today + timedelta(days=spread)
    return {field: value for field, value in details.items() if value not in (None, "")}
