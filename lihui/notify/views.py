"""The chair's group robots page for a series, and the admins' sent-mail page."""

from __future__ import annotations

import io
import time
from email.utils import parsedate_to_datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from lihui.regime.selectors import series_managed_or_404
from lihui.web import file_response

from . import mailbox, services
from .forms import ChannelForm, secret_cleared_text
from .models import Channel, Message
from .selectors import channel_list
from .services import message_enqueue


def _channel(request, series_id: int, channel_id: int) -> Channel:
    series = series_managed_or_404(person=request.user, pk=series_id)
    channel = get_object_or_404(Channel, pk=channel_id, series=series)
    channel.series = series
    return channel


@login_required
def channels(request, series_id: int):
    """The series' robots with how their last delivery went, and the form to add one."""
    series = series_managed_or_404(person=request.user, pk=series_id)
    form = ChannelForm(request.POST or None, initial={"kind": Channel.Kind.WECOM, "enabled": True})
    if request.method == "POST" and form.is_valid():
        channel = form.save(commit=False)
        channel.series, channel.created_by = series, request.user
        services.channel_create(actor=request.user, channel=channel)
        messages.success(request, _("The robot “%(name)s” was added. Send a test message to check it.") % {"name": channel.name})
        return redirect("notify:channels", series_id=series.pk)
    rows = list(channel_list(series=series))
    for row in rows:
        row.last_state_label = Message.State(row.last_state).label if row.last_state else ""
    return render(request, "notify/channels.html", {"series": series, "channels": rows, "form": form})


@login_required
def channel_edit(request, series_id: int, channel_id: int):
    channel = _channel(request, series_id, channel_id)
    form = ChannelForm(request.POST or None, instance=channel)
    if request.method == "POST" and form.is_valid():
        services.channel_update(actor=request.user, channel=form.save(commit=False))
        messages.success(request, _("The robot “%(name)s” was saved.") % {"name": channel.name})
        if form.secret_cleared:
            messages.warning(request, secret_cleared_text(channel))
        return redirect("notify:channels", series_id=channel.series_id)
    return render(request, "notify/channel_form.html", {"series": channel.series, "channel": channel, "form": form})


@login_required
@require_POST
def channel_delete(request, series_id: int, channel_id: int):
    channel = _channel(request, series_id, channel_id)
    services.channel_delete(actor=request.user, channel=channel)
    messages.success(request, _("The robot “%(name)s” was removed.") % {"name": channel.name})
    return redirect("notify:channels", series_id=series_id)


@login_required
@require_POST
def channel_test(request, series_id: int, channel_id: int):
    """Queue a test message; the worker sends it and the list shows how it went."""
    channel = _channel(request, series_id, channel_id)
    if not channel.enabled:
        messages.error(request, _("The robot “%(name)s” is disabled: enable it to send a test message.") % {"name": channel.name})
        return redirect("notify:channels", series_id=series_id)
    subject = _("Lihui test message")
    text = _("This robot is connected to the meeting series “%(title)s”. Agendas, minutes and reminders will be posted here.") % {
        "title": channel.series.title
    }
    with transaction.atomic():
        message_enqueue(
            kind="robot_test",
            object=channel.series,
            channels=[channel],
            subject=subject,
            text=text,
            markdown=f"**{subject}**\n\n{text}",
            version=int(time.time() * 1000),  # every click is a new message
        )
    messages.success(
        request, _("A test message to “%(name)s” was queued. Reload this page in a moment to see how it went.") % {"name": channel.name}
    )
    return redirect("notify:channels", series_id=series_id)


# --- sent mail (file backend) ------------------------------------------------------------


def _staff(request) -> None:
    """The sent-mail pages exist for admins only: others get 404, not a hint that they exist."""
    if not request.user.is_staff:
        raise Http404


def _message(name: str, index: int):
    message = mailbox.mail_get(name=name, index=index)
    if message is None:
        raise Http404
    return message


@login_required
def mail_list(request):
    _staff(request)
    page = Paginator(mailbox.mail_list(), 50).get_page(request.GET.get("page"))
    return render(request, "notify/mail_list.html", {"page": page, "mail_dir": mailbox.mail_dir()})


def _header_value(message, field: str) -> str:
    """Header text; the date in the reader's zone and format (files keep RFC 2822, UTC)."""
    value = str(message[field])
    if field == "Date":
        try:
            return date_format(timezone.localtime(parsedate_to_datetime(value)), "DATETIME_FORMAT")
        except (TypeError, ValueError, OverflowError):
            return value
    return value


@login_required
def mail_detail(request, name: str, index: int):
    _staff(request)
    message = _message(name, index)
    parts = mailbox.mail_parts(message)
    attachments = [
        {"position": position, "filename": mailbox.part_filename(part, position), "type": part.get_content_type(),
         "size": len(part.get_payload(decode=True) or b"")}
        for position, part in parts.attachments
    ]  # fmt: skip
    labels = {"From": pgettext("e-mail header", "From"), "To": pgettext("e-mail header", "To"),
              "Cc": pgettext("e-mail header", "Cc"), "Subject": pgettext("e-mail header", "Subject"),
              "Date": pgettext("e-mail header", "Date")}  # fmt: skip
    headers = [(label, _header_value(message, field)) for field, label in labels.items() if field in message]
    context = {"name": name, "index": index, "headers": headers, "subject": str(message.get("Subject", "")),
               "parts": parts, "attachments": attachments}  # fmt: skip
    return render(request, "notify/mail_detail.html", context)


@login_required
def mail_part(request, name: str, index: int, part: int):
    _staff(request)
    found = mailbox.mail_part(message=_message(name, index), position=part)
    if found is None:
        raise Http404
    return file_response(
        io.BytesIO(found.get_payload(decode=True) or b""),
        filename=mailbox.part_filename(found, part),
        content_type=found.get_content_type(),
    )
