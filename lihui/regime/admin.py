from django.contrib import admin

from .models import CadenceWindow, CompanyDayOff, Membership, Series
from .services import company_day_off_add


class MembershipInline(admin.TabularInline):
    model = Membership
    autocomplete_fields = ["person"]
    extra = 0


class WindowInline(admin.TabularInline):
    model = CadenceWindow
    extra = 0


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    """Saving here re-plans the future, like the series form."""

    list_display = ["title", "department", "frequency", "start_time", "time_zone", "visibility", "planned_until"]
    list_filter = ["frequency", "visibility", "department"]
    search_fields = ["title"]
    inlines = [MembershipInline, WindowInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        from lihui.meetings.services import meetings_plan

        meetings_plan(series=form.instance)


@admin.register(CompanyDayOff)
class CompanyDayOffAdmin(admin.ModelAdmin):
    list_display = ["date", "name"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            # Through the service, so every series re-plans around the new day off.
            saved = company_day_off_add(actor=request.user, date=obj.date, name=obj.name)
            obj.pk = saved.pk
