from django.urls import path

from . import views

app_name = "equipment"

urlpatterns = [
    path("", views.EquipmentListView.as_view(), name="list"),
    path("new/", views.EquipmentFormView.as_view(), name="create"),
    path("<int:pk>/", views.EquipmentDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.EquipmentFormView.as_view(), name="edit"),
    path("<int:pk>/status/", views.EquipmentStatusView.as_view(), name="status"),
    path("locations/", views.LocationListView.as_view(), name="locations"),
    path("locations/new/", views.LocationFormView.as_view(), name="location_create"),
    path("locations/<int:pk>/edit/", views.LocationFormView.as_view(), name="location_edit"),
]
