"""The compliance pages: the regulatory catalog for managers, and regulatory logs."""

from django.urls import path

from compliance.views import catalog, logs

app_name = "compliance"

urlpatterns = [
    path("catalog/", catalog.CatalogView.as_view(), name="catalog"),
    path("catalog/<int:pk>/assign/", catalog.CatalogAssignView.as_view(), name="catalog_assign"),
    path("logs/equipment/<int:pk>/", logs.EquipmentLogView.as_view(), name="equipment_log"),
    path("logs/<int:pk>/file/", logs.LogFileView.as_view(), name="log_file"),
]
