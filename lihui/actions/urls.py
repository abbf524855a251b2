from django.urls import path

from . import views
from .views import capture as capture_views

app_name = "actions"
urlpatterns = [
    path("actions/", views.action_index, name="action_index"),
    path("actions/export.xlsx", views.action_export, name="action_export"),
    path("actions/series/<int:pk>/", views.series_board, name="series_board"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/<int:pk>/reassign/", views.action_reassign, name="action_reassign"),
    path("meetings/<int:pk>/followup/", views.record, name="record"),
    path("meetings/<int:pk>/capture/", capture_views.capture, name="capture"),
    path("meetings/<int:pk>/capture/confirm/", capture_views.capture_confirm, name="capture_confirm"),
    path("meetings/<int:pk>/capture/dismiss/", capture_views.capture_dismiss, name="capture_dismiss"),
    path("meetings/<int:pk>/review/<int:action_id>/", views.review, name="review"),
]
