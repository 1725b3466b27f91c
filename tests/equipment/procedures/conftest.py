"""What the procedure page tests share: the library's CT procedure, a signed-in client, and many
procedures made at once for the query counts."""

import pytest

from equipment.models import Check, Procedure, ProcedureKind, ProcedureVersion
from equipment.services.procedures import create_procedure
from imaging_ops.audit.mixin import audited_bulk_writes
from tests.equipment.conftest import CTDI, NOW, WIPE


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def library_qc(admin):
    """The organisation library's daily CT QC, which sites copy."""
    return create_procedure(
        actor=admin,
        site=None,
        code="LIB-CT-QC",
        kind=ProcedureKind.QC,
        now=NOW,
        name="CT daily QC (library)",
        modalities=["CT"],
        citation="ACR CT QC manual 2017",
        default_anchor="fixed",
        default_preset="each_clinical_day",
        checks=[CTDI, {"key": "artefacts", "name": "No artefacts", "kind": "boolean"}],
    )


@pytest.fixture
def library_leak(admin):
    """The library's leak test: a radiation procedure, which the RSO may copy."""
    return create_procedure(
        actor=admin,
        site=None,
        code="LIB-LEAK",
        kind=ProcedureKind.LEAK_TEST,
        now=NOW,
        name="Leak test (library)",
        categories=["sealed_source"],
        checks=[WIPE],
    )


def add_procedures(template: Procedure, count: int, *, site, prefix: str = "P") -> None:
    """`count` more procedures at `site` like `template` (its current version and checks),
    written in bulk."""
    version = template.current_version
    checks = list(version.checks.all())
    version_fields = {
        f.attname: getattr(version, f.attname)
        for f in ProcedureVersion._meta.concrete_fields
        if not f.primary_key and f.attname != "procedure_id"
    }
    check_fields = [
        {
            f.attname: getattr(check, f.attname)
            for f in Check._meta.concrete_fields
            if not f.primary_key and f.attname != "version_id"
        }
        for check in checks
    ]
    with audited_bulk_writes():
        procedures = Procedure.objects.bulk_create(
            Procedure(site=site, code=f"{prefix}-{n:04d}", kind=template.kind) for n in range(count)
        )
        versions = ProcedureVersion.objects.bulk_create(
            ProcedureVersion(procedure=p, **version_fields) for p in procedures
        )
        Check.objects.bulk_create(
            Check(version=v, **fields) for v in versions for fields in check_fields
        )
        for procedure, made in zip(procedures, versions, strict=True):
            procedure.current_version = made
        Procedure.objects.bulk_update(procedures, ["current_version"])
