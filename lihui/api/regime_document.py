"""API for the regime document (例会制度): the current version, every version, a comparison
of two, and the downloads — the same renderer and versions as the pages. Reading the
current version brings it up to date first (see lihui/regime/documents.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from lihui.markdown import line_diff
from lihui.regime.documents import regime_docx, regime_filename, regime_version_ensure, regime_version_get, regime_versions
from lihui.regime.models import RegimeVersion, Series
from lihui.regime.selectors import series_visible_to
from lihui.web import DOCX, MARKDOWN, file_response

from .schemas import ErrorOut, Id

router = Router(tags=["regime"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
R_ = "/series/{series_id}/regime"


class RegimeVersionOut(Schema):
    number: int
    language: str
    effective_date: dt.date
    created: dt.datetime
    created_by: int | None
    created_by_name: str


class RegimeVersionTextOut(RegimeVersionOut):
    markdown: str


class DiffLine(Schema):
    op: Literal[" ", "+", "-", "@"] = Field(description="unchanged, added, removed, or a gap (@)")
    line: str


class RegimeCompareOut(Schema):
    a: RegimeVersionOut
    b: RegimeVersionOut
    diff: list[DiffLine]


class CompareQuery(Schema):
    a: Annotated[int, Field(ge=1, le=10**9, description="the older version's number")]
    b: Annotated[int, Field(ge=1, le=10**9, description="the newer version's number")]


class DownloadQuery(Schema):
    version: Annotated[int | None, Field(ge=1, le=10**9, description="a version's number; the current one without it")] = None


def _series(request, series_id: int) -> Series:
    return get_object_or_404(series_visible_to(person=request.user), pk=series_id)


def _out(v: RegimeVersion, *, text: bool = False) -> dict:
    out = {
        "number": v.number, "language": v.language, "effective_date": v.effective_date, "created": v.created,
        "created_by": v.created_by_id, "created_by_name": v.created_by.name if v.created_by_id else "",
    }  # fmt: skip
    if text:
        out["markdown"] = v.text
    return out


def _version(series: Series, number: int) -> RegimeVersion:
    version = regime_version_get(series=series, number=number)
    if version is None:
        raise Http404
    return version


@router.get(R_, response={200: RegimeVersionTextOut, **ERRORS})
def regime_current(request, series_id: Id):
    """The current version, made first if the configuration's text changed since the latest."""
    series = _series(request, series_id)
    return _out(regime_version_ensure(series=series), text=True)


@router.get(R_ + "/versions", response={200: list[RegimeVersionOut], **ERRORS})
def regime_version_list(request, series_id: Id):
    """Newest first."""
    series = _series(request, series_id)
    regime_version_ensure(series=series)
    return [_out(v) for v in regime_versions(series=series)]


@router.get(R_ + "/versions/{number}", response={200: RegimeVersionTextOut, **ERRORS})
def regime_version(request, series_id: Id, number: Id):
    return _out(_version(_series(request, series_id), number), text=True)


@router.get(R_ + "/compare", response={200: RegimeCompareOut, **ERRORS})
def regime_compare(request, series_id: Id, q: Query[CompareQuery]):
    """A line diff from version `a` to version `b` (three lines of context)."""
    series = _series(request, series_id)
    old, new = _version(series, q.a), _version(series, q.b)
    return {"a": _out(old), "b": _out(new), "diff": [{"op": op, "line": line} for op, line in line_diff(old.text, new.text)]}


def _download(request, series_id: int, q: DownloadQuery) -> tuple[Series, RegimeVersion]:
    series = _series(request, series_id)
    current = regime_version_ensure(series=series)
    return series, (current if q.version is None else _version(series, q.version))


@router.get(
    "/series/{series_id}/regime.md",
    response={200: None, **ERRORS},
    openapi_extra={"responses": {200: {"description": "Markdown", "content": {"text/markdown": {"schema": {"type": "string"}}}}}},
)
def regime_markdown_file(request, series_id: Id, q: Query[DownloadQuery]):
    series, version = _download(request, series_id, q)
    return file_response(version.text, filename=regime_filename(series=series, version=version, ext="md"), content_type=MARKDOWN)


@router.get(
    "/series/{series_id}/regime.docx",
    response={200: None, **ERRORS},
    openapi_extra={"responses": {200: {"description": "Word", "content": {DOCX: {"schema": {"type": "string", "format": "binary"}}}}}},
)
def regime_docx_file(request, series_id: Id, q: Query[DownloadQuery]):
    series, version = _download(request, series_id, q)
    with translation.override(version.language):
        data = regime_docx(text=version.text, title=_("%(series)s · Meeting regime") % {"series": series.title}, language=version.language)
    return file_response(data, filename=regime_filename(series=series, version=version, ext="docx"), content_type=DOCX)

