"""PDFs signed with the facility's certificate (PAdES baseline, pyHanko), and checked again.

The key and certificate come from IMAGING_OPS_SIGNING_KEY / IMAGING_OPS_SIGNING_CERT (PEM paths;
the certificate file may carry its chain after it) and IMAGING_OPS_SIGNING_KEY_PASSWORD. Where
they are unset (development, tests) a self-signed certificate and key are made on first use
under var/signing/, and the document says so on every page: `signing_identity().development`.
With IMAGING_OPS_TSA_URL set, each signature carries a timestamp token from that authority.
It lives in the core so that every PDF the app issues (logs, training certificates) can be
signed the same way.
"""

import contextlib
import datetime
import io
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers, timestamps
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

DEVELOPMENT_NOTE = "Development signature: not a facility certificate"
DEVELOPMENT_FILE = "development.pem"
DEVELOPMENT_NAME = "Imaging Ops development signature (not a facility certificate)"
_lock = threading.Lock()


@dataclass(frozen=True)
class SigningIdentity:
    """The key and certificate that sign, and whether they are the development pair."""

    signer: signers.SimpleSigner
    development: bool

    @property
    def subject(self) -> str:
        return self.signer.signing_cert.subject.human_friendly


def _development_pem(common_name: str = DEVELOPMENT_NAME) -> bytes:
    """A self-signed certificate and its key (one PEM file), made with `cryptography`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Imaging Ops (development)"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ) + certificate.public_bytes(serialization.Encoding.PEM)


def development_pem_path() -> Path:
    """The development pair, made once: written to a temporary file and linked into place, so
    two processes racing both end up with the pair the first one linked."""
    folder = Path(settings.VAR_DIR) / "signing"
    path = folder / DEVELOPMENT_FILE
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".development-", suffix=".pem")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(_development_pem())
        os.chmod(temporary, 0o600)
        # Another process that linked its pair first wins: that one is used.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return path


class SigningConfigurationError(Exception):
    """The configured key or certificate cannot be used; the message says which and why."""


def _load(key_pem: bytes, cert_pem: bytes, password: str) -> signers.SimpleSigner:
    try:
        certificates = list(load_certs_from_pemder_data(cert_pem))
    except ValueError as exc:
        raise SigningConfigurationError(f"The signing certificate does not load: {exc}") from exc
    if not certificates:
        raise SigningConfigurationError("The signing certificate file holds no certificate.")
    try:
        key = load_private_key_from_pemder_data(key_pem, passphrase=password.encode() or None)
    except (ValueError, TypeError) as exc:
        raise SigningConfigurationError(
            f"The signing key does not load (a wrong or missing password?): {exc}"
        ) from exc
    return signers.SimpleSigner(
        signing_cert=certificates[0],
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs(certificates),
    )


@cache
def _identity(key_path: str, cert_path: str, password: str, var_dir: str) -> SigningIdentity:
    if key_path:
        signer = _load(Path(key_path).read_bytes(), Path(cert_path).read_bytes(), password)
        return SigningIdentity(signer=signer, development=False)
    pem = development_pem_path().read_bytes()
    return SigningIdentity(signer=_load(pem, pem, ""), development=True)


def signing_identity() -> SigningIdentity:
    """The facility's signing identity from the settings, or the development one."""
    with _lock:
        return _identity(
            settings.SIGNING_KEY_PATH,
            settings.SIGNING_CERT_PATH,
            settings.SIGNING_KEY_PASSWORD,
            str(settings.VAR_DIR),
        )


def timestamper() -> timestamps.TimeStamper | None:
    """The timestamp authority of IMAGING_OPS_TSA_URL, or None where it is unset."""
    url = settings.SIGNING_TSA_URL
    return timestamps.HTTPTimeStamper(url) if url else None


def sign_pdf(pdf: bytes, *, reason: str, identity: SigningIdentity | None = None) -> bytes:
    """`pdf` signed PAdES baseline (SHA-256) as an incremental update; where a timestamp
    authority is configured, the signature carries its timestamp token (PAdES B-T).

    The timestamp goes inside the signature rather than in a separate document timestamp
    (/DocTimeStamp) after it: poppler's pdfsig cannot validate a document timestamp ("Unable to
    validate this type of signature") and would report the signature as not covering the whole
    file, and every issued log must read "Signature is Valid" there."""
    identity = identity or signing_identity()
    stamper = timestamper()
    metadata = signers.PdfSignatureMetadata(
        field_name="ImagingOpsSignature",
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=settings.PUBLIC_BASE_URL,
    )
    out = io.BytesIO()
    signers.PdfSigner(metadata, signer=identity.signer, timestamper=stamper).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out
    )
    return out.getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    """What pyHanko says of one embedded signature."""

    field: str
    signer: str
    intact: bool  # the signed bytes hash to the digest the signature covers
    valid: bool  # intact, and the signature verifies with the certificate's key
    trusted: bool  # and the certificate chains to a trust root given
    self_signed: bool
    development: bool
    covers_whole_file: bool
    timestamped: bool

    @property
    def trust_text(self) -> str:
        if self.development:
            return "self-signed development certificate (not a facility certificate)"
        if self.trusted:
            return "trusted: the certificate chains to a trust root given"
        if self.self_signed:
            return "self-signed certificate, not trusted"
        return "not trusted: no path to a trust root given"


@contextlib.contextmanager
def _quiet_validation():
    # pyHanko logs an untrusted certificate as a warning with its traceback; the result says it.
    logger = logging.getLogger("pyhanko")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def check_pdf_signatures(pdf: bytes, trust_roots=()) -> list[SignatureCheck]:
    """Validate every signature embedded in `pdf` offline (no fetching of revocation data);
    `trust_roots` are asn1crypto certificates to trust. Empty for a PDF without signatures."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    checks = []
    for embedded in reader.embedded_regular_signatures:
        context = ValidationContext(trust_roots=list(trust_roots), allow_fetching=False)
        with _quiet_validation():
            status = validate_pdf_signature(embedded, context)
        cert = status.signing_cert
        self_signed = cert.self_signed in ("yes", "maybe")
        checks.append(
            SignatureCheck(
                field=embedded.field_name,
                signer=cert.subject.human_friendly,
                intact=bool(status.intact),
                valid=bool(status.intact and status.valid),
                trusted=bool(status.trusted),
                self_signed=self_signed,
                development=self_signed and DEVELOPMENT_NAME in cert.subject.human_friendly,
                covers_whole_file=status.coverage.name in ("ENTIRE_FILE", "ENTIRE_REVISION"),
                timestamped=status.timestamp_validity is not None,
            )
        )
    return checks
