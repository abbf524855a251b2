from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("meetings/<int:pk>/survey/", views.survey, name="survey"),
    path("meetings/<int:pk>/survey/results/", views.results, name="results"),
]
