"""The Django admin, for system administrators (superusers) only.

Nothing here deletes, and equipment status is not editable: it changes only through the
status service, in the app's own pages and API.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from imaging_ops.models import Site, SiteClosure, SiteIdentifier, SiteMembership, User

admin.site.disable_action("delete_selected")


class NoDeleteAdmin(admin.ModelAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = SiteMembership
    fk_name = "user"
    extra = 0
    can_delete = False


@admin.register(User)
class ImagingOpsUserAdmin(UserAdmin):
    list_display = ("username", "full_name", "credentials", "email", "is_active", "is_superuser")
    search_fields = ("username", "full_name", "email", "employee_id")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Imaging Ops", {"fields": ("full_name", "credentials", "employee_id", "home_site")}),
    )
    inlines = [MembershipInline]

    def has_delete_permission(self, request, obj=None):
        return False


class ClosureInline(admin.TabularInline):
    model = SiteClosure
    extra = 0
    can_delete = False


class IdentifierInline(admin.TabularInline):
    model = SiteIdentifier
    extra = 0
    can_delete = False


@admin.register(Site)
class SiteAdmin(NoDeleteAdmin):
    list_display = ("code", "name", "time_zone")
    search_fields = ("code", "name")
    inlines = [IdentifierInline, ClosureInline]


@admin.register(SiteMembership)
class SiteMembershipAdmin(NoDeleteAdmin):
    list_display = ("user", "site", "role", "is_trainee", "expires_on", "is_active")
    list_filter = ("role", "site", "is_active")
