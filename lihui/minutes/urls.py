from django.urls import path

from . import views

app_name = "minutes"
urlpatterns = [
    path("meetings/<int:pk>/minutes/", views.minutes, name="minutes"),
    path("meetings/<int:pk>/minutes/edit/", views.minutes_edit, name="minutes_edit"),
    path("meetings/<int:pk>/minutes/publish/", views.minutes_publish, name="minutes_publish"),
    path("meetings/<int:pk>/minutes/revisions/", views.minutes_revisions, name="minutes_revisions"),
    path("meetings/<int:pk>/minutes/print/", views.minutes_print, name="minutes_print"),
    path("meetings/<int:pk>/minutes.md", views.minutes_md, name="minutes_md"),
    path("meetings/<int:pk>/minutes.docx", views.minutes_docx, name="minutes_docx"),
]
