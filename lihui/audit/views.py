"""The audit log page (审计日志 / 变更记录) of a series: for its chair and admins."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lihui.regime.selectors import series_audit_can_read, series_visible_to

from .models import AuditEntry
from .selectors import audit_change_lines, audit_entries, audit_meetings

PAGE_SIZE = 50


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


@login_required
@require_GET
def series_log(request, pk: int):
    series = series_visible_to(person=request.user).filter(pk=pk).first()
    if series is None:
        raise Http404
    if not series_audit_can_read(person=request.user, series=series):
        raise PermissionDenied
    entity = request.GET.get("kind") or ""
    entity = entity if entity in AuditEntry.Entity.values else ""
    meeting_id = _int(request.GET.get("meeting"))
    page = Paginator(audit_entries(series=series, entity=entity, meeting_id=meeting_id), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(entry, audit_change_lines(entry=entry)) for entry in page]
    query = urlencode({k: v for k, v in (("kind", entity), ("meeting", meeting_id or "")) if v})
    return render(
        request,
        "audit/series_log.html",
        {
            "series": series,
            "page": page,
            "rows": rows,
            "kinds": AuditEntry.Entity.choices,
            "kind": entity,
            "meetings": audit_meetings(series=series),
            "meeting_id": meeting_id,
            "page_query": query,
        },
    )
