"""URLs of the whole app (composition root)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from compliance.api.dashboard import DashboardViewSet
from compliance.api.logs import LogViewSet
from compliance.views.logs import VerifyLogView
from equipment.api.acceptance import AcceptanceNoteViewSet
from equipment.api.checks import CheckViewSet
from equipment.api.procedures import ProcedureViewSet
from equipment.api.records import ServiceRecordViewSet
from equipment.api.registry import EquipmentViewSet, LocationViewSet
from equipment.api.review import ReviewQueueViewSet
from equipment.api.schedules import ScheduleViewSet
from equipment.api.work_orders import WorkOrderViewSet
from equipment.views.documents import equipment_by_tag
from imaging_ops.audit.api import AuditEventViewSet
from imaging_ops.audit.views import audit_export, audit_search
from imaging_ops.health.views import health
from imaging_ops.home import home, home_waiting
from imaging_ops.notifications import views as notification_views
from imaging_ops.notifications.api import NotificationViewSet
from imaging_ops.people import views as people_views
from imaging_ops.security import password_views
from imaging_ops.security.accounts import LoginView
from imaging_ops.security.api import TokenView
from imaging_ops.sites import views as site_views
from imaging_ops.sites.api import SiteViewSet
from imaging_ops.web.icons import favicon
from training.api.records import (
    CourseViewSet,
    MatrixViewSet,
    RequirementViewSet,
    TrainingRecordViewSet,
    TrainingSessionViewSet,
)

# The pages of one site for its managers: its people and its settings.
SITE_PAGES = [
    path("people/", people_views.SitePeopleView.as_view(), name="site_people"),
    path("people/invite/", people_views.InvitePersonView.as_view(), name="invite_person"),
    path("people/<int:pk>/", people_views.PersonAtSiteView.as_view(), name="person_at_site"),
    path(
        "people/<int:pk>/details/", people_views.PersonDetailsView.as_view(), name="person_details"
    ),
    path("people/<int:pk>/roles/", people_views.AddRoleView.as_view(), name="add_role"),
    path(
        "people/<int:pk>/invitation/",
        people_views.ResendInvitationView.as_view(),
        name="resend_invitation",
    ),
    path("roles/<int:pk>/", people_views.MembershipView.as_view(), name="update_membership"),
    path(
        "roles/<int:pk>/deactivate/",
        people_views.DeactivateMembershipView.as_view(),
        name="deactivate_membership",
    ),
    path("settings/", site_views.SiteSettingsView.as_view(), name="site_settings"),
    path("closures/", site_views.AddClosureView.as_view(), name="add_closure"),
    path(
        "closures/<int:pk>/cancel/",
        site_views.CancelClosureView.as_view(),
        name="cancel_closure",
    ),
    path("identifiers/new/", site_views.IdentifierFormView.as_view(), name="identifier_create"),
    path(
        "identifiers/<int:pk>/edit/",
        site_views.IdentifierFormView.as_view(),
        name="identifier_edit",
    ),
]

# The API, /api/v1/: each app's viewsets, declared in its api modules, on one router.
router = DefaultRouter()
router.register("sites", SiteViewSet, basename="site")
router.register("locations", LocationViewSet, basename="location")
router.register("equipment", EquipmentViewSet, basename="equipment")
router.register("acceptance-notes", AcceptanceNoteViewSet, basename="acceptance-note")
router.register("checks", CheckViewSet, basename="check")
router.register("records", ServiceRecordViewSet, basename="record")
router.register("review-queue", ReviewQueueViewSet, basename="review-queue")
router.register("procedures", ProcedureViewSet, basename="procedure")
router.register("schedules", ScheduleViewSet, basename="schedule")
router.register("work-orders", WorkOrderViewSet, basename="work-order")
router.register("courses", CourseViewSet, basename="course")
router.register("training-requirements", RequirementViewSet, basename="training-requirement")
router.register("training-sessions", TrainingSessionViewSet, basename="training-session")
router.register("training-records", TrainingRecordViewSet, basename="training-record")
router.register("training-matrix", MatrixViewSet, basename="training-matrix")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("dashboard", DashboardViewSet, basename="dashboard")
router.register("logs", LogViewSet, basename="log")

API_V1 = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    *router.urls,
]

urlpatterns = [
    path("", home, name="home"),
    path("home/waiting/", home_waiting, name="home_waiting"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/forgot/", password_views.ForgotPasswordView.as_view(), name="password_reset"),
    path(
        "password/forgot/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/set/<uidb64>/<token>/",
        password_views.ChoosePasswordView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/set/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("notifications/", notification_views.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/read/",
        notification_views.MarkAllReadView.as_view(),
        name="notifications_read",
    ),
    path(
        "notifications/<int:pk>/",
        notification_views.OpenNotificationView.as_view(),
        name="notification_open",
    ),
    path(
        "notifications/recent/",
        notification_views.RecentNotificationsView.as_view(),
        name="notifications_recent",
    ),
    path(
        "notifications/<int:pk>/read/",
        notification_views.MarkReadView.as_view(),
        name="notification_read",
    ),
    path("people/locked/", people_views.LockedAccountsView.as_view(), name="locked_accounts"),
    path(
        "people/<int:pk>/unlock/", people_views.UnlockAccountView.as_view(), name="unlock_account"
    ),
    path("people/", people_views.PeopleIndexView.as_view(), name="people_index"),
    path("sites/", site_views.SiteSettingsIndexView.as_view(), name="site_settings_index"),
    path("sites/<slug:site_code>/", include(SITE_PAGES)),
    path("health/", health, name="health"),
    # Public: an inspector checks a log's code without an account.
    path("verify/<str:code>/", VerifyLogView.as_view(), name="verify_log"),
    path("favicon.ico", favicon, name="favicon"),
    path("equipment/", include("equipment.urls")),
    path("compliance/", include("compliance.urls")),
    path("training/", include("training.urls")),
    # The stable address printed on QR labels; the tag may hold slashes and spaces.
    path("e/<str:site_code>/<path:asset_tag>/", equipment_by_tag, name="equipment_stable"),
    path("audit/", audit_search, name="audit"),
    path("audit/export.csv", audit_export, name="audit-export"),
    path("api/v1/", include(API_V1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
