"""The compliance pages: the managers' dashboard and the regulatory catalog."""

from django.urls import path

from compliance.views import catalog, dashboard

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
]
