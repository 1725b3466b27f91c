"""Demo data for a first look: two sites, their people and a department's worth of equipment.

Idempotent: rows that exist (by site code, username, room, asset tag) are left as they are.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from equipment import services
from equipment.models import Category, Equipment, EquipmentStatus, Location
from imaging_ops.audit import regulated_transaction
from imaging_ops.audit_context import audit_actor
from imaging_ops.models import Site, SiteIdentifier, SiteMembership, User
from imaging_ops.vocabulary import AreaClass, IdentifierKind, Role

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
    ("SRC1", "Cs-137 vial source", Category.SEALED_SOURCE, [], "Eckert & Ziegler", "Vial 200 µCi", "Hot lab"),
    ("SRC2", "Co-57 flood source", Category.SEALED_SOURCE, [], "Eckert & Ziegler", "MED3709", "Hot lab"),
]
# fmt: on


class Command(BaseCommand):
    help = "Create demo sites, people and equipment (idempotent)."

    def handle(self, *args, **options):
        with audit_actor("manage.py seed_demo"), regulated_transaction():
            sites = {spec["code"]: self._site(spec) for spec in SITES}
            users = {row[0]: self._person(row, sites) for row in PEOPLE}
            created = 0
            for site in sites.values():
                rooms = {room[1]: self._location(site, room, users["manager"]) for room in ROOMS}
                for spec in EQUIPMENT:
                    created += self._equipment(site, spec, rooms, users["manager"])
        total = Equipment.objects.filter(site__in=sites.values()).count()
        self.stdout.write(
            f"Demo data ready: {len(sites)} sites, {total} pieces of equipment "
            f"({created} new). Demo users {', '.join(users)} sign in with the password "
            f"'{DEMO_PASSWORD}'."
        )

    def _site(self, spec) -> Site:
        site, created = Site.objects.get_or_create(code=spec["code"], defaults=spec)
        if created:
            SiteIdentifier.objects.create(
                site=site,
                kind=IdentifierKind.RADIOACTIVE_MATERIALS_LICENCE,
                number=f"RML-{spec['code']}-0042",
                issuer="State Department of Health",
                expires_on=timezone.localdate() + timedelta(days=700),
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
        for code, role, days in roles:
            expires = timezone.localdate() + timedelta(days=days) if days else None
            SiteMembership.objects.get_or_create(
                user=user, site=sites[code], role=role, defaults={"expires_on": expires}
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

    def _equipment(self, site, spec, rooms, actor) -> int:
        suffix, name, category, modalities, manufacturer, model, room = spec
        tag = f"{site.code}-{suffix}"
        if Equipment.objects.filter(site=site, asset_tag=tag).exists():
            return 0
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
        )
        if suffix == "DX2":
            services.change_equipment_status(
                equipment=equipment,
                to=EquipmentStatus.OUT_OF_SERVICE,
                reason="Detector cracked during transport; vendor called.",
                actor=actor,
            )
        return 1
