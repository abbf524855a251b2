from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .forms import AdminLoginForm
from .models import ApiToken, Department, DepartmentIdentity, Identity, Person

# The admin's own sign-in counts failures like the site's (lihui/people/throttle.py).
admin.site.login_form = AdminLoginForm


class DepartmentIdentityInline(admin.TabularInline):
    model = DepartmentIdentity
    extra = 0
    readonly_fields = ["source", "external_id"]
    can_delete = False


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "head"]
    search_fields = ["name"]
    autocomplete_fields = ["parent", "head"]
    inlines = [DepartmentIdentityInline]


class IdentityInline(admin.TabularInline):
    """Where the person comes from: their id in each directory (read-only: syncs write them)."""

    model = Identity
    extra = 0
    readonly_fields = ["source", "external_id", "created", "last_seen"]
    fields = readonly_fields
    can_delete = True


@admin.register(Person)
class PersonAdmin(UserAdmin):
    list_display = ["username", "name", "employee_number", "department", "title", "time_zone", "language", "is_staff", "is_active"]
    list_filter = ["department", "is_staff", "is_active", "language", "identities__source"]
    search_fields = ["username", "name", "email", "sort_key", "employee_number", "phone"]
    autocomplete_fields = ["department", "manager"]
    inlines = [IdentityInline]
    readonly_fields = ["sources_link"]
    fieldsets = UserAdmin.fieldsets + (
        (_("Lihui"), {"fields": ["name", "employee_number", "department", "title", "manager", "phone", "time_zone", "language",
                                 "sources_link"]}),
    )  # fmt: skip

    @admin.display(description=_("Where the person comes from"))
    def sources_link(self, obj):
        if obj.pk is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("directory:person_sources", args=[obj.pk]), _("Sources and sync history"))
    add_fieldsets = UserAdmin.add_fieldsets + ((_("Lihui"), {"fields": ["name", "department", "title"]}),)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "person", "hint", "created", "last_used", "revoked"]
    readonly_fields = ["digest", "hint", "created", "last_used"]
