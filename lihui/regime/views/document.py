"""The regime document's pages: the current version, any version, a comparison of two, and
the downloads (.docx, .md). Anyone who sees the series reads its regime.

Reading the current version first brings it up to date (`regime_version_ensure`): group
robots are set up in `notify` and people's names and departments' KPIs elsewhere, so a
change there that alters the text becomes a new version here, on the next read."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from lihui.markdown import line_diff, markdown_html
from lihui.regime.selectors import series_visible_or_404
from lihui.web import DOCX, MARKDOWN, file_response

from ..documents import regime_docx, regime_filename, regime_render, regime_version_ensure, regime_version_get, regime_versions
from ..models import RegimeVersion, Series


def _other_language(request) -> str | None:
    """`?lang=en` (any configured language other than the company's), else None."""
    lang = request.GET.get("lang")
    if lang and lang != settings.LANGUAGE_CODE and lang in dict(settings.LANGUAGES):
        return lang
    return None


def _page(request, series: Series, version: RegimeVersion, *, current: RegimeVersion):
    versions = regime_versions(series=series)
    lang = _other_language(request)
    if lang:
        with translation.override(lang):
            text = regime_render(series=series)
    else:
        text = version.text
    return render(
        request,
        "regime/document.html",
        {
            "series": series,
            "version": version,
            "current": current,
            "versions": versions,
            "html": markdown_html(text),
            "rendered_language": lang,
            "languages": [(code, name) for code, name in settings.LANGUAGES if code != settings.LANGUAGE_CODE],
        },
    )


@login_required
def regime_page(request, pk: int):
    series = series_visible_or_404(person=request.user, pk=pk)
    current = regime_version_ensure(series=series)
    return _page(request, series, current, current=current)


@login_required
def regime_version_page(request, pk: int, number: int):
    series = series_visible_or_404(person=request.user, pk=pk)
    current = regime_version_ensure(series=series)
    version = regime_version_get(series=series, number=number)
    if version is None:
        raise Http404
    return _page(request, series, version, current=current)


def _number(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


@login_required
def regime_compare(request, pk: int):
    series = series_visible_or_404(person=request.user, pk=pk)
    current = regime_version_ensure(series=series)
    error = ""
    a_raw, b_raw = request.GET.get("a"), request.GET.get("b")
    a = _number(a_raw) if a_raw is not None else max(current.number - 1, 1)
    b = _number(b_raw) if b_raw is not None else current.number
    old = new = None
    status = 200
    if a is None or b is None:
        error, status = _("Choose two versions by their numbers."), 400
    else:
        old, new = regime_version_get(series=series, number=a), regime_version_get(series=series, number=b)
        if old is None or new is None:
            missing = a if old is None else b
            error, status = _("There is no version %(n)s of this regime.") % {"n": missing}, 404
    return render(
        request,
        "regime/document_compare.html",
        {
            "series": series,
            "current": current,
            "versions": regime_versions(series=series),
            "old": old,
            "new": new,
            "a": a,
            "b": b,
            "error": error,
            "diff": line_diff(old.text, new.text) if old and new else [],
        },
        status=status,
    )


def _download_version(request, series: Series) -> RegimeVersion:
    current = regime_version_ensure(series=series)
    raw = request.GET.get("version")
    if raw is None:
        return current
    number = _number(raw)
    version = regime_version_get(series=series, number=number) if number else None
    if version is None:
        raise Http404
    return version


@login_required
def regime_markdown_file(request, pk: int):
    series = series_visible_or_404(person=request.user, pk=pk)
    version = _download_version(request, series)
    return file_response(version.text, filename=regime_filename(series=series, version=version, ext="md"), content_type=MARKDOWN)


@login_required
def regime_docx_file(request, pk: int):
    series = series_visible_or_404(person=request.user, pk=pk)
    version = _download_version(request, series)
    with translation.override(version.language):
        data = regime_docx(text=version.text, title=_("%(series)s · Meeting regime") % {"series": series.title}, language=version.language)
    return file_response(data, filename=regime_filename(series=series, version=version, ext="docx"), content_type=DOCX)

