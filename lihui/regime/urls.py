from django.urls import path

from .views import document, series

app_name = "regime"
urlpatterns = [
    path("", series.series_index, name="list"),
    path("new/", series.series_new, name="new"),
    path("<int:pk>/", series.series_detail, name="detail"),
    path("<int:pk>/edit/", series.series_edit, name="edit"),
    path("<int:pk>/archive/", series.series_archive, name="archive"),
    path("<int:pk>/windows/new/", series.window_add, name="window_add"),
    path("<int:pk>/agenda/", series.agenda_template, name="agenda_template"),
    path("<int:pk>/agenda/move/", series.agenda_template_move, name="agenda_template_move"),
    path("<int:pk>/windows/<int:window_id>/delete/", series.window_delete, name="window_delete"),
    path("<int:pk>/regime/", document.regime_page, name="document"),
    path("<int:pk>/regime/v<int:number>/", document.regime_version_page, name="document_version"),
    path("<int:pk>/regime/compare/", document.regime_compare, name="document_compare"),
    path("<int:pk>/regime.docx", document.regime_docx_file, name="document_docx"),
    path("<int:pk>/regime.md", document.regime_markdown_file, name="document_md"),
]
