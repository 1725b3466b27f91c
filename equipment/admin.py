"""Equipment in the Django admin, for system administrators: shown, never changed or deleted
there. Writes go through the services' rules in the app's pages and API, with a reason."""

from django.contrib import admin

from equipment.models import (
    AcceptanceNote,
    AcceptanceNoteVersion,
    Equipment,
    EquipmentStatusChange,
    Location,
)
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


class VersionInline(admin.StackedInline):
    model = AcceptanceNoteVersion
    fk_name = "note"
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "number",
        "accepted_on",
        "outcome",
        "summary",
        "tests_performed",
        "conditions",
        "created_at",
        "created_by",
        "amendment_reason",
    )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AcceptanceNote)
class AcceptanceNoteAdmin(ReadOnlyAdmin):
    list_display = ("pk", "equipment", "current_version", "voided_at")
    list_select_related = ("equipment", "current_version")
    list_filter = ("equipment__site",)
    inlines = [VersionInline]


@admin.register(AcceptanceNoteVersion)
class AcceptanceNoteVersionAdmin(ReadOnlyAdmin):
    list_display = ("note", "number", "outcome", "accepted_on", "created_by", "created_at")
    list_select_related = ("note", "created_by")
