from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class ImagingOpsConfig(AppConfig):
    name = "imaging_ops"
    verbose_name = "Imaging Ops"

    def ready(self):
        from django.contrib.auth import signals

        from imaging_ops import checks  # noqa: F401 - registers the signing configuration checks
        from imaging_ops.api import schema  # noqa: F401 - registers the OpenAPI authentication schemes
        from imaging_ops.audit.core_names import register_core_names
        from imaging_ops.security import lockout as security

        # Sign-in, sign-out and failed sign-in (login page and API token alike) are audited.
        signals.user_logged_in.connect(security.on_user_logged_in, dispatch_uid="audit_login")
        signals.user_logged_out.connect(security.on_user_logged_out, dispatch_uid="audit_logout")
        signals.user_login_failed.connect(
            security.on_user_login_failed, dispatch_uid="audit_login_failed"
        )
        register_core_names()


class ImagingOpsAdminConfig(AdminConfig):
    """The Django admin, for system administrators only."""

    default_site = "imaging_ops.admin_site.SuperuserOnlyAdminSite"
