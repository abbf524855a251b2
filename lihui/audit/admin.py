from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only, written by the services alone."""

    list_display = ["at", "series", "meeting", "actor_name", "entity", "verb", "subject"]
    list_filter = ["entity", "verb"]
    list_select_related = ["series", "meeting", "meeting__series"]
    search_fields = ["actor_name", "subject"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
