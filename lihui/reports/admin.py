from django.contrib import admin

from .models import Kpi


@admin.register(Kpi)
class KpiAdmin(admin.ModelAdmin):
    list_display = ["name", "department", "unit", "higher_is_better", "default_target", "position", "active"]
    list_filter = ["department", "active"]
    search_fields = ["name"]
