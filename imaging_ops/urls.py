"""URLs of the whole app (composition root)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from equipment.api.acceptance import AcceptanceNoteViewSet
from equipment.api.views import EquipmentViewSet, LocationViewSet

from . import notification_views, password_views, people_views
from .accounts import LoginView
from .api.audit import AuditEventViewSet
from .api.notifications import NotificationViewSet
from .api.views import SiteViewSet, TokenView
from .audit_views import audit_export, audit_search
from .health import health
from .home import home

router = DefaultRouter()
router.register("sites", SiteViewSet, basename="site")
router.register("locations", LocationViewSet, basename="location")
router.register("equipment", EquipmentViewSet, basename="equipment")
router.register("acceptance-notes", AcceptanceNoteViewSet, basename="acceptance-note")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("audit-events", AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("", home, name="home"),
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
    path("people/locked/", people_views.LockedAccountsView.as_view(), name="locked_accounts"),
    path(
        "people/<int:pk>/unlock/", people_views.UnlockAccountView.as_view(), name="unlock_account"
    ),
    path("health/", health, name="health"),
    path("equipment/", include("equipment.urls")),
    path("audit/", audit_search, name="audit"),
    path("audit/export.csv", audit_export, name="audit-export"),
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
