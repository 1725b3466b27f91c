"""Acceptance notes in the Django admin: shown, never changed or deleted there. A signed version
cannot change anywhere; amendments and voids go through the app's pages and API, with a reason."""

from django.contrib import admin

from equipment.models import AcceptanceNote, AcceptanceNoteVersion


class ReadOnlyRecordAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
class AcceptanceNoteAdmin(ReadOnlyRecordAdmin):
    list_display = ("pk", "equipment", "current_version", "voided_at")
    list_select_related = ("equipment", "current_version")
    list_filter = ("equipment__site",)
    inlines = [VersionInline]


@admin.register(AcceptanceNoteVersion)
class AcceptanceNoteVersionAdmin(ReadOnlyRecordAdmin):
    list_display = ("note", "number", "outcome", "accepted_on", "created_by", "created_at")
    list_select_related = ("note", "created_by")
