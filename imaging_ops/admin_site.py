from django.contrib import admin


class SuperuserOnlyAdminSite(admin.AdminSite):
    """The admin answers to superusers only; managers use the app's own pages."""

    site_header = "Imaging Ops administration"

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser
