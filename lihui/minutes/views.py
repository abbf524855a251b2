"""Minutes pages: the text (assembled draft until someone saves), editing with a conflict
check, submit / approve / publish, revisions with diffs, and the exports (Markdown, Word,
print). Each view has the name of its URL (`minutes:<name>`)."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lihui.idempotency.http import idempotent
from lihui.markdown import line_diff, markdown_html, markdown_without_html
from lihui.meetings.revisions import RevisionConflict
from lihui.meetings.selectors import meeting_can_take_notes, meeting_series_content_or_404, meeting_visible_or_404
from lihui.minutes.selectors import meeting_minutes_readable_or_404
from lihui.regime.selectors import series_can_view
from lihui.web import DOCX, MARKDOWN, file_response

from . import documents, selectors, services


def _context(request, meeting) -> dict:
    record, head, text = selectors.minutes_text(meeting=meeting)
    deadline = selectors.minutes_deadline(meeting=meeting)
    published_at = record.published_at if record else None
    late_by = None
    if published_at and published_at > deadline:
        late_by = published_at - deadline
    elif not published_at and meeting.actual_start and timezone.now() > deadline:
        late_by = timezone.now() - deadline
    # A few minutes late is late: never let the rounding turn it into 0 ("on time").
    late_hours = max(round(late_by.total_seconds() / 3600, 1), 0.1) if late_by else None
    return {
        "meeting": meeting,
        "series": meeting.series,
        "record": record,
        "head": head,
        "text": text,
        "html": markdown_html(text),
        "deadline": deadline,
        "late_hours": late_hours,
        "held": meeting.actual_start is not None or meeting.status == meeting.Status.HELD,
        "can_edit": meeting_can_take_notes(person=request.user, meeting=meeting),
        "can_publish": selectors.minutes_can_publish(person=request.user, meeting=meeting),
        "sees_series": series_can_view(person=request.user, series=meeting.series),
    }


@login_required
def minutes(request, pk: int):
    """会议纪要: the current text, where it stands, and what may be done with it."""
    meeting = meeting_minutes_readable_or_404(person=request.user, pk=pk)  # a draft: the series'; published: every participant's
    return render(request, "minutes/minutes.html", _context(request, meeting))


@login_required
def minutes_edit(request, pk: int):
    """Edit the text. A save based on an older revision is refused with both texts shown;
    the editor keeps what was typed and can merge, then save on top of the newer one."""
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    if not meeting_can_take_notes(person=request.user, meeting=meeting):
        raise PermissionDenied
    context = _context(request, meeting)
    context.update(base=context["head"].number if context["head"] else 0, comment="", conflict=None, errors={})
    if request.GET.get("fresh") == "1":
        # Start over from the meeting as it is now (a new revision only when saved).
        context["text"] = documents.minutes_markdown(selectors.minutes_assemble(meeting=meeting))
    if request.method == "POST":
        text = request.POST.get("text", "")
        base = request.POST.get("base_revision", "")
        comment = request.POST.get("comment", "")
        context.update(text=text, comment=comment)
        try:
            # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
            if not re.fullmatch(r"[0-9]{1,18}", base):
                raise ValidationError({"base_revision": [_("The form is out of date: reload the page.")]})
            services.minutes_save(actor=request.user, meeting=meeting, text=text, base_revision=int(base), comment=comment)
            messages.success(request, _("The minutes were saved."))
            return redirect("minutes:minutes", pk=meeting.pk)
        except RevisionConflict as conflict:
            context.update(
                conflict=conflict,
                base=conflict.theirs.number,
                conflict_diff=line_diff(conflict.theirs.text, text),
            )
        except ValidationError as exc:
            # Keep the revision the text was based on: answering with the latest one would
            # let the next save overwrite whatever was saved meanwhile, without a conflict.
            context.update(errors=exc.message_dict, base=base)
        return render(request, "minutes/minutes_edit.html", context, status=409 if context["conflict"] else 422)
    return render(request, "minutes/minutes_edit.html", context)


@login_required
@require_POST
@idempotent("minutes_publish")
def minutes_publish(request, pk: int):
    """Submit for approval, or publish (approve and publish where the chair approves)."""
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    try:
        if request.POST.get("do") == "submit":
            services.minutes_submit(actor=request.user, meeting=meeting)
            messages.success(request, _("The minutes were submitted to the chair."))
        else:
            services.minutes_publish(actor=request.user, meeting=meeting)
            messages.success(request, _("The minutes were published."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("minutes:minutes", pk=meeting.pk)


@login_required
def minutes_revisions(request, pk: int):
    meeting = meeting_series_content_or_404(person=request.user, pk=pk)  # drafts among them
    return render(
        request,
        "minutes/minutes_revisions.html",
        {"meeting": meeting, "series": meeting.series, "revisions": selectors.minutes_revisions(meeting=meeting),
         "sees_series": series_can_view(person=request.user, series=meeting.series)},
    )


@login_required
def minutes_md(request, pk: int):
    meeting = meeting_minutes_readable_or_404(person=request.user, pk=pk)
    _record, _head, text = selectors.minutes_text(meeting=meeting)
    # Opened in other programs, which may pass the notes' raw HTML through: escape it.
    return file_response(markdown_without_html(text), filename=documents.minutes_filename(meeting, "md"), content_type=MARKDOWN)


@login_required
def minutes_docx(request, pk: int):
    meeting = meeting_minutes_readable_or_404(person=request.user, pk=pk)
    record, head, text = selectors.minutes_text(meeting=meeting)
    data = documents.minutes_docx(meeting=meeting, record=record, head=head, text=text)
    return file_response(data, filename=documents.minutes_filename(meeting, "docx"), content_type=DOCX)


@login_required
def minutes_print(request, pk: int):
    meeting = meeting_minutes_readable_or_404(person=request.user, pk=pk)
    return render(request, "minutes/minutes_print.html", _context(request, meeting))
