from django.urls import path

from . import views
from .views import minutes as minutes_views

app_name = "actions"
urlpatterns = [
    path("actions/", views.action_index, name="list"),
    path("actions/<int:pk>/", views.action_detail, name="detail"),
    path("meetings/<int:pk>/followup/", views.record, name="record"),
    path("meetings/<int:pk>/review/<int:action_id>/", views.review, name="review"),
    path("meetings/<int:pk>/minutes/", minutes_views.minutes, name="minutes"),
    path("meetings/<int:pk>/minutes.md", minutes_views.minutes_md, name="minutes_md"),
]
