from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .holidays import holiday_label
from .models import CadenceWindow, CompanyDayOff, Membership, OfficialYear, Series
from .services import company_day_off_add, official_year_enter


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
        from lihui.meetings.services.planning import meetings_plan

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


class OfficialYearForm(forms.ModelForm):
    """The year and a paste of the State Council's notice; the service reads and checks it."""

    class Meta:
        model = OfficialYear
        fields = ["year", "source"]
        widgets = {"source": forms.Textarea(attrs={"rows": 14, "cols": 90})}
        help_texts = {
            "source": gettext_lazy(
                "Paste the notice's sections (“二、春节：2月6日至12日放假调休，共7天。2月14日（周日）上班。”) "
                "or one line per day or range (“2027-02-06 至 2027-02-12 春节”, “2027-02-14 上班 春节”)."
            )
        }

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["source"].required = True

    def validate_unique(self):
        pass  # entering a year again replaces its days (the service updates the row)

    def _post_clean(self):
        # Read and write through the service, so errors land on the fields and nothing is
        # saved unless the whole notice was understood.
        super()._post_clean()
        if self.errors:
            return
        try:
            self.entered = official_year_enter(actor=self.actor, year=self.cleaned_data["year"], text=self.cleaned_data["source"])
        except ValidationError as exc:
            self._update_errors(exc)


@admin.register(OfficialYear)
class OfficialYearAdmin(admin.ModelAdmin):
    """法定节假日安排 for a year the installed calendar package does not know yet."""

    form = OfficialYearForm
    list_display = ["year", "entered_by", "entered_at"]
    readonly_fields = ["entered_by", "entered_at", "schedule"]

    @admin.display(description=gettext_lazy("days"))
    def schedule(self, obj):
        days = list(obj.days.all()) if obj.pk else []
        return format_html_join(
            mark_safe("<br>"), "{} {} · {}",
            ((d.date.isoformat(), _("day off") if d.is_off else _("make-up workday"), holiday_label(d.name)) for d in days),
        ) or "—"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class WithActor(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, actor=request.user, **kw)

        return WithActor

    def save_model(self, request, obj, form, change):
        obj.pk = form.entered.pk  # written by the service in the form's clean
        n = form.entered.days.count()
        messages.success(request, _("%(year)s: %(n)s days entered; every series re-planned its meetings.") % {"year": obj.year, "n": n})

