"""The minutes as a Word document: the same Markdown text as the page, with the toolkit's
fonts (宋体 for Chinese) and table look, and a line saying which revision it is."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lihui import documents as d
from lihui.meetings.models import Meeting, Minutes, MinutesRevision


def minutes_docx(*, meeting: Meeting, record: Minutes | None, head: MinutesRevision | None, text: str) -> bytes:
    doc = d.new_document(title=f"{meeting.series.title} · {_('Minutes')}")
    d.markdown_into(doc, text)
    zone = meeting.series_zone
    if record is not None and record.published_at:
        status = _("Published %(when)s") % {"when": f"{timezone.localtime(record.published_at, zone):%Y-%m-%d %H:%M}"}
    else:
        status = _("Draft — not published")
    if head is not None:
        status += " · " + _("revision %(n)s, %(when)s") % {"n": head.number, "when": f"{timezone.localtime(head.created, zone):%Y-%m-%d %H:%M}"}
    d.paragraph(doc, status, size=d.TABLE_PT - 1, color=d.MUTED_COLOR, space_before=12)
    return d.to_bytes(doc)


# Used inside f-strings, where makemessages cannot see them: declared here for the catalog.
_IN_F_STRINGS = (
    gettext_noop("Minutes"),
)
