"""Minutes pages: the draft, editing and publishing with revisions, exports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from lihui.meetings.views.agenda import meeting_for
from lihui.regime.selectors import series_can_view


@login_required
def minutes(request, pk: int):
    """会议纪要 as the meeting made it (a draft: publishing with revisions comes next)."""
    from .minutes import minutes_assemble

    meeting = meeting_for(request, pk)
    return render(
        request,
        "actions/minutes.html",
        {"m": minutes_assemble(meeting=meeting), "meeting": meeting, "series": meeting.series,
         "sees_series": series_can_view(person=request.user, series=meeting.series)},
    )


@login_required
def minutes_md(request, pk: int):
    from django.http import HttpResponse

    from .minutes import minutes_assemble, minutes_markdown

    meeting = meeting_for(request, pk)
    response = HttpResponse(minutes_markdown(minutes_assemble(meeting=meeting)), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="minutes-{meeting.series_id}-{meeting.number or meeting.pk}.md"'
    return response
