from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("kpis/", views.kpi_index, name="kpi_index"),
    path("kpis/<int:department_id>/add/", views.kpi_add, name="kpi_add"),
    path("kpis/kpi/<int:kpi_id>/toggle/", views.kpi_toggle, name="kpi_toggle"),
    path("items/<int:item_id>/report/", views.report_edit, name="report_edit"),
]
