from django.urls import path

from training.views import courses, imports, matrix, people, records, sessions

app_name = "training"

urlpatterns = [
    path("", people.MyTrainingView.as_view(), name="mine"),
    path("courses/", people.CourseListView.as_view(), name="courses"),
    path("import/", imports.TrainingImportView.as_view(), name="import"),
    path("import/template.csv", imports.import_template, name="import_template"),
    path("people/<int:pk>/", people.PersonTrainingView.as_view(), name="person"),
    path("records/<int:pk>/", records.TrainingRecordView.as_view(), name="record"),
    path("records/<int:pk>/certificate.pdf", records.CertificateView.as_view(), name="certificate"),
    path("sites/<slug:site_code>/matrix/", matrix.MatrixView.as_view(), name="matrix"),
    path("sites/<slug:site_code>/matrix.csv", matrix.MatrixExportView.as_view(), name="matrix_csv"),
    path(
        "sites/<slug:site_code>/sessions/new/",
        sessions.RecordSessionView.as_view(),
        name="record_session",
    ),
    path(
        "sites/<slug:site_code>/courses/new/",
        courses.CourseCreateView.as_view(),
        name="course_create",
    ),
    path(
        "sites/<slug:site_code>/requirements/",
        courses.RequirementsView.as_view(),
        name="requirements",
    ),
    path(
        "requirements/<int:pk>/retire/",
        courses.RetireRequirementView.as_view(),
        name="retire_requirement",
    ),
    path(
        "sites/<slug:site_code>/authorized/<slug:area_class>/",
        matrix.AuthorizationListView.as_view(),
        name="authorization_list",
    ),
    path(
        "sites/<slug:site_code>/authorized/<slug:area_class>/list.pdf",
        matrix.AuthorizationPdfView.as_view(),
        name="authorization_pdf",
    ),
]
