from django.urls import path

from . import views

app_name = "regime"
urlpatterns = [
    path("", views.series_index, name="list"),
    path("new/", views.series_new, name="new"),
    path("<int:pk>/", views.series_detail, name="detail"),
    path("<int:pk>/edit/", views.series_edit, name="edit"),
    path("<int:pk>/windows/new/", views.window_add, name="window_add"),
    path("<int:pk>/agenda/", views.agenda_template, name="agenda_template"),
    path("<int:pk>/windows/<int:window_id>/delete/", views.window_delete, name="window_delete"),
]
