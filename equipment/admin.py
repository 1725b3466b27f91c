from django.contrib import admin

from imaging_ops.admin import NoDeleteAdmin

from . import acceptance_admin  # noqa: F401  (registers the acceptance note admins)
from .models import Equipment, EquipmentStatusChange, Location


@admin.register(Location)
class LocationAdmin(NoDeleteAdmin):
    list_display = ("site", "building", "room", "area_class", "secured_storage")
    list_filter = ("site", "area_class")


@admin.register(Equipment)
class EquipmentAdmin(NoDeleteAdmin):
    """Status is shown, never edited: it changes only through the status service."""

    list_display = ("asset_tag", "name", "site", "modality", "status")
    list_filter = ("site", "status", "category")
    search_fields = ("asset_tag", "name", "serial_number", "model")
    readonly_fields = ("status", "modality")


@admin.register(EquipmentStatusChange)
class EquipmentStatusChangeAdmin(NoDeleteAdmin):
    list_display = ("equipment", "from_status", "to_status", "actor", "changed_at")
    readonly_fields = [f.name for f in EquipmentStatusChange._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
