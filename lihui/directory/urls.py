from django.urls import path

from .views import imports, reports, suites

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
    path("suites/", suites.suites_admin, name="suites"),
    path("suites/<str:source>/save/", suites.suite_save, name="suite_save"),
    path("suites/<str:source>/test/", suites.suite_test_view, name="suite_test"),
    path("suites/<str:source>/sync/", suites.suite_sync_view, name="suite_sync"),
    path("suites/<str:source>/login/", suites.suite_login, name="suite_login"),
    path("suites/<str:source>/inapp/", suites.suite_inapp, name="suite_inapp"),
    path("suites/<str:source>/callback/", suites.suite_callback, name="suite_callback"),
]
