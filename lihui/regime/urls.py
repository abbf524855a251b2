from django.urls import path

from . import views, views_document

app_name = "regime"
urlpatterns = [
    path("", views.series_index, name="list"),
    path("new/", views.series_new, name="new"),
    path("<int:pk>/", views.series_detail, name="detail"),
    path("<int:pk>/edit/", views.series_edit, name="edit"),
    path("<int:pk>/archive/", views.series_archive, name="archive"),
    path("<int:pk>/windows/new/", views.window_add, name="window_add"),
    path("<int:pk>/agenda/", views.agenda_template, name="agenda_template"),
    path("<int:pk>/agenda/move/", views.agenda_template_move, name="agenda_template_move"),
    path("<int:pk>/windows/<int:window_id>/delete/", views.window_delete, name="window_delete"),
    path("<int:pk>/regime/", views_document.regime_page, name="document"),
    path("<int:pk>/regime/v<int:number>/", views_document.regime_version_page, name="document_version"),
    path("<int:pk>/regime/compare/", views_document.regime_compare, name="document_compare"),
    path("<int:pk>/regime.docx", views_document.regime_docx_file, name="document_docx"),
    path("<int:pk>/regime.md", views_document.regime_markdown_file, name="document_md"),
]
