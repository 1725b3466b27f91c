"""System checks of the signing configuration: a configured key or certificate that is not
there, or does not load (a wrong password), fails every command at once; running without one
is a warning of `check --deploy`, since the PDFs are then signed with the self-signed
development certificate."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register()
def signing_files_exist(app_configs, **kwargs):
    errors = []
    for name, path in (
        ("IMAGING_OPS_SIGNING_KEY", settings.SIGNING_KEY_PATH),
        ("IMAGING_OPS_SIGNING_CERT", settings.SIGNING_CERT_PATH),
    ):
        if path and not Path(path).is_file():
            errors.append(
                Error(
                    f"{name} names {path}, which is not a readable file.",
                    hint="Point it at the PEM file of the facility's signing key or certificate.",
                    id="imaging_ops.E101",
                )
            )
    if settings.SIGNING_KEY_PATH and not errors:
        from imaging_ops.pdf_signing import SigningConfigurationError, signing_identity

        try:
            signing_identity()
        except SigningConfigurationError as exc:
            errors.append(
                Error(
                    str(exc),
                    hint="Check the files and IMAGING_OPS_SIGNING_KEY_PASSWORD.",
                    id="imaging_ops.E102",
                )
            )
    return errors


@register(Tags.security, deploy=True)
def signing_certificate_configured(app_configs, **kwargs):
    if settings.SIGNING_KEY_PATH:
        return []
    return [
        Warning(
            "IMAGING_OPS_SIGNING_KEY and IMAGING_OPS_SIGNING_CERT are not set: issued PDFs are "
            "signed with a self-signed development certificate and say so on every page.",
            hint="Set them to the facility's signing key and certificate (PEM) before issuing "
            "logs an inspector relies on; see docs/verifying-logs.md.",
            id="imaging_ops.W101",
        )
    ]
