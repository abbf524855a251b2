"""Calendar feeds: secret .ics URLs that calendar apps subscribe to, and their regeneration.

The feed URL is reached without a session (calendar apps cannot sign in): its token is the
credential. An unknown or replaced token answers 404, like any page one may not see. Only
the token's SHA-256 is stored, so a new URL is shown once, on the page the owner returns to
(kept in their session until then), like a new API token."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from lihui.people.models import Person
from lihui.regime.models import CalendarFeed, Membership, Series
from lihui.regime.selectors import calendar_feed_by_token, series_feed_allowed, series_visible_to
from lihui.regime.services import calendar_feed_regenerate, calendar_feed_touch
from lihui.web import ICS, file_response

from ..ics import feed_ics
from ..models import Guest, Meeting

FEED_DAYS_BACK = 60


def feed_meetings(*, person: Person, series: Series | None = None, now: dt.datetime | None = None) -> list[Meeting]:
    """What a feed holds: from 60 days back to the planning horizon, skipped dates left
    out, cancelled ones kept (marked cancelled). A person's feed: the series on their roster
    and the meetings they are a guest of; a series feed: that series. Two queries, whatever
    the number of meetings."""
    now = now or timezone.now()
    qs = Meeting.objects.filter(
        start__gte=now - dt.timedelta(days=FEED_DAYS_BACK),
        start__lt=now + dt.timedelta(days=settings.LIHUI_PLAN_HORIZON_DAYS + 1),
    ).exclude(status=Meeting.Status.SKIPPED)
    if series is not None:
        qs = qs.filter(series=series)
    else:
        qs = qs.filter(
            Q(series__in=Membership.objects.filter(person=person).values("series"))
            | Q(pk__in=Guest.objects.filter(person=person).values("item__meeting"))
        )
    chairs = Membership.objects.filter(role=Membership.Role.CHAIR).select_related("person")
    return list(
        qs.select_related("series")
        .prefetch_related(Prefetch("series__memberships", queryset=chairs, to_attr="chairs"))
        .order_by("start", "id")
    )


@require_safe
def feed(request, token: str):
    found: CalendarFeed | None = calendar_feed_by_token(token=token)
    if found is None:
        raise Http404
    calendar_feed_touch(feed=found)
    name = f"{found.series.title} · 例会" if found.series_id else f"{found.person} · 我的例会"
    body = feed_ics(meetings=feed_meetings(person=found.person, series=found.series), name=name)
    response = file_response(body, filename="lihui.ics", content_type=ICS, attachment=False)
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_POST
def feed_regenerate(request):
    _feed, token = calendar_feed_regenerate(person=request.user)
    request.session[CalendarFeed.new_url_session_key(None)] = CalendarFeed.url_for(token)
    messages.success(request, _("Your calendar URL is new; the old one no longer works."))
    return redirect("people:profile")


@login_required
@require_POST
def series_feed_regenerate(request, series_pk: int):
    series = series_visible_to(person=request.user).filter(pk=series_pk).first()
    if series is None:
        raise Http404
    if not series_feed_allowed(person=request.user, series=series):
        raise PermissionDenied
    _feed, token = calendar_feed_regenerate(person=request.user, series=series)
    request.session[CalendarFeed.new_url_session_key(series.pk)] = CalendarFeed.url_for(token)
    messages.success(request, _("Your calendar URL is new; the old one no longer works."))
    return redirect("regime:series_detail", pk=series.pk)
