"""Every issued log is digitally signed (PAdES, pyHanko): poppler's pdfsig finds the signature
valid, and a changed byte of content breaks it; the development certificate is made once and
named on every page of what it signs; approval keeps the snapshot and signs the new file."""

import hashlib
import stat

import pytest
from django.core.management import call_command

from compliance.models import LogState
from imaging_ops import pdf_signing
from imaging_ops.pdf_signing import DEVELOPMENT_NOTE, check_pdf_signatures, signing_identity
from tests.compliance.logs_support import record
from tests.compliance.signed_logs import approve, issue, pdf_text, pdfsig, stored, tampered

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.needs_poppler
def test_pdfsig_finds_the_draft_and_the_approved_log_validly_signed(
    tmp_path, manager, physicist, zoe, daily, ct
):
    record(daily, zoe, days_ago=1)
    log = issue(manager, ct)
    draft = pdfsig(stored(log), tmp_path)
    assert "Signature is Valid" in draft and "ETSI.CAdES.detached" in draft
    assert "Total document signed" in draft
    approved = approve(log, physicist)
    report = pdfsig(stored(approved), tmp_path)
    assert "Signature is Valid" in report and "Total document signed" in report


@pytest.mark.req("11.10(a)")
@pytest.mark.needs_poppler
def test_pdfsig_reports_a_digest_mismatch_after_one_byte_of_content_changes(
    tmp_path, manager, zoe, daily, ct
):
    record(daily, zoe, days_ago=1)
    pdf = stored(issue(manager, ct))
    report = pdfsig(tampered(pdf), tmp_path)
    assert "Digest Mismatch" in report or "Signature is Invalid" in report
    assert "Signature is Valid" not in report


@pytest.mark.req("11.10(a)")
def test_pyhanko_validates_the_signature_and_names_the_development_certificate(
    manager, zoe, daily, ct
):
    record(daily, zoe, days_ago=1)
    pdf = stored(issue(manager, ct))
    [check] = check_pdf_signatures(pdf)
    assert check.intact and check.valid and check.covers_whole_file
    assert not check.trusted and check.development
    assert "self-signed development certificate" in check.trust_text
    [broken] = check_pdf_signatures(tampered(pdf))
    assert not broken.intact and not broken.valid


@pytest.mark.needs_poppler
def test_the_development_signature_is_named_on_every_page(tmp_path, manager, zoe, daily, ct):
    for days_ago in range(1, 40):
        record(daily, zoe, days_ago=days_ago)
    text = pdf_text(stored(issue(manager, ct)), tmp_path)
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) > 1
    assert all(DEVELOPMENT_NOTE in page for page in pages)


def test_the_development_pair_is_made_once_and_kept_private(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    first = signing_identity()
    path = tmp_path / "signing" / "development.pem"
    assert first.development and path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    pdf_signing._identity.cache_clear()
    again = signing_identity()
    assert again.signer.signing_cert.dump() == first.signer.signing_cert.dump()
    assert list((tmp_path / "signing").iterdir()) == [path]  # no temporary file left


def test_a_configured_certificate_signs_without_the_development_note(
    settings, tmp_path, manager, zoe, daily, ct
):
    pem = tmp_path / "facility.pem"
    pem.write_bytes(pdf_signing._development_pem())
    settings.SIGNING_KEY_PATH = settings.SIGNING_CERT_PATH = str(pem)
    identity = signing_identity()
    assert not identity.development
    record(daily, zoe, days_ago=1)
    log = issue(manager, ct)
    [check] = check_pdf_signatures(stored(log))
    assert check.valid
    assert DEVELOPMENT_NOTE.encode() not in stored(log)


def test_approval_keeps_the_snapshot_and_stores_the_signed_approved_file(
    manager, physicist, zoe, daily, ct
):
    record(daily, zoe, days_ago=1)
    log = issue(manager, ct)
    draft = stored(log)
    approved = approve(log, physicist)
    approved.refresh_from_db()
    pdf = stored(approved)
    assert approved.state == LogState.APPROVED and approved.approved_by == physicist
    assert approved.snapshot_sha256 == log.snapshot_sha256
    assert approved.file_sha256 == hashlib.sha256(pdf).hexdigest() != approved.draft_file_sha256
    assert approved.draft_file_sha256 == hashlib.sha256(draft).hexdigest()
    assert approved.size == len(pdf)
    [check] = check_pdf_signatures(pdf)
    assert check.valid and check.intact


def test_verify_log_recognises_the_draft_and_the_approved_file_offline(
    tmp_path, capsys, manager, physicist, zoe, daily, ct
):
    record(daily, zoe, days_ago=1)
    log = issue(manager, ct)
    draft = tmp_path / "draft.pdf"
    draft.write_bytes(stored(log))
    approved = tmp_path / "approved.pdf"
    approved.write_bytes(stored(approve(log, physicist)))
    call_command("verify_log", str(draft))
    out = capsys.readouterr().out
    assert log.code in out and "byte-identical to the draft as issued" in out
    assert "self-signed development certificate" in out and "intact" in out
    call_command("verify_log", str(approved))
    out = capsys.readouterr().out
    assert "byte-identical to the approved log" in out and "Approved by" in out


def test_verify_log_exits_1_for_a_file_it_did_not_issue(tmp_path, capsys, manager, zoe, daily, ct):
    record(daily, zoe, days_ago=1)
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(tampered(stored(issue(manager, ct))))
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_log", str(changed))
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "No log was issued with this SHA-256" in out
    assert "signature is broken" in out
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_log", str(tmp_path / "missing.pdf"))
    assert exit_.value.code == 1


def _test_tsa():
    """A timestamp authority of our own, answering in process (pyHanko's dummy client)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder_data
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test timestamp authority")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert, key_pem, DummyTimeStamper, load_cert_from_pemder, load_private_key_from_pemder_data


@pytest.mark.needs_poppler
def test_with_a_timestamp_authority_the_signature_carries_its_timestamp(
    monkeypatch, tmp_path, manager, zoe, daily, ct
):
    cert, key_pem, dummy, load_cert, load_key = _test_tsa()
    from cryptography.hazmat.primitives import serialization

    cert_path = tmp_path / "tsa.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    stamper = dummy(tsa_cert=load_cert(str(cert_path)), tsa_key=load_key(key_pem, None))
    monkeypatch.setattr(pdf_signing, "timestamper", lambda: stamper)
    record(daily, zoe, days_ago=1)
    pdf = stored(issue(manager, ct))
    report = pdfsig(pdf, tmp_path)
    assert "Signature is Valid" in report and "Total document signed" in report
    [check] = check_pdf_signatures(pdf)
    assert check.valid and check.timestamped


def test_verify_log_calls_a_certificate_trusted_only_when_given_its_root(
    settings, tmp_path, capsys, manager, zoe, daily, ct
):
    pem = tmp_path / "facility.pem"
    pem.write_bytes(pdf_signing._development_pem("Alpha General Imaging (test facility)"))
    settings.SIGNING_KEY_PATH = settings.SIGNING_CERT_PATH = str(pem)
    record(daily, zoe, days_ago=1)
    path = tmp_path / "log.pdf"
    path.write_bytes(stored(issue(manager, ct)))
    call_command("verify_log", str(path))
    assert "not trusted" in capsys.readouterr().out
    call_command("verify_log", str(path), "--trust", str(pem))
    out = capsys.readouterr().out
    assert "trusted: the certificate chains to a trust root given" in out
    assert "development certificate" not in out


def _encrypted_pair(tmp_path, password: bytes):
    from cryptography.hazmat.primitives import serialization

    pem = pdf_signing._development_pem("Alpha General Imaging (test facility)")
    key = serialization.load_pem_private_key(pem, password=None)
    key_path, cert_path = tmp_path / "key.pem", tmp_path / "cert.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password),
        )
    )
    cert_path.write_bytes(pem[pem.index(b"-----BEGIN CERTIFICATE") :])
    return str(key_path), str(cert_path)


def test_a_key_with_its_password_signs_and_a_wrong_password_fails_the_check(settings, tmp_path):
    from imaging_ops.checks import signing_files_exist

    key, cert = _encrypted_pair(tmp_path, b"s3cret")
    settings.SIGNING_KEY_PATH, settings.SIGNING_CERT_PATH = key, cert
    settings.SIGNING_KEY_PASSWORD = "s3cret"
    assert not signing_identity().development
    assert signing_files_exist(None) == []
    settings.SIGNING_KEY_PASSWORD = "wrong"
    [error] = signing_files_exist(None)
    assert error.id == "imaging_ops.E102" and "password" in error.msg
