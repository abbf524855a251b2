from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.kpi_index, name="kpis"),
    path("<int:department_id>/add/", views.kpi_add, name="kpi_add"),
    path("kpi/<int:kpi_id>/toggle/", views.kpi_toggle, name="kpi_toggle"),
]
