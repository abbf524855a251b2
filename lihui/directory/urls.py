from django.urls import path

from .views import imports, reports

app_name = "directory"
urlpatterns = [
    path("", reports.directory_index, name="directory_index"),
    path("reports/<int:pk>/", reports.sync_report_detail, name="sync_report_detail"),
    path("people/<int:pk>/", reports.person_sources, name="person_sources"),
    # Import of people from a file: upload → preview → confirm; the template.
    path("import/", imports.import_upload, name="import_upload"),
    path("import/template.xlsx", imports.import_template, name="import_template"),
    path("import/<int:pk>/", imports.import_preview, name="import_preview"),
    path("import/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
]
