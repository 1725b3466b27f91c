"""A site's settings page: who may, time zone, hours, clinical days, closures, and the
site's licences and accreditations with their expiry."""

import datetime as dt
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from imaging_ops.audit.trail import AuditAction
from imaging_ops.models import AuditEvent, Site, SiteClosure, SiteIdentifier
from imaging_ops.sites import services as site_services
from imaging_ops.vocabulary import IdentifierKind, Role
from tests import factories
from tests.imaging_ops.access.roles import NOT_MANAGERS

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def site_today(site) -> date:
    return timezone.localdate(timezone=site.zone)


def settings_data(site, **changes):
    data = {
        "time_zone": site.time_zone,
        "clinical_days": [str(d) for d in site.clinical_days],
        "opens_at": site.opens_at.strftime("%H:%M"),
        "closes_at": site.closes_at.strftime("%H:%M"),
        "address": site.address,
        "reason": "",
    }
    data.update(changes)
    return data


def save_settings(client, site, **changes):
    return client.post(f"/sites/{site.code}/settings/", settings_data(site, **changes))


def add_closure(client, site, day, reason="Public holiday"):
    value = day.isoformat() if isinstance(day, date) else day
    return client.post(
        f"/sites/{site.code}/closures/", {"closure-date": value, "closure-reason": reason}
    )


def identifier_data(**changes):
    data = {
        "kind": IdentifierKind.RADIOACTIVE_MATERIALS_LICENCE,
        "number": "NY-1234-56",
        "issuer": "New York State Department of Health",
        "expires_on": (timezone.localdate() + timedelta(days=400)).isoformat(),
    }
    data.update(changes)
    return data


def identifier(site, days_left: int | None, number="MQSA-1"):
    return SiteIdentifier.objects.create(
        site=site,
        kind=IdentifierKind.MQSA_CERTIFICATE,
        number=number,
        issuer="FDA",
        expires_on=None if days_left is None else site_today(site) + timedelta(days=days_left),
    )


# --- who may --------------------------------------------------------------------------------


def settings_actions(site):
    code = site.code
    existing = SiteIdentifier.objects.filter(site=site, number="EXISTING").first() or identifier(
        site, 200, number="EXISTING"
    )
    return {
        "open the settings": ("get", f"/sites/{code}/settings/", {}),
        "save the settings": (
            "post",
            f"/sites/{code}/settings/",
            settings_data(site, address="1 Main Street"),
        ),
        "add a closure": (
            "post",
            f"/sites/{code}/closures/",
            {
                "closure-date": (site_today(site) + timedelta(days=10)).isoformat(),
                "closure-reason": "Holiday",
            },
        ),
        "open the identifier form": ("get", f"/sites/{code}/identifiers/new/", {}),
        "add an identifier": ("post", f"/sites/{code}/identifiers/new/", identifier_data()),
        "edit an identifier": (
            "post",
            f"/sites/{code}/identifiers/{existing.pk}/edit/",
            identifier_data(number="RENEWED", reason="Renewed"),
        ),
    }


ACTIONS = [
    "open the settings",
    "save the settings",
    "add a closure",
    "open the identifier form",
    "add an identifier",
    "edit an identifier",
]


def state(site):
    return (
        list(Site.objects.filter(pk=site.pk).values_list("address", flat=True)),
        sorted(SiteClosure.objects.values_list("site_id", "date")),
        sorted(SiteIdentifier.objects.values_list("site_id", "number")),
    )


def attempt(client, action, site):
    method, url, data = settings_actions(site)[action]
    before = state(site)
    return getattr(client, method)(url, data), before


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", list(NOT_MANAGERS))
def test_only_managers_change_site_settings(client, person, site_a, who, action):
    grant = NOT_MANAGERS[who]
    actor = person(
        grant["role"], site_a, username="actor", is_trainee=grant.get("is_trainee", False)
    )
    client.force_login(actor)

    response, before = attempt(client, action, site_a)

    assert response.status_code == 403
    assert state(site_a) == before


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize("action", ACTIONS)
def test_a_manager_of_another_site_gets_404(client, person, site_a, site_b, action):
    client.force_login(person(Role.MANAGER, site_b, username="boss-b"))

    response, before = attempt(client, action, site_a)

    assert response.status_code == 404
    assert state(site_a) == before


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize("action", ACTIONS)
def test_a_manager_of_the_site_may_take_each_action(client, site_a, manager, action):
    client.force_login(manager)

    response, before = attempt(client, action, site_a)

    if settings_actions(site_a)[action][0] == "get":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert state(site_a) != before


def test_the_services_refuse_non_managers(person, site_a, site_b):
    actors = [
        person(role, site_a, username=f"a-{role}") for role in Role.values if role != "manager"
    ]
    actors.append(person(Role.MANAGER, site_b, username="boss-b"))
    for actor in actors:
        with pytest.raises(PermissionDenied):
            site_services.update_site_settings(
                actor=actor,
                site=site_a,
                time_zone=site_a.time_zone,
                clinical_days=[0],
                opens_at=dt.time(8),
                closes_at=dt.time(17),
                now=NOW,
            )
        with pytest.raises(PermissionDenied):
            site_services.add_site_closure(
                actor=actor, site=site_a, date=date(2026, 12, 25), reason="Holiday", now=NOW
            )
        with pytest.raises(PermissionDenied):
            site_services.add_site_identifier(
                actor=actor, site=site_a, kind="mqsa", number="1", issuer="FDA", now=NOW
            )


def test_the_settings_entry_leads_a_manager_of_one_site_straight_to_it(client, manager):
    client.force_login(manager)

    response = client.get("/sites/")

    assert response.url == "/sites/ALPHA/settings/"


def test_the_settings_entry_is_refused_to_people_who_manage_no_site(client, physicist):
    client.force_login(physicist)

    assert client.get("/sites/").status_code == 403


# --- time zone, hours and clinical days -----------------------------------------------------


@pytest.mark.req("11.10(e)")
def test_a_manager_saves_the_settings_and_the_change_is_audited(client, manager, site_a):
    client.force_login(manager)

    response = save_settings(
        client,
        site_a,
        time_zone="America/Denver",
        clinical_days=["0", "2", "4", "5"],
        opens_at="06:30",
        closes_at="20:00",
        address="1 Main Street\nAlbany NY",
        reason="Site moved to the new building",
    )

    assert response.status_code == 302
    site = fresh(site_a)
    assert site.time_zone == "America/Denver"
    assert site.clinical_days == [0, 2, 4, 5]
    assert (site.opens_at, site.closes_at) == (dt.time(6, 30), dt.time(20, 0))
    assert site.address == "1 Main Street\nAlbany NY"
    event = AuditEvent.objects.get(
        object_type="imaging_ops.site", object_id=str(site.pk), action=AuditAction.UPDATE
    )
    assert event.actor_id == manager.pk
    assert event.reason == "Site moved to the new building"
    assert event.changes["time_zone"] == ["America/New_York", "America/Denver"]
    assert event.changes["clinical_days"] == [[0, 1, 2, 3, 4], [0, 2, 4, 5]]


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "EST5EDT", "Etc/GMT+5", ""])
def test_a_time_zone_not_on_the_list_is_a_field_error(client, manager, site_a, zone):
    client.force_login(manager)

    response = save_settings(client, site_a, time_zone=zone, reason="Why not")

    assert response.status_code == 400
    assert "time_zone" in response.context["form"].errors
    assert fresh(site_a).time_zone == "America/New_York"


def test_the_service_refuses_a_time_zone_not_on_the_list(manager, site_a):
    with pytest.raises(ValidationError) as refused:
        site_services.update_site_settings(
            actor=manager,
            site=site_a,
            time_zone="Mars/Olympus_Mons",
            clinical_days=[0],
            opens_at=dt.time(8),
            closes_at=dt.time(17),
            reason="x",
            now=NOW,
        )

    assert list(refused.value.message_dict) == ["time_zone"]


def test_changing_the_time_zone_needs_a_reason(client, manager, site_a):
    client.force_login(manager)

    response = save_settings(client, site_a, time_zone="America/Chicago")

    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == [
        "Changing the time zone moves every local due time: say why."
    ]
    assert fresh(site_a).time_zone == "America/New_York"


def test_a_zone_set_by_an_administrator_outside_the_list_is_kept(client, manager, site_a):
    site_a.time_zone = "US/Eastern"
    site_a.save()
    client.force_login(manager)

    page = client.get("/sites/ALPHA/settings/")
    response = save_settings(client, fresh(site_a), address="2 Main Street")

    assert '<option value="US/Eastern" selected>' in page.text
    assert response.status_code == 302
    assert fresh(site_a).time_zone == "US/Eastern"


@pytest.mark.parametrize(
    ("opens_at", "closes_at", "field"),
    [
        ("19:00", "07:00", "closes_at"),
        ("08:00", "08:00", "closes_at"),
        ("25:00", "17:00", "opens_at"),
        ("", "17:00", "opens_at"),
        ("08:00", "noon", "closes_at"),
    ],
)
def test_opening_hours_must_make_sense(client, manager, site_a, opens_at, closes_at, field):
    client.force_login(manager)

    response = save_settings(client, site_a, opens_at=opens_at, closes_at=closes_at)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert (fresh(site_a).opens_at, fresh(site_a).closes_at) == (dt.time(7), dt.time(19))


def test_closing_before_opening_says_so(client, manager, site_a):
    client.force_login(manager)

    response = save_settings(client, site_a, opens_at="19:00", closes_at="07:00")

    assert response.context["form"].errors["closes_at"] == [
        "Closing time must be after opening time."
    ]


@pytest.mark.parametrize("days", [[], ["9"], ["x"], ["-1"]])
def test_clinical_days_must_be_weekdays_and_at_least_one(client, manager, site_a, days):
    client.force_login(manager)

    response = save_settings(client, site_a, clinical_days=days)

    assert response.status_code == 400
    assert "clinical_days" in response.context["form"].errors
    assert fresh(site_a).clinical_days == [0, 1, 2, 3, 4]


def test_the_clinical_days_are_checkboxes_monday_to_sunday(client, manager):
    client.force_login(manager)

    page = client.get("/sites/ALPHA/settings/").text

    for value, day in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]):
        assert f'value="{value}" id="id_clinical_days_{value}"' in page
        assert f">{day}</label>" in page
    assert 'value="5" id="id_clinical_days_5" class="form-check-input">' in page  # Sat unticked


# --- closures -------------------------------------------------------------------------------


@pytest.mark.req("11.10(e)")
def test_a_closure_is_added_with_its_reason_and_listed_as_upcoming(client, manager, site_a):
    client.force_login(manager)
    day = site_today(site_a) + timedelta(days=20)

    response = add_closure(client, site_a, day, reason="Independence Day")

    assert response.status_code == 302
    closure = SiteClosure.objects.get(site=site_a)
    assert (closure.date, closure.reason) == (day, "Independence Day")
    event = AuditEvent.objects.get(object_type="imaging_ops.siteclosure", object_id=str(closure.pk))
    assert (event.action, event.actor_id, event.site_id) == (
        AuditAction.CREATE,
        manager.pk,
        site_a.pk,
    )
    page = client.get("/sites/ALPHA/settings/")
    assert page.context["upcoming_closures"] == [closure]
    assert "Independence Day" in page.text


def test_past_closures_are_listed_apart_newest_first(client, manager, site_a):
    today = site_today(site_a)
    old = SiteClosure.objects.create(site=site_a, date=today - timedelta(days=300), reason="Old")
    recent = SiteClosure.objects.create(site=site_a, date=today - timedelta(days=3), reason="Snow")
    coming = SiteClosure.objects.create(site=site_a, date=today, reason="Today")
    client.force_login(manager)

    page = client.get("/sites/ALPHA/settings/")

    assert page.context["upcoming_closures"] == [coming]
    assert page.context["past_closures"] == [recent, old]
    assert "Past closures" in page.text


def test_a_closure_in_the_past_is_refused(client, manager, site_a):
    client.force_login(manager)

    response = add_closure(client, site_a, site_today(site_a) - timedelta(days=1))

    assert response.status_code == 400
    assert "or later" in response.context["closure_form"].errors["date"][0]
    assert not SiteClosure.objects.exists()


@pytest.mark.parametrize(("day", "accepted"), [(date(2026, 3, 4), True), (date(2026, 3, 3), False)])
def test_todays_closure_is_counted_in_the_sites_time_zone(site_b, person, day, accepted):
    """03:30 UTC on 5 March is still 4 March in Chicago."""
    boss = person(Role.MANAGER, site_b, username="boss-b")
    now = datetime(2026, 3, 5, 3, 30, tzinfo=UTC)

    def close():
        return site_services.add_site_closure(
            actor=boss, site=site_b, date=day, reason="Storm", now=now
        )

    if accepted:
        assert close().date == day
    else:
        with pytest.raises(ValidationError):
            close()


def test_a_second_closure_on_the_same_day_is_a_field_error(client, manager, site_a):
    client.force_login(manager)
    day = site_today(site_a) + timedelta(days=5)
    add_closure(client, site_a, day)

    response = add_closure(client, site_a, day, reason="Again")

    assert response.status_code == 400
    assert response.context["closure_form"].errors["date"] == [
        "This site already has a closure on that date."
    ]


@pytest.mark.parametrize(
    ("day", "reason"), [("2026-02-30", "Holiday"), ("", "Holiday"), (None, "")]
)
def test_bad_closure_input_is_a_field_error(client, manager, site_a, day, reason):
    client.force_login(manager)
    value = day if day is not None else (site_today(site_a) + timedelta(days=3)).isoformat()

    response = add_closure(client, site_a, value, reason=reason)

    assert response.status_code == 400
    assert response.context["closure_form"].errors
    assert not SiteClosure.objects.exists()


def test_closures_cannot_be_removed(client, manager, site_a):
    closure = SiteClosure.objects.create(
        site=site_a, date=site_today(site_a) + timedelta(days=3), reason="Holiday"
    )
    client.force_login(manager)

    page = client.get("/sites/ALPHA/settings/").text

    assert "Remove" not in page.split('id="closures"')[1].split("</section>")[0]
    assert client.post(f"/sites/ALPHA/closures/{closure.pk}/delete/").status_code == 404
    assert SiteClosure.objects.filter(pk=closure.pk).exists()


# --- licences and accreditations ------------------------------------------------------------


@pytest.mark.req("11.10(e)")
def test_a_licence_is_added_and_listed(client, manager, site_a):
    client.force_login(manager)

    response = client.post("/sites/ALPHA/identifiers/new/", identifier_data())

    assert response.status_code == 302
    licence = SiteIdentifier.objects.get(site=site_a)
    assert (licence.kind, licence.number, licence.issuer) == (
        "rml",
        "NY-1234-56",
        "New York State Department of Health",
    )
    page = client.get("/sites/ALPHA/settings/").text
    assert "Radioactive materials licence" in page and "NY-1234-56" in page
    assert AuditEvent.objects.filter(
        object_type="imaging_ops.siteidentifier", object_id=str(licence.pk), actor=manager
    ).exists()


@pytest.mark.parametrize(
    ("days_left", "highlight", "badge"),
    [
        (-1, "table-danger", "Expired"),
        (0, "table-warning", "In 0 days"),
        (90, "table-warning", "In 90 days"),
        (91, None, None),
        (None, None, None),
    ],
)
def test_identifiers_expiring_within_90_days_are_highlighted(
    client, manager, site_a, days_left, highlight, badge
):
    identifier(site_a, days_left)
    client.force_login(manager)

    page = client.get("/sites/ALPHA/settings/")

    (row,) = page.context["identifiers"]
    assert row.days_left == days_left
    table = page.text.split('id="identifiers"')[1]
    for css in ("table-danger", "table-warning"):
        assert (css in table) == (css == highlight)
    if badge:
        assert badge in table


def test_the_expiry_warning_counts_days_in_the_sites_time_zone(person):
    """At 03:30 UTC on 5 March it is 4 March in Chicago: an expiry on 2 June is 90 days away."""
    site = factories.SiteFactory(code="CHI", time_zone="America/Chicago")
    SiteIdentifier.objects.create(
        site=site, kind="xray", number="IL-1", issuer="IEMA", expires_on=date(2026, 6, 2)
    )

    (row,) = site_services.identifiers_of(site, datetime(2026, 3, 5, 3, 30, tzinfo=UTC))

    assert row.days_left == 90
    assert row.expiring_soon


def test_an_identifier_that_has_already_expired_is_refused(client, manager, site_a):
    client.force_login(manager)
    yesterday = site_today(site_a) - timedelta(days=1)

    response = client.post(
        "/sites/ALPHA/identifiers/new/", identifier_data(expires_on=yesterday.isoformat())
    )

    assert response.status_code == 400
    assert response.context["form"].errors["expires_on"] == [
        "That date has passed: enter the expiry of the identifier in force now."
    ]
    assert not SiteIdentifier.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"expires_on": "2026-13-01"}, "expires_on"),
        ({"expires_on": "2099-01-01"}, "expires_on"),
        ({"number": ""}, "number"),
        ({"issuer": "  "}, "issuer"),
        ({"kind": "passport"}, "kind"),
    ],
)
def test_bad_identifier_input_is_a_field_error(client, manager, site_a, changes, field):
    client.force_login(manager)

    with time_machine.travel(datetime(2026, 3, 4, 15, 0, tzinfo=UTC)):
        response = client.post("/sites/ALPHA/identifiers/new/", identifier_data(**changes))

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not SiteIdentifier.objects.exists()


def test_the_same_identifier_twice_is_a_field_error_ignoring_case(client, manager, site_a):
    client.force_login(manager)
    client.post("/sites/ALPHA/identifiers/new/", identifier_data(number="NY-1"))

    response = client.post("/sites/ALPHA/identifiers/new/", identifier_data(number="ny-1"))

    assert response.status_code == 400
    assert response.context["form"].errors["number"] == ["This site already has that identifier."]


@pytest.mark.req("11.10(e)")
def test_a_renewal_is_saved_with_its_reason_and_audited(client, manager, site_a):
    licence = identifier(site_a, 30)
    client.force_login(manager)
    renewed = site_today(site_a) + timedelta(days=3 * 365)

    response = client.post(
        f"/sites/ALPHA/identifiers/{licence.pk}/edit/",
        {
            "kind": licence.kind,
            "number": licence.number,
            "issuer": licence.issuer,
            "expires_on": renewed.isoformat(),
            "reason": "Renewed after the FDA inspection",
        },
    )

    assert response.status_code == 302
    assert fresh(licence).expires_on == renewed
    event = AuditEvent.objects.get(
        object_type="imaging_ops.siteidentifier",
        object_id=str(licence.pk),
        action=AuditAction.UPDATE,
    )
    assert event.reason == "Renewed after the FDA inspection"
    assert event.changes == {"expires_on": [licence.expires_on.isoformat(), renewed.isoformat()]}


def test_an_edit_needs_a_reason(client, manager, site_a):
    licence = identifier(site_a, 30)
    client.force_login(manager)

    response = client.post(
        f"/sites/ALPHA/identifiers/{licence.pk}/edit/",
        identifier_data(number="MQSA-2", kind="mqsa", reason=""),
    )

    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert fresh(licence).number == "MQSA-1"


def test_an_expired_identifier_can_be_corrected_without_touching_its_expiry(
    client, manager, site_a
):
    licence = identifier(site_a, -10)
    client.force_login(manager)

    response = client.post(
        f"/sites/ALPHA/identifiers/{licence.pk}/edit/",
        {
            "kind": licence.kind,
            "number": licence.number,
            "issuer": "U.S. Food and Drug Administration",
            "expires_on": licence.expires_on.isoformat(),
            "reason": "Issuer written out",
        },
    )

    assert response.status_code == 302
    assert fresh(licence).issuer == "U.S. Food and Drug Administration"


def test_another_sites_identifier_is_not_found(client, manager, site_b):
    theirs = identifier(site_b, 30)
    client.force_login(manager)

    assert client.get(f"/sites/ALPHA/identifiers/{theirs.pk}/edit/").status_code == 404
    assert client.get(f"/sites/BETA/identifiers/{theirs.pk}/edit/").status_code == 404


# --- cancelling a closure -------------------------------------------------------------------


def cancel_closure(client, site, closure, reason="Opened after all"):
    return client.post(
        f"/sites/{site.code}/closures/{closure.pk}/cancel/", {"cancel_reason": reason}
    )


def test_an_upcoming_closure_is_cancelled_with_a_reason_and_kept_on_record(client, manager, site_a):
    closure = SiteClosure.objects.create(
        site=site_a, date=site_today(site_a) + timedelta(days=5), reason="Holiday"
    )
    client.force_login(manager)

    response = cancel_closure(client, site_a, closure, reason="Extra clinic day agreed")

    assert response.status_code == 302
    closure.refresh_from_db()
    assert closure.is_cancelled and closure.cancelled_by == manager
    assert closure.cancel_reason == "Extra clinic day agreed"
    assert not SiteClosure.objects.in_force().filter(pk=closure.pk).exists()
    event = AuditEvent.objects.filter(
        object_type="imaging_ops.siteclosure", object_id=str(closure.pk)
    ).latest("seq")
    assert event.reason == "Extra clinic day agreed"
    page = client.get("/sites/ALPHA/settings/")
    assert "Cancelled by" in page.text and "Extra clinic day agreed" in page.text


def test_a_cancelled_day_can_be_closed_again(client, manager, site_a):
    day = site_today(site_a) + timedelta(days=5)
    client.force_login(manager)
    add_closure(client, site_a, day, reason="Holiday")
    cancel_closure(client, site_a, SiteClosure.objects.get(site=site_a))

    response = add_closure(client, site_a, day, reason="Holiday after all")

    assert response.status_code == 302
    assert SiteClosure.objects.filter(site=site_a, date=day).count() == 2
    assert SiteClosure.objects.in_force().get(site=site_a, date=day).reason == "Holiday after all"


@pytest.mark.parametrize(
    ("days_ahead", "reason", "message"),
    [
        (0, "Opened", "has not begun"),
        (-2, "Opened", "has not begun"),
        (5, "   ", "Say why"),
    ],
)
def test_a_closure_that_has_begun_or_without_a_reason_is_not_cancelled(
    client, manager, site_a, days_ahead, reason, message
):
    closure = SiteClosure.objects.create(
        site=site_a, date=site_today(site_a) + timedelta(days=days_ahead), reason="Snow"
    )
    client.force_login(manager)

    response = cancel_closure(client, site_a, closure, reason=reason)

    assert response.status_code == 400
    assert message in response.content.decode()
    closure.refresh_from_db()
    assert not closure.is_cancelled


def test_only_managers_of_the_site_cancel_closures(client, tech, site_a, site_b, person):
    closure = SiteClosure.objects.create(
        site=site_a, date=site_today(site_a) + timedelta(days=5), reason="Holiday"
    )
    client.force_login(tech)
    assert cancel_closure(client, site_a, closure).status_code == 403
    other_manager = person(Role.MANAGER, site_b, username="beta-manager")
    client.force_login(other_manager)
    assert cancel_closure(client, site_a, closure).status_code == 404
    closure.refresh_from_db()
    assert not closure.is_cancelled


def test_the_settings_page_history_includes_closures(client, manager, site_a):
    client.force_login(manager)
    closure = SiteClosure.objects.create(
        site=site_a, date=site_today(site_a) + timedelta(days=5), reason="Holiday"
    )
    cancel_closure(client, site_a, closure, reason="Opened after all")
    page = client.get("/sites/ALPHA/settings/")
    shown = {(e.object_type, e.object_id) for e in page.context["audit_history"]}
    assert ("imaging_ops.siteclosure", str(closure.pk)) in shown


def test_the_settings_page_promises_nothing_that_does_not_exist_yet(client, manager, site_a):
    """Closures are kept on record; the settings page promises nothing about missed checks
    (the navigation bar links the schedule list, which is real)."""
    client.force_login(manager)

    page = client.get("/sites/ALPHA/settings/").content.decode()

    assert "Closures are entered ahead of the day and kept on record" in page
    body = page.split("</nav>", 1)[-1].lower()
    assert "missed" not in body and "schedules" not in body
