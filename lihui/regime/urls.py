from django.urls import path

from . import views, views_document

app_name = "regime"
urlpatterns = [
    path("", views.series_index, name="series_index"),
    path("new/", views.series_new, name="series_new"),
    path("<int:pk>/", views.series_detail, name="series_detail"),
    path("<int:pk>/edit/", views.series_edit, name="series_edit"),
    path("<int:pk>/archive/", views.series_archive, name="series_archive"),
    path("<int:pk>/windows/new/", views.window_add, name="window_add"),
    path("<int:pk>/agenda/", views.agenda_template, name="agenda_template"),
    path("<int:pk>/agenda/move/", views.agenda_template_move, name="agenda_template_move"),
    path("<int:pk>/windows/<int:window_id>/delete/", views.window_delete, name="window_delete"),
    path("<int:pk>/regime/", views_document.regime_page, name="regime_page"),
    path("<int:pk>/regime/v<int:number>/", views_document.regime_version_page, name="regime_version_page"),
    path("<int:pk>/regime/compare/", views_document.regime_compare, name="regime_compare"),
    path("<int:pk>/regime.docx", views_document.regime_docx_file, name="regime_docx_file"),
    path("<int:pk>/regime.md", views_document.regime_markdown_file, name="regime_markdown_file"),
]
