from django.urls import path

from equipment.views import (
    acceptance,
    documents,
    events,
    fault_report,
    last_done,
    missed,
    procedure_forms,
    procedures,
    record_actions,
    record_pages,
    records,
    registry,
    review,
    schedule_pages,
    schedules,
    status,
    work_orders,
)

app_name = "equipment"

urlpatterns = [
    # Equipment and its status.
    path("", registry.EquipmentListView.as_view(), name="list"),
    path("new/", registry.EquipmentFormView.as_view(), name="create"),
    path("<int:pk>/", registry.EquipmentDetailView.as_view(), name="detail"),
    path("<int:pk>/history/", registry.EquipmentHistoryView.as_view(), name="equipment_history"),
    path("<int:pk>/edit/", registry.EquipmentFormView.as_view(), name="edit"),
    path("<int:pk>/status/", status.EquipmentStatusView.as_view(), name="status"),
    path("<int:pk>/events/new/", events.EquipmentEventView.as_view(), name="event_create"),
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
    # Missed days of daily work, and their annotations.
    path("missed/", missed.MissedListView.as_view(), name="missed_list"),
    path("missed/export/", missed.missed_export, name="missed_export"),
    path(
        "schedules/import-last-done/",
        last_done.LastDoneImportView.as_view(),
        name="last_done_import",
    ),
    path(
        "schedules/import-last-done/template.csv",
        last_done.last_done_template,
        name="last_done_template",
    ),
    path(
        "schedules/<int:pk>/",
        schedule_pages.ScheduleDetailView.as_view(),
        name="schedule_detail",
    ),
    path(
        "<int:pk>/schedules/new/",
        schedule_pages.ScheduleCreateView.as_view(),
        name="schedule_create",
    ),
    path(
        "schedules/<int:pk>/edit/", schedule_pages.ScheduleEditView.as_view(), name="schedule_edit"
    ),
    path(
        "schedules/<int:pk>/pause/",
        schedule_pages.SchedulePauseView.as_view(),
        name="schedule_pause",
    ),
    path(
        "schedules/<int:pk>/resume/",
        schedule_pages.ScheduleResumeView.as_view(),
        name="schedule_resume",
    ),
    path(
        "schedules/<int:pk>/references/",
        schedule_pages.ReferenceSetView.as_view(),
        name="schedule_reference",
    ),
    # Service records: lists, one record, its actions and attachments.
    path("records/", record_pages.RecordListView.as_view(), name="records"),
    path("records/export/", record_pages.record_export_view, name="record_export"),
    path("<int:pk>/records/", record_pages.RecordListView.as_view(), name="equipment_records"),
    path(
        "<int:pk>/records/export/",
        record_pages.record_export_view,
        name="equipment_record_export",
    ),
    path("records/<int:pk>/", record_pages.RecordDetailView.as_view(), name="record_detail"),
    path("records/<int:pk>/sign/", record_actions.RecordSignView.as_view(), name="record_sign"),
    path("records/<int:pk>/amend/", record_actions.RecordAmendView.as_view(), name="record_amend"),
    path("records/<int:pk>/void/", record_actions.RecordVoidView.as_view(), name="record_void"),
    path(
        "records/attachments/<int:pk>/",
        record_pages.record_attachment,
        name="record_attachment",
    ),
    # The review queue: records waiting for a reviewer, reviewed one at a time or together.
    path("review/", review.ReviewQueueView.as_view(), name="review_queue"),
    path("review/export/", review.review_queue_export, name="review_export"),
    # Service records: the record form, and each value's result as it is typed.
    path("schedules/<int:pk>/record/", records.RecordFormView.as_view(), name="record_new"),
    path(
        "schedules/<int:pk>/record/evaluate/<int:check_id>/",
        records.EvaluateView.as_view(),
        name="record_evaluate",
    ),
    path("<int:pk>/record/", records.AdhocRecordView.as_view(), name="record_adhoc"),
    path("<int:pk>/trends/", records.EquipmentTrendsView.as_view(), name="equipment_trends"),
    path(
        "schedules/<int:pk>/trends/", records.ScheduleTrendsView.as_view(), name="schedule_trends"
    ),
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
    # Work orders: the list and its CSV, one work order and its forms, a fault report.
    path("work-orders/", work_orders.WorkOrderListView.as_view(), name="work_orders"),
    path("work-orders/export/", work_orders.work_order_export, name="work_order_export"),
    path(
        "work-orders/<int:pk>/",
        work_orders.WorkOrderDetailView.as_view(),
        name="work_order_detail",
    ),
    path(
        "work-orders/<int:pk>/transition/",
        work_orders.WorkOrderTransitionView.as_view(),
        name="work_order_transition",
    ),
    path(
        "work-orders/<int:pk>/details/",
        work_orders.WorkOrderDetailsView.as_view(),
        name="work_order_details",
    ),
    path(
        "work-orders/<int:pk>/countersign/",
        work_orders.WorkOrderCountersignView.as_view(),
        name="work_order_countersign",
    ),
    path(
        "work-orders/<int:pk>/lines/",
        work_orders.WorkOrderLineView.as_view(),
        name="work_order_line",
    ),
    path(
        "work-orders/<int:pk>/attachments/",
        work_orders.WorkOrderAttachView.as_view(),
        name="work_order_attach",
    ),
    path(
        "work-orders/attachments/<int:pk>/",
        work_orders.work_order_attachment,
        name="work_order_attachment",
    ),
    path("<int:pk>/report-fault/", fault_report.FaultReportView.as_view(), name="report_fault"),
    # QR labels (the stable address /e/<site>/<tag>/ is in imaging_ops/urls.py).
    path("labels/", documents.ListLabelsView.as_view(), name="labels"),
    path("<int:pk>/labels/", documents.EquipmentLabelView.as_view(), name="labels_one"),
    # CSV export and import.
    path("export/", documents.equipment_export, name="export"),
    path("import/", documents.EquipmentImportView.as_view(), name="import"),
]
