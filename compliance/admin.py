"""Reminders in the Django admin, for system administrators: the notices shown, never changed
there (they are the record of who was told); the sites' lead times editable."""

from django.contrib import admin

from compliance.models import LeadTime, ReminderNotice


@admin.register(ReminderNotice)
class ReminderNoticeAdmin(admin.ModelAdmin):
    list_display = ("title", "stage", "due_on", "site", "state", "claimed_at", "sent_at")
    list_filter = ("state", "subject_kind", "site")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LeadTime)
class LeadTimeAdmin(admin.ModelAdmin):
    list_display = ("site", "procedure_kind", "days")
    list_filter = ("site",)
