from django.urls import path

from . import views
from .views import capture as capture_views
from .views import minutes as minutes_views

app_name = "actions"
urlpatterns = [
    path("actions/", views.action_index, name="action_index"),
    path("actions/export.xlsx", views.action_export, name="action_export"),
    path("actions/series/<int:pk>/", views.series_board, name="series_board"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("meetings/<int:pk>/followup/", views.record, name="record"),
    path("meetings/<int:pk>/capture/", capture_views.capture, name="capture"),
    path("meetings/<int:pk>/capture/confirm/", capture_views.capture_confirm, name="capture_confirm"),
    path("meetings/<int:pk>/capture/dismiss/", capture_views.capture_dismiss, name="capture_dismiss"),
    path("meetings/<int:pk>/review/<int:action_id>/", views.review, name="review"),
    path("meetings/<int:pk>/minutes/", minutes_views.minutes, name="minutes"),
    path("meetings/<int:pk>/minutes/edit/", minutes_views.minutes_edit, name="minutes_edit"),
    path("meetings/<int:pk>/minutes/publish/", minutes_views.minutes_state, name="minutes_state"),
    path("meetings/<int:pk>/minutes/revisions/", minutes_views.minutes_history, name="minutes_history"),
    path("meetings/<int:pk>/minutes/print/", minutes_views.minutes_print, name="minutes_print"),
    path("meetings/<int:pk>/minutes.md", minutes_views.minutes_md, name="minutes_md"),
    path("meetings/<int:pk>/minutes.docx", minutes_views.minutes_word, name="minutes_word"),
]
