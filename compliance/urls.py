"""The compliance pages: the managers' dashboard, the regulatory catalog, reminders
(preferences, the notices of a manager's sites, the secret calendar feed), regulatory logs, and
what the inspectors of a manager's sites looked at."""

from django.urls import path

from compliance.views import catalog, dashboard, inspector, logs, reminders

app_name = "compliance"

urlpatterns = [
    path("dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path(
        "dashboard/export/<slug:table>.csv",
        dashboard.DashboardExportView.as_view(),
        name="dashboard_export",
    ),
    path("catalog/", catalog.CatalogView.as_view(), name="catalog"),
    path("catalog/<int:pk>/assign/", catalog.CatalogAssignView.as_view(), name="catalog_assign"),
    path(
        "reminders/preferences/",
        reminders.PreferenceView.as_view(),
        name="reminder_preferences",
    ),
    path(
        "reminders/calendar/regenerate/",
        reminders.RegenerateCalendarView.as_view(),
        name="calendar_regenerate",
    ),
    path("reminders/notices/", reminders.NoticeListView.as_view(), name="reminder_notices"),
    path("reminders/notices/export/", reminders.notice_export, name="reminder_notice_export"),
    path(
        "reminders/lead-times/<slug:site_code>/",
        reminders.LeadTimeView.as_view(),
        name="lead_times",
    ),
    path("calendar/<str:secret>.ics", reminders.calendar_feed_view, name="calendar_feed"),
    path("logs/equipment/<int:pk>/", logs.EquipmentLogView.as_view(), name="equipment_log"),
    path("logs/<int:pk>/", logs.LogDetailView.as_view(), name="log_detail"),
    path("logs/<int:pk>/approve/", logs.LogApproveView.as_view(), name="log_approve"),
    path(
        "logs/<int:pk>/approved-file/",
        logs.LogRemakeApprovedFileView.as_view(),
        name="log_remake_approved_file",
    ),
    path("logs/<int:pk>/file/", logs.LogFileView.as_view(), name="log_file"),
    path("sites/<slug:site_code>/logs/", logs.SiteLogListView.as_view(), name="site_logs"),
    path("sites/<slug:site_code>/logs/issue/", logs.SiteLogView.as_view(), name="site_log"),
    path("inspector-activity/", inspector.inspector_activity_view, name="inspector_activity"),
    path(
        "inspector-activity/export.csv",
        inspector.inspector_activity_export,
        name="inspector_activity_export",
    ),
    path(
        "sites/<slug:site_code>/logs/export.csv",
        logs.SiteLogExportView.as_view(),
        name="site_log_export",
    ),
]
