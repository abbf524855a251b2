from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("me/notices/", views.preferences, name="preferences"),
]
