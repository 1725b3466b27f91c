from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class ImagingOpsConfig(AppConfig):
    name = "imaging_ops"
    verbose_name = "Imaging Ops"

    def ready(self):
        from .api import schema  # noqa: F401 - registers the OpenAPI authentication schemes


class ImagingOpsAdminConfig(AdminConfig):
    """The Django admin, for system administrators only."""

    default_site = "imaging_ops.admin_site.SuperuserOnlyAdminSite"
