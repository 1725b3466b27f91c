"""The compliance pages: the regulatory catalog for managers."""

from django.urls import path

from compliance.views import catalog

app_name = "compliance"

urlpatterns = [
    path("catalog/", catalog.CatalogView.as_view(), name="catalog"),
    path("catalog/<int:pk>/assign/", catalog.CatalogAssignView.as_view(), name="catalog_assign"),
]
