from django.urls import path

from .views import document, series

app_name = "regime"
urlpatterns = [
    path("", series.series_index, name="series_index"),
    path("new/", series.series_new, name="series_new"),
    path("<int:pk>/", series.series_detail, name="series_detail"),
    path("<int:pk>/edit/", series.series_edit, name="series_edit"),
    path("<int:pk>/archive/", series.series_archive, name="series_archive"),
    path("<int:pk>/windows/new/", series.window_add, name="window_add"),
    path("<int:pk>/agenda/", series.agenda_template, name="agenda_template"),
    path("<int:pk>/agenda/move/", series.agenda_template_move, name="agenda_template_move"),
    path("<int:pk>/windows/<int:window_id>/delete/", series.window_delete, name="window_delete"),
    path("<int:pk>/regime/", document.regime_page, name="regime_page"),
    path("<int:pk>/regime/v<int:number>/", document.regime_version_page, name="regime_version_page"),
    path("<int:pk>/regime/compare/", document.regime_compare, name="regime_compare"),
    path("<int:pk>/regime.docx", document.regime_docx_file, name="regime_docx_file"),
    path("<int:pk>/regime.md", document.regime_markdown_file, name="regime_markdown_file"),
]
