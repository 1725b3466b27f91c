"""One submit of a site-settings form shows every field error at once: the form's own (a time
that is not a time, a date that is not a date) beside the service's (a time zone changed
without a reason, an identifier the site already has), each on its field, and nothing changes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from imaging_ops.models import Site, SiteClosure, SiteIdentifier
from imaging_ops.text import BIDI_REFUSED
from imaging_ops.vocabulary import IdentifierKind
from tests.page_errors import shown_on

pytestmark = pytest.mark.django_db

NOT_A_TIME = "Enter a valid time."
NOT_A_DATE = "Enter a valid date."


def as_saved(site):
    return Site.objects.values_list("time_zone", "clinical_days", "opens_at", "closes_at").get(
        pk=site.pk
    )


def test_the_settings_form_shows_a_bad_time_no_days_and_a_missing_reason_at_once(
    client, manager, site_a
):
    """
    GIVEN a manager who mistypes the opening time, unticks every clinical day and moves the
    site to another time zone without saying why
    WHEN they save once
    THEN all three messages show, each on its field, and the settings stay as they were
    """
    client.force_login(manager)
    before = as_saved(site_a)

    response = client.post(
        f"/sites/{site_a.code}/settings/",
        {
            "time_zone": "Europe/Paris",
            "opens_at": "7h",
            "closes_at": "19:00",
            "address": "",
            "reason": "",
        },
    )

    assert response.status_code == 400
    assert shown_on(response, "opens_at") == [NOT_A_TIME]
    assert shown_on(response, "clinical_days") == [
        "Choose at least one clinical day: daily QC is due on them."
    ]
    assert shown_on(response, "reason") == [
        "Changing the time zone moves every local due time: say why."
    ]
    assert as_saved(site_a) == before


def test_the_identifier_form_shows_a_bad_date_a_duplicate_and_a_bad_issuer_at_once(
    client, manager, site_a
):
    SiteIdentifier.objects.create(
        site=site_a, kind=IdentifierKind.MQSA_CERTIFICATE, number="MQSA-1", issuer="FDA"
    )
    client.force_login(manager)

    response = client.post(
        f"/sites/{site_a.code}/identifiers/new/",
        {
            "kind": IdentifierKind.MQSA_CERTIFICATE,
            "number": "mqsa-1",
            "issuer": "F\u202eDA",
            "expires_on": "2027-02-30",
        },
    )

    assert response.status_code == 400
    assert shown_on(response, "expires_on") == [NOT_A_DATE]
    assert shown_on(response, "number") == ["This site already has that identifier."]
    assert shown_on(response, "issuer") == [BIDI_REFUSED]
    assert SiteIdentifier.objects.count() == 1


def test_correcting_an_identifier_shows_a_bad_date_a_duplicate_and_no_reason_at_once(
    client, manager, site_a
):
    licence, _other = (
        SiteIdentifier.objects.create(
            site=site_a, kind=IdentifierKind.MQSA_CERTIFICATE, number=number, issuer="FDA"
        )
        for number in ("MQSA-1", "MQSA-2")
    )
    client.force_login(manager)

    response = client.post(
        f"/sites/{site_a.code}/identifiers/{licence.pk}/edit/",
        {
            "kind": IdentifierKind.MQSA_CERTIFICATE,
            "number": "MQSA-2",
            "issuer": "FDA",
            "expires_on": "soon",
            "reason": "",
        },
    )

    assert response.status_code == 400
    assert shown_on(response, "expires_on") == [NOT_A_DATE]
    assert shown_on(response, "number") == ["This site already has that identifier."]
    assert shown_on(response, "reason") == ["This field is required."]
    licence.refresh_from_db()
    assert licence.number == "MQSA-1"


def test_the_closure_form_shows_a_past_day_and_a_missing_reason_at_once(client, manager, site_a):
    client.force_login(manager)
    yesterday = timezone.localdate(timezone=site_a.zone) - timedelta(days=1)

    response = client.post(
        f"/sites/{site_a.code}/closures/",
        {"closure-date": yesterday.isoformat(), "closure-reason": ""},
    )

    assert response.status_code == 400
    assert shown_on(response, "closure-reason") == ["This field is required."]
    assert shown_on(response, "closure-date")[0].startswith("Closures are entered ahead")
    assert not SiteClosure.objects.exists()
