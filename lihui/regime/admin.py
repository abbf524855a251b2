from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import construct_change_message
from django.core.exceptions import ValidationError
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .holidays import holiday_label
from .models import CadenceWindow, CompanyDayOff, Membership, OfficialYear, Series
from .services import (
    SERIES_FIELDS,
    RosterEntry,
    company_day_off_add,
    official_year_enter,
    roster_validate,
    series_create,
    series_delete,
    series_update,
)


class RosterFormSet(forms.BaseInlineFormSet):
    """The roster is written with the rules, by the service: checked here as the service
    checks it, so a roster without a chair is an error on the page, not a failed save."""

    def roster(self) -> list[RosterEntry]:
        return [
            RosterEntry(f.cleaned_data["person"], f.cleaned_data["role"], f.cleaned_data.get("rotation_position"))
            for f in self.forms
            if f.cleaned_data and f.cleaned_data.get("person") and not f.cleaned_data.get("DELETE")
        ]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        try:
            roster_validate(roster=self.roster(), rotates=self.instance.minute_taker_rotates)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["roster"]) from exc


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = RosterFormSet
    autocomplete_fields = ["person"]
    extra = 0


class WindowInline(admin.TabularInline):
    """Shown, not edited here: windows are added and removed on the series page, through
    the services (each re-plans, versions the regime and leaves an audit entry)."""

    model = CadenceWindow
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    """Saving here goes through the services, like the series form: the future is re-planned,
    the regime document gets its new version and the audit log names the administrator.
    An archived series is shown, not changed (unarchive it on its page first)."""

    list_display = ["title", "department", "frequency", "start_time", "time_zone", "visibility", "planned_until"]
    list_filter = ["frequency", "visibility", "department"]
    search_fields = ["title"]
    readonly_fields = ["created_by"]
    inlines = [MembershipInline, WindowInline]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.archived_at is None)

    def save_model(self, request, obj, form, change):
        pass  # written in save_related, with the roster, through the service

    def save_related(self, request, form, formsets, change):
        roster = next(fs for fs in formsets if isinstance(fs, RosterFormSet)).roster()
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data if name in SERIES_FIELDS}
            series_update(actor=request.user, series=form.instance, data=data, roster=roster)
        else:
            data = {name: form.cleaned_data[name] for name in SERIES_FIELDS if name in form.cleaned_data}
            created = series_create(actor=request.user, data=data, roster=roster)
            form.instance.pk = created.pk
            form.instance.refresh_from_db()

    def construct_change_message(self, request, form, formsets, add=False):
        return construct_change_message(form, [], add)  # the inlines were written by the service

    def delete_model(self, request, obj):
        series_delete(actor=request.user, series=obj)

    def delete_queryset(self, request, queryset):
        for series in queryset:
            series_delete(actor=request.user, series=series)


@admin.register(CompanyDayOff)
class CompanyDayOffAdmin(admin.ModelAdmin):
    list_display = ["date", "name"]

    def get_readonly_fields(self, request, obj=None):
        # Only adding goes through the service (which re-plans); a moved date would not.
        return ["date"] if obj is not None else []

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

