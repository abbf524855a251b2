from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .forms import AdminLoginForm
from .models import ApiToken, Department, Person

# The admin's own sign-in counts failures like the site's (lihui/people/throttle.py).
admin.site.login_form = AdminLoginForm


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "head"]
    search_fields = ["name"]
    autocomplete_fields = ["parent", "head"]


@admin.register(Person)
class PersonAdmin(UserAdmin):
    list_display = ["username", "name", "department", "title", "time_zone", "language", "is_staff", "is_active"]
    list_filter = ["department", "is_staff", "is_active", "language"]
    search_fields = ["username", "name", "email", "sort_key"]
    autocomplete_fields = ["department"]
    fieldsets = UserAdmin.fieldsets + (
        (_("Lihui"), {"fields": ["name", "department", "title", "time_zone", "language"]}),
    )
    add_fieldsets = UserAdmin.add_fieldsets + ((_("Lihui"), {"fields": ["name", "department", "title"]}),)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "person", "hint", "created", "last_used", "revoked"]
    readonly_fields = ["digest", "hint", "created", "last_used"]
