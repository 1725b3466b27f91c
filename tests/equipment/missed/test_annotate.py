"""Who may say why a day was missed: those who may perform the procedure at the site (one of
its performer roles, any performer where it names none, a trainee doing technicians' work) and
the site's managers; nobody outside the site; a reason is required."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from equipment.models import MissedOccurrence
from equipment.services.missed import annotate_missed, may_annotate
from imaging_ops.vocabulary import Role
from tests.equipment.missed.builders import NOW, overdue_daily_qc

pytestmark = pytest.mark.django_db


@pytest.fixture
def days(manager, site_a):
    qc = overdue_daily_qc(manager, site_a)
    return list(MissedOccurrence.objects.filter(schedule=qc).select_related("schedule__equipment"))


def annotate(actor, days, reason="Unit not used that day"):
    return annotate_missed(actor=actor, occurrences=days, annotation=reason, now=NOW)


def test_a_technician_who_performs_it_and_a_trainee_annotate(days, tech, person, site_a):
    assert annotate(tech, days) == 2
    trainee = person(Role.TECHNICIAN, site_a, username="tina", is_trainee=True)
    assert annotate(trainee, days, "Site closed") == 2
    assert set(MissedOccurrence.objects.values_list("annotated_by", flat=True)) == {trainee.pk}


def test_a_physicist_is_refused_a_technicians_procedure_but_a_manager_is_not(
    days, physicist, manager
):
    assert not may_annotate(physicist, days[0].schedule)
    with pytest.raises(PermissionDenied, match=r"Only those who perform CT-DAILY \(technician\)"):
        annotate(physicist, days)
    assert annotate(manager, days) == 2


def test_people_of_another_site_and_inspectors_are_refused(days, inspector, person, site_b):
    for outsider in (inspector, person(Role.TECHNICIAN, site_b, username="otto")):
        with pytest.raises(PermissionDenied):
            annotate(outsider, days)
    assert not MissedOccurrence.objects.exclude(annotation="").exists()


@pytest.mark.parametrize("reason", ["", "   ", "x" * 301, "Closed\u202e"])
def test_a_reason_is_required_and_plain(days, tech, reason):
    with pytest.raises(ValidationError) as refused:
        annotate(tech, days, reason)
    assert set(refused.value.message_dict) == {"annotation"}
    assert not MissedOccurrence.objects.exclude(annotation="").exists()
