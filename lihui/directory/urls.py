from django.urls import path

from .views import reports

app_name = "directory"
urlpatterns = [
    path("", reports.directory_index, name="directory_index"),
    path("reports/<int:pk>/", reports.sync_report_detail, name="sync_report_detail"),
    path("people/<int:pk>/", reports.person_sources, name="person_sources"),
]
