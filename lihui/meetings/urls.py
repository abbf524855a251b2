from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("meetings/<int:pk>/", views.meeting_detail, name="detail"),
    path("meetings/<int:pk>/move/", views.meeting_move, name="move"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("series/<int:series_pk>/meetings/new/", views.meeting_add, name="add"),
    path("load/", views.load, name="load"),
]
