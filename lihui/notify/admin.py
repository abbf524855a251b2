"""Channels (secrets never shown back) and the outbox, with the failed deliveries and a
retry action: the admins' page for deliveries that did not arrive."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .forms import ChannelAdminForm, secret_cleared_text
from .models import Channel, Message
from .services import channel_create, channel_delete, channel_update, message_retry


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelAdminForm
    list_display = ["name", "kind", "series", "shown_url", "masked_secret", "enabled"]
    list_filter = ["kind", "enabled"]
    search_fields = ["name", "series__title"]
    raw_id_fields = ["series", "created_by"]

    @admin.display(description=_("robot URL"))
    def shown_url(self, obj):
        return obj.masked_url

    # Through the services, as on the chair's page: each change has its audit entry.
    def save_model(self, request, obj, form, change):
        if change:
            channel_update(actor=request.user, channel=obj)
        else:
            channel_create(actor=request.user, channel=obj)
        if getattr(form, "secret_cleared", False):
            self.message_user(request, secret_cleared_text(obj), messages.WARNING)

    def delete_model(self, request, obj):
        channel_delete(actor=request.user, channel=obj)

    def delete_queryset(self, request, queryset):
        for channel in queryset:
            channel_delete(actor=request.user, channel=channel)


class DeliveryFilter(admin.SimpleListFilter):
    title = _("failed deliveries")
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [("failed", _("Failed")), ("retrying", _("Retrying")), ("cancelled", _("Cancelled"))]

    def queryset(self, request, queryset):
        if self.value() == "failed":
            return queryset.filter(state=Message.State.FAILED)
        if self.value() == "retrying":
            return queryset.filter(state=Message.State.PENDING, attempts__gt=0)
        if self.value() == "cancelled":
            return queryset.filter(state=Message.State.CANCELLED)
        return queryset


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created", "kind", "subject", "recipient", "channel", "transport", "state", "attempts", "due_at", "sent_at", "short_error"]
    list_filter = [DeliveryFilter, "state", "transport", "kind"]
    search_fields = ["subject", "idempotency_key", "recipient__name", "recipient__email"]
    date_hierarchy = "created"
    actions = ["retry"]
    list_select_related = ["recipient", "channel"]
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False  # messages come from the domain's services, never typed in

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return obj.last_error[:120]

    @admin.action(description=_("Retry the selected failed or cancelled messages"))
    def retry(self, request, queryset):
        count = message_retry(messages=queryset)
        self.message_user(request, ngettext("%d message queued again.", "%d messages queued again.", count) % count, messages.SUCCESS)
