from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("series/<int:pk>/audit/", views.series_log, name="series_log"),
]
