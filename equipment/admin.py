from django.contrib import admin

from equipment import acceptance_admin  # noqa: F401  (registers the acceptance note admins)
from equipment.models import Equipment, EquipmentStatusChange, Location
from imaging_ops.admin import NoDeleteAdmin


class ReadOnlyAdmin(NoDeleteAdmin):
    """Shown, never edited here: writes go through the services' rules in the app's pages."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Location)
class LocationAdmin(ReadOnlyAdmin):
    list_display = ("site", "building", "room", "area_class", "secured_storage")
    list_filter = ("site", "area_class")


@admin.register(Equipment)
class EquipmentAdmin(ReadOnlyAdmin):
    """Read-only: equipment and its status change only through the services, in the app."""

    list_display = ("asset_tag", "name", "site", "modality", "status")
    list_filter = ("site", "status", "category")
    search_fields = ("asset_tag", "name", "serial_number", "model")
    readonly_fields = ("status", "modality")


@admin.register(EquipmentStatusChange)
class EquipmentStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("equipment", "from_status", "to_status", "actor", "changed_at")
