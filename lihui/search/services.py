"""Keeping the archive index in step with the meetings.

Writes anywhere in Lihui mark their meeting (`Meeting.text_changed`, see
lihui/meetings/services/text.py); `search_refresh` re-indexes marked meetings and clears the
mark only if nothing changed meanwhile (a conditional UPDATE), so a write during indexing is
picked up by the next pass and nothing is missed. The worker runs it every pass, and a search
runs a small pass first (`search_catch_up`), so what was just typed is found."""

from __future__ import annotations

import datetime as dt
import html

from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags

from lihui.actions.models import ActionItem, ActionUpdate, Decision
from lihui.markdown import markdown_html
from lihui.meetings.models import AgendaItem, Meeting
from lihui.minutes.models import Minutes
from lihui.reports.models import Report

from .models import SearchEntry
from .tokens import analyze

CHUNK = 4000  # characters per row: PostgreSQL positions stop at 16,383 and a tsvector at 1 MB
OVERLAP = 30  # so a phrase across a chunk boundary is still found


def _chunks(text: str) -> list[str]:
    if len(text) <= CHUNK:
        return [text]
    return [text[i : i + CHUNK + OVERLAP] for i in range(0, len(text), CHUNK)]


def _plain(markdown: str) -> str:
    """Markdown as the words a reader sees: the index and the snippets skip the syntax."""
    return html.unescape(strip_tags(markdown_html(markdown))).strip()


def _entries(meeting: Meeting) -> list[SearchEntry]:
    """Everything a meeting produced that people search for. A fixed number of queries."""
    rows: list[tuple[str, int, str, str]] = []  # kind, object id, title, body
    K = SearchEntry.Kind
    items = list(AgendaItem.objects.filter(meeting=meeting).order_by("position", "id"))
    for item in items:
        rows.append((K.ITEM, item.pk, item.title, f"{item.title}\n{item.description}".strip()))
        if item.notes.strip():
            rows.append((K.NOTE, item.pk, item.title, _plain(item.notes)))
    for report in Report.objects.filter(item__meeting=meeting).select_related("department", "item"):
        body = "\n".join(t for t in (report.progress, report.problems, report.plan, report.feedback) if t)
        if body:
            title = f"{report.department.name} · {report.item.title}" if report.department_id else report.item.title
            rows.append((K.REPORT, report.pk, title, body))
    for d in Decision.objects.filter(meeting=meeting):
        rows.append((K.DECISION, d.pk, d.text[:300], d.text))
    actions = list(ActionItem.objects.filter(meeting=meeting).select_related("owner"))
    updates: dict[int, list[str]] = {}
    for u in ActionUpdate.objects.filter(action__meeting=meeting).exclude(text="").only("action_id", "text"):
        updates.setdefault(u.action_id, []).append(u.text)
    for a in actions:
        rows.append((K.ACTION, a.pk, a.title, "\n".join([a.title, a.owner.name, *updates.get(a.pk, [])])))
    minutes = Minutes.objects.filter(meeting=meeting, state=Minutes.State.PUBLISHED, head__gt=0).first()
    if minutes is not None:
        text = minutes.revisions.get(number=minutes.head).text
        rows.append((K.MINUTES, minutes.pk, meeting.series.title, _plain(text)))
    out = []
    for kind, object_id, title, body in rows:
        for part, chunk in enumerate(_chunks(body)):
            bi, uni = analyze(chunk)
            out.append(
                SearchEntry(
                    kind=kind, object_id=object_id, part=part, series_id=meeting.series_id, meeting_id=meeting.pk,
                    date=meeting.start, title=title[:300], body=chunk, bi=bi, uni=uni,
                )  # fmt: skip
            )
    return out


def search_index_meeting(*, meeting: Meeting) -> int:
    """Replace the meeting's rows in the index; returns how many it now has."""
    entries = _entries(meeting)
    with transaction.atomic():
        SearchEntry.objects.filter(meeting_id=meeting.pk).delete()
        SearchEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)


def search_refresh(*, limit: int | None = None, marked_before: dt.datetime | None = None) -> int:
    """Index the meetings marked as changed (oldest mark first); returns how many."""
    marked = Meeting.objects.filter(text_changed__isnull=False).select_related("series").order_by("text_changed")
    if marked_before is not None:
        marked = marked.filter(text_changed__lt=marked_before)
    done = 0
    for meeting in marked[:limit] if limit else marked.iterator():
        seen = meeting.text_changed
        search_index_meeting(meeting=meeting)
        Meeting.objects.filter(pk=meeting.pk, text_changed=seen).update(text_changed=None)
        done += 1
    return done


# A mark this fresh is left to a running worker: notes autosave every few seconds while a
# meeting runs, and re-indexing a live meeting on every search made searches wait on those
# writes (under load, search p95 was twice the other pages'). A search a few seconds after
# the typing still finds it; the worker catches up within one pass.
SETTLE = dt.timedelta(seconds=3)


def search_catch_up(*, limit: int = 20) -> int:
    """The small pass a search runs first. Without a live worker (tests, a stopped worker)
    it indexes every marked meeting, newest marks included."""
    from lihui.ops.heartbeat import worker_status  # ops reads every app; keep the import local

    now = timezone.now()
    settle = worker_status(now=now)["ok"]
    return search_refresh(limit=limit, marked_before=now - SETTLE if settle else None)


def search_rebuild() -> int:
    """Index every meeting again (after a restore, or a change to the analyzer)."""
    SearchEntry.objects.all().delete()
    count = 0
    for meeting in Meeting.objects.select_related("series").iterator(chunk_size=200):
        count += search_index_meeting(meeting=meeting)
    Meeting.objects.filter(text_changed__isnull=False).update(text_changed=None)
    return count
