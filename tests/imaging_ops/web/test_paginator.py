"""Deep pages sort keys only, and give exactly the rows the plain paginator gives."""

import pytest
from django.core.paginator import Paginator

from equipment.models import Equipment
from imaging_ops.web.paginator import KeysFirstPaginator
from tests import factories

pytestmark = pytest.mark.django_db


def test_every_page_holds_the_same_rows_in_the_same_order_as_the_plain_paginator(site_a):
    location = factories.LocationFactory(site=site_a)
    for i in range(23):
        factories.EquipmentFactory(
            site=site_a, location=location, asset_tag=f"T-{(i * 7) % 23:02d}"
        )
    rows = Equipment.objects.order_by("asset_tag")
    plain, keys_first = Paginator(rows, 5), KeysFirstPaginator(rows, 5)
    assert keys_first.num_pages == plain.num_pages == 5
    for number in plain.page_range:
        expected = [e.asset_tag for e in plain.page(number)]
        assert [e.asset_tag for e in keys_first.page(number)] == expected


def test_orphans_join_the_last_page(site_a):
    location = factories.LocationFactory(site=site_a)
    for i in range(11):
        factories.EquipmentFactory(site=site_a, location=location, asset_tag=f"T-{i:02d}")
    rows = Equipment.objects.order_by("asset_tag")
    page = KeysFirstPaginator(rows, 5, orphans=1).page(2)
    assert [e.asset_tag for e in page] == [f"T-{i:02d}" for i in range(5, 11)]
