"""Factories for every model the tests build, in one place."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from equipment.models import AcceptanceOutcome, Category, Equipment, Location, MaintenanceStrategy
from equipment.services.acceptance import create_acceptance_note, sign_acceptance_note
from equipment.services.registry import create_equipment
from imaging_ops.models import Meaning, Site, SiteMembership, User
from imaging_ops.vocabulary import AreaClass, Role

PASSWORD = "correct horse battery staple"


def days_from_today(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"S{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Site {o.code}")
    time_zone = "America/New_York"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    full_name = factory.Faker("name")
    credentials = "RT(R)"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteMembership

    user = factory.SubFactory(UserFactory)
    site = factory.SubFactory(SiteFactory)
    role = Role.TECHNICIAN


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    site = factory.SubFactory(SiteFactory)
    building = "Main"
    room = factory.Sequence(lambda n: f"Room {n}")
    area_class = AreaClass.UNRESTRICTED


class EquipmentFactory(factory.django.DjangoModelFactory):
    """Equipment as it stands after creation (awaiting acceptance), for setting up tests."""

    class Meta:
        model = Equipment

    site = factory.SubFactory(SiteFactory)
    location = factory.LazyAttribute(lambda o: LocationFactory(site=o.site))
    asset_tag = factory.Sequence(lambda n: f"EQ-{n:05d}")
    name = "CT scanner"
    category = Category.IMAGING_SYSTEM
    modalities = factory.LazyFunction(lambda: ["CT"])
    modality = factory.LazyAttribute(lambda o: o.modalities[0] if o.modalities else "")
    manufacturer = "Siemens"
    model = "SOMATOM"
    serial_number = factory.Sequence(lambda n: f"SN{n:06d}")


# The registry's facts about a CT beyond its identity, and a Cs-137 source's certificate.
CT_FACTS = {
    "software_version": "VA40A-SP2",
    "installed_on": date(2023, 4, 3),
    "accepted_on": date(2023, 4, 17),
    "high_risk": True,
    "maintenance_strategy": MaintenanceStrategy.MANUFACTURER,
    "has_maintenance_history": True,
    "warranty_ends_on": date(2024, 4, 16),
    "contract_ends_on": date(2027, 3, 31),
    "vendor": "Siemens Healthineers",
    "contract_reference": "SH-PM-88412",
}
SOURCE_FACTS = {
    "radionuclide": "Cs-137",
    "reference_activity": Decimal("200"),
    "activity_unit": "uCi",
    "reference_date": date(2024, 1, 15),
}


ADOPTED_SINCE_ACCEPTANCE = "In clinical use since its acceptance"


def registered_equipment(actor, site, **fields):
    """Equipment made through the registry service by `actor`, so every rule applies: asset tag
    NEW-1, "New equipment", a CT unless `category` says otherwise."""
    fields.setdefault("asset_tag", "NEW-1")
    fields.setdefault("name", "New equipment")
    fields.setdefault("modalities", ["CT"] if fields.get("category") is None else [])
    if fields.get("accepted_on") and "adopt_in_service" not in fields:
        # An acceptance date belongs to equipment already accepted: such a unit is adopted in
        # service, as a manager enters equipment already in clinical use.
        fields.update(adopt_in_service=True, adoption_reason=ADOPTED_SINCE_ACCEPTANCE)
    return create_equipment(actor=actor, site=site, **fields)


def registered_source(actor, site, location, **fields):
    """A Cs-137 vial source (SRC-1) with SOURCE_FACTS at `location`, made through the registry
    service by `actor`; `fields` override any of them."""
    return registered_equipment(
        actor,
        site,
        asset_tag=fields.pop("asset_tag", "SRC-1"),
        name="Cs-137 vial source",
        category=Category.SEALED_SOURCE,
        location=location,
        **{**SOURCE_FACTS, **fields},
    )


def acceptance_note(*, actor, equipment=None, now=None, **content):
    """An acceptance note made through its service (version 1, unsigned), by `actor`."""
    membership = actor.memberships.first()
    equipment = equipment or EquipmentFactory(site=membership.site)
    content = {
        "accepted_on": date(2026, 3, 2),
        "summary": "Acceptance tests passed; unit ready for clinical use.",
        "tests_performed": "Manufacturer's acceptance protocol; physicist's CT acceptance survey.",
        "outcome": AcceptanceOutcome.ACCEPTED,
        **content,
    }
    return create_acceptance_note(
        actor=actor, equipment=equipment, now=now or timezone.now(), **content
    )


def signed_acceptance(*, actor, equipment, now=None):
    """An accepted acceptance note on `equipment`, signed "Performed" by `actor` through the
    API rules (username and password), which opens the gate to first clinical use."""
    now = now or timezone.now()
    note = acceptance_note(actor=actor, equipment=equipment, now=now)
    sign_acceptance_note(
        note=note,
        signer=actor,
        meaning=Meaning.PERFORMED,
        password=PASSWORD,
        username=actor.username,
        via_api=True,
        acknowledge_policy=True,
        now=now,
    )
    return note
