from django.urls import path

from equipment.views import (
    acceptance,
    documents,
    procedure_forms,
    procedures,
    records,
    registry,
    schedules,
    status,
)

app_name = "equipment"

urlpatterns = [
    # Equipment and its status.
    path("", registry.EquipmentListView.as_view(), name="list"),
    path("new/", registry.EquipmentFormView.as_view(), name="create"),
    path("<int:pk>/", registry.EquipmentDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", registry.EquipmentFormView.as_view(), name="edit"),
    path("<int:pk>/status/", status.EquipmentStatusView.as_view(), name="status"),
    # Rooms.
    path("locations/", registry.LocationListView.as_view(), name="locations"),
    path("locations/new/", registry.LocationFormView.as_view(), name="location_create"),
    path("locations/<int:pk>/", registry.LocationDetailView.as_view(), name="location_detail"),
    path("locations/<int:pk>/edit/", registry.LocationFormView.as_view(), name="location_edit"),
    # Acceptance notes: versioned, signed records.
    path(
        "<int:pk>/acceptance/new/",
        acceptance.AcceptanceCreateView.as_view(),
        name="acceptance_create",
    ),
    path(
        "acceptance/<int:pk>/", acceptance.AcceptanceDetailView.as_view(), name="acceptance_detail"
    ),
    path(
        "acceptance/<int:pk>/edit/", acceptance.AcceptanceEditView.as_view(), name="acceptance_edit"
    ),
    path(
        "acceptance/<int:pk>/amend/",
        acceptance.AcceptanceAmendView.as_view(),
        name="acceptance_amend",
    ),
    path(
        "acceptance/<int:pk>/void/", acceptance.AcceptanceVoidView.as_view(), name="acceptance_void"
    ),
    path(
        "acceptance/<int:pk>/sign/", acceptance.AcceptanceSignView.as_view(), name="acceptance_sign"
    ),
    # Schedules.
    path("schedules/", schedules.ScheduleListView.as_view(), name="schedules"),
    path("schedules/export/", schedules.schedule_export, name="schedule_export"),
    # Service records: the record form, and each value's result as it is typed.
    path("schedules/<int:pk>/record/", records.RecordFormView.as_view(), name="record_new"),
    path(
        "schedules/<int:pk>/record/evaluate/<int:check_id>/",
        records.EvaluateView.as_view(),
        name="record_evaluate",
    ),
    path("<int:pk>/record/", records.AdhocRecordView.as_view(), name="record_adhoc"),
    path(
        "<int:pk>/record/evaluate/<int:check_id>/",
        records.AdhocEvaluateView.as_view(),
        name="record_adhoc_evaluate",
    ),
    # Procedures.
    path("procedures/", procedures.ProcedureListView.as_view(), name="procedures"),
    path("procedures/export/", procedures.procedure_export, name="procedure_export"),
    path("procedures/new/", procedure_forms.ProcedureCreateView.as_view(), name="procedure_create"),
    path("procedures/<int:pk>/", procedures.ProcedureDetailView.as_view(), name="procedure_detail"),
    path(
        "procedures/<int:pk>/edit/",
        procedure_forms.ProcedureEditView.as_view(),
        name="procedure_edit",
    ),
    path(
        "procedures/<int:pk>/copy/",
        procedure_forms.ProcedureCopyView.as_view(),
        name="procedure_copy",
    ),
    path(
        "procedures/<int:pk>/assign/",
        procedure_forms.ProcedureAssignView.as_view(),
        name="procedure_assign",
    ),
    # QR labels (the stable address /e/<site>/<tag>/ is in imaging_ops/urls.py).
    path("labels/", documents.ListLabelsView.as_view(), name="labels"),
    path("<int:pk>/labels/", documents.EquipmentLabelView.as_view(), name="labels_one"),
    # CSV export and import.
    path("export/", documents.equipment_export, name="export"),
    path("import/", documents.EquipmentImportView.as_view(), name="import"),
]
