"""What the catalog tests share: a system administrator, the catalog loaded by the command, and
the moment the tests write at."""

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from tests import factories

NOW = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)


@pytest.fixture
def admin(db):
    return factories.UserFactory(username="ada", is_superuser=True)


def load(*args: str) -> str:
    """Run `manage.py load_catalog` with `args`; what it printed."""
    out = StringIO()
    call_command("load_catalog", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def loaded(admin):
    """The whole catalog loaded once into the library; what the command printed."""
    return load()
