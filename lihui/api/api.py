"""The JSON API, /api/v1/. Thin: every write goes through the same services as the web
forms; one error shape, {"error": "...", "fields": {...}}, everywhere."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Schema
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import AnonRateThrottle

from lihui.idempotency.http import idempotent
from lihui.meetings.models import Meeting
from lihui.meetings.selectors import meeting_visible_or_404, series_occurrences_in_range
from lihui.meetings.services import planning as meeting_services
from lihui.ops.views import RETRY_AFTER_SECONDS
from lihui.people import services as people_services
from lihui.people.forms import password_login_allowed
from lihui.people.middleware import person_preferences_activate
from lihui.people.models import Department, Person
from lihui.people.selectors import api_token_list, person_list
from lihui.people.throttle import client_address
from lihui.ratelimit import counter_add, throttle_cache
from lihui.regime import cadence as c
from lihui.regime import services as regime_services
from lihui.regime.models import CadenceWindow, Membership, Series
from lihui.regime.selectors import series_visible_to

from . import schemas as s
from .errors import ERRORS, api_error, error_body, pydantic_errors_to_fields

log = logging.getLogger(__name__)


class BearerAuth(HttpBearer):
    def authenticate(self, request, token):
        person = people_services.api_token_authenticate(secret=token)
        if person is None:
            # A wrong or revoked token is refused outright, even alongside a session cookie.
            raise AuthenticationError
        request.user = person
        person_preferences_activate(request, person)  # the middleware ran before we knew who
        return person


class AddressRateThrottle(AnonRateThrottle):
    """ninja's per-address throttle, counting in the shared throttle cache and reading the
    address as every other limit does: ninja's own lookup believes any X-Forwarded-For
    unless NINJA_NUM_PROXIES is set, so a forged header would give each request a fresh count."""

    @property
    def cache(self):
        return throttle_cache()

    def get_ident(self, request):
        return client_address(request)


class SignedInSession(SessionAuth):
    """The browser's session, for people already signed in. Without one, answer 401
    (not the 403 of a failed CSRF check that ninja's SessionAuth gives first)."""

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


api = NinjaAPI(
    title="Lihui API",
    version="1",
    description="例会 — meeting series, their occurrences, and the regime they run by.",
    urls_namespace="api",
    auth=[BearerAuth(), SignedInSession()],
)

from .actions import router as actions_router  # noqa: E402
from .audit import router as audit_router  # noqa: E402
from .capture import router as capture_router  # noqa: E402
from .directory_reports import router as directory_reports_router  # noqa: E402
from .insights import router as insights_router  # noqa: E402
from .meetings import router as meetings_router  # noqa: E402 (after the handlers it relies on)
from .minutes import router as minutes_router  # noqa: E402
from .regime_document import router as regime_document_router  # noqa: E402
from .review import router as review_router  # noqa: E402
from .search import router as search_router  # noqa: E402
from .surveys import router as surveys_router  # noqa: E402

api.add_router("", meetings_router)
api.add_router("", actions_router)
api.add_router("", minutes_router)
api.add_router("", search_router)
api.add_router("", capture_router)
api.add_router("", insights_router)
api.add_router("", regime_document_router)
api.add_router("", surveys_router)
api.add_router("", review_router)
api.add_router("", audit_router)
api.add_router("", directory_reports_router)

from .directory_imports import router as directory_imports_router  # noqa: E402 (importing people from a file)

api.add_router("", directory_imports_router)


def error(request, status: int, message: str, fields: dict | None = None):
    return api.create_response(request, error_body(message, fields), status=status)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc):
    return error(request, 422, _("Some fields are not valid."), pydantic_errors_to_fields(exc.errors))


def on_mapped_error(request, exc):
    status, body = api_error(exc)
    return api.create_response(request, body, status=status)


for _kind in (DjangoValidationError, PermissionDenied, Http404):
    api.add_exception_handler(_kind, on_mapped_error)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return error(request, 401, _("Authentication required: send Authorization: Bearer <token>."))


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    if exc.status_code == 400 and isinstance(exc.__cause__, (ValueError, RecursionError)):
        # ninja's "Cannot parse request body": malformed JSON (or JSON nested too deep for the
        # parser) is invalid input like any other.
        return error(request, 422, _("Some fields are not valid."), {"__all__": [_("The request body is not valid JSON.")]})
    return error(request, exc.status_code, str(exc))


@api.exception_handler(DatabaseError)
def on_database_error(request, exc):
    """The database is away or read-only: 503 with Retry-After, like the pages (lihui/ops/views.py).
    The transaction was rolled back; the next request reconnects."""
    log.error("database unavailable during %s %s", request.method, request.path, exc_info=exc)
    response = error(request, 503, _("The database is unavailable for a moment; nothing was saved. Try again shortly."))
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# --- auth -------------------------------------------------------------------------


@api.post(
    "/auth/token",
    auth=None,
    throttle=[AddressRateThrottle(settings.LIHUI_TOKEN_THROTTLE)],
    response={201: s.TokenOut, 401: s.ErrorOut, 422: s.ErrorOut, 429: s.ErrorOut},
    tags=["auth"],
)
def token_create(request, payload: s.TokenIn):
    """Exchange a username and password for a personal API token (shown once)."""
    # Per-account limit on top of the per-address throttle: 10 failures lock for 15 min.
    # Hashed: a username may hold any character, a cache key (memcached's) may not.
    key = f"lihui:token-fail:{hashlib.sha256(payload.username.lower().encode()).hexdigest()}"
    if throttle_cache().get(key, 0) >= 10:
        return error(request, 429, _("Too many failed attempts. Try again later."))
    if not password_login_allowed(payload.username):  # SSO required: a password opens nothing but break-glass accounts
        return error(request, 401, _("Password sign-in is turned off here: sign in with your company account and create a token on your profile page."))
    person = authenticate(request, username=payload.username, password=payload.password)
    if person is None:
        counter_add(key, seconds=15 * 60)
        return error(request, 401, _("Wrong username or password."))
    token, secret = people_services.api_token_create(person=person, name=payload.name)
    return Status(201, {"token": secret, "id": token.id, "name": token.name})


@api.get("/me", response={200: s.PersonOut, **ERRORS}, tags=["people"])
def me(request):
    return _person_out(request.user)


@api.get("/me/tokens", response={200: list[s.TokenInfo], **ERRORS}, tags=["auth"])
def tokens_list(request):
    return list(api_token_list(person=request.user))


@api.delete("/me/tokens/{token_id}", response={204: None, **ERRORS}, tags=["auth"])
def token_revoke(request, token_id: s.Id):
    if not people_services.api_token_revoke(person=request.user, token_id=token_id):
        raise Http404
    return Status(204, None)


# --- people -----------------------------------------------------------------------


def _person_out(p: Person) -> dict:
    return {
        "id": p.id,
        "username": p.username,
        "name": p.name,
        "department": p.department.name if p.department_id else None,
        "title": p.title,
        "time_zone": p.time_zone,
        "language": p.language,
    }


@api.get("/people", response={200: list[s.PersonOut], **ERRORS}, tags=["people"])
def people_list(request):
    return [_person_out(p) for p in person_list()]


@api.get("/departments", response={200: list[s.DepartmentOut], **ERRORS}, tags=["people"])
def departments_list(request):
    return list(Department.objects.all())


# --- series -----------------------------------------------------------------------


def _series_qs(request):
    return series_visible_to(person=request.user).prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("person")), "windows"
    )


def _series_qs_all():
    return Series.objects.prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("person")), "windows")


def _window_out(w: CadenceWindow) -> dict:
    return {
        "id": w.id,
        "kind": w.kind,
        "name": w.name,
        "start_date": w.start_date,
        "end_date": w.end_date,
        "frequency": w.frequency,
        "interval": w.interval,
        "weekdays": list(w.weekday_list),
        "start_time": w.start_time,
        "duration_minutes": w.duration_minutes,
        "description": w.describe_cadence(),
    }


def _series_out(x: Series) -> dict:
    return {
        **{f: getattr(x, f) for f in regime_services.SERIES_FIELDS if f not in ("purpose", "department", "weekdays", "ground_rules")},
        "id": x.id,
        "purpose": x.purposes,
        "ground_rules": x.ground_rule_list,
        "department": x.department_id,
        "weekdays": list(x.weekday_list),
        "rrule": x.rrule,
        "description": x.describe_cadence(),
        "roster": [
            {"person": m.person_id, "name": m.person.name, "role": m.role, "rotation_position": m.rotation_position}
            for m in x.memberships.all()
        ],
        "windows": [_window_out(w) for w in x.windows.all()],
    }


def _series_data(payload: s.SeriesIn) -> tuple[dict, list[regime_services.RosterEntry]]:
    data = payload.dict(exclude={"roster", "record_history"})
    data["purpose"] = "\n".join(p.strip() for p in data["purpose"] if p.strip())
    data["ground_rules"] = "\n".join(p.strip() for p in data["ground_rules"] if p.strip())
    data["time_zone"] = data["time_zone"] or settings.LIHUI_DEFAULT_TIME_ZONE
    if data["department"] is not None:
        department = Department.objects.filter(pk=data["department"]).first()
        if department is None:
            raise DjangoValidationError({"department": [_("No such department.")]})
        data["department"] = department
    ids = [r.person for r in payload.roster]
    people = Person.objects.in_bulk(ids)
    missing = sorted(set(ids) - set(people))
    if missing:
        raise DjangoValidationError({"roster": [_("No such person: %(ids)s.") % {"ids": ", ".join(map(str, missing))}]})
    roster = [regime_services.RosterEntry(people[r.person], r.role, r.rotation_position) for r in payload.roster]
    return data, roster


def _visible_series(request, series_id: int) -> Series:
    return get_object_or_404(_series_qs(request), pk=series_id)


@api.get("/series", response={200: list[s.SeriesOut], **ERRORS}, tags=["series"])
def series_list(request):
    return [_series_out(x) for x in _series_qs(request)]


@api.post("/series", response={201: s.SeriesOut, **ERRORS}, tags=["series"])
@decorate_view(idempotent("series_create"))
def series_create(request, payload: s.SeriesIn):
    data, roster = _series_data(payload)
    series = regime_services.series_create(actor=request.user, data=data, roster=roster, history=payload.record_history)
    return Status(201, _series_out(_visible_series(request, series.pk)))


@api.get("/series/{series_id}", response={200: s.SeriesOut, **ERRORS}, tags=["series"])
def series_get(request, series_id: s.Id):
    return _series_out(_visible_series(request, series_id))


@api.put("/series/{series_id}", response={200: s.SeriesOut, **ERRORS}, tags=["series"])
def series_update(request, series_id: s.Id, payload: s.SeriesIn):
    series = _visible_series(request, series_id)
    data, roster = _series_data(payload)
    regime_services.series_update(actor=request.user, series=series, data=data, roster=roster)
    # Read back without the visibility filter: a chair may just have handed the series over.
    return _series_out(_series_qs_all().get(pk=series_id))


@api.delete("/series/{series_id}", response={204: None, **ERRORS}, tags=["series"])
def series_delete(request, series_id: s.Id):
    regime_services.series_delete(actor=request.user, series=_visible_series(request, series_id))
    return Status(204, None)


@api.post("/series/{series_id}/windows", response={201: s.WindowOut, **ERRORS}, tags=["series"])
def window_add(request, series_id: s.Id, payload: s.WindowIn):
    series = _visible_series(request, series_id)
    data = {k: v for k, v in payload.dict().items() if not (k in ("start_time", "duration_minutes") and v is None)}
    window = regime_services.cadence_window_add(actor=request.user, series=series, data=data)
    return Status(201, _window_out(window))


@api.delete("/series/{series_id}/windows/{window_id}", response={204: None, **ERRORS}, tags=["series"])
def window_remove(request, series_id: s.Id, window_id: s.Id):
    series = _visible_series(request, series_id)
    window = get_object_or_404(CadenceWindow, pk=window_id, series=series)
    regime_services.cadence_window_remove(actor=request.user, window=window)
    return Status(204, None)


# --- occurrences ------------------------------------------------------------------


def _occurrence_out(m: Meeting, zone: ZoneInfo) -> dict:
    return {
        "id": m.id,
        "series": m.series_id,
        "number": m.number,
        "status": m.status,
        "origin": m.origin,
        "start": m.start,
        "end": m.end,
        "local_start": m.start.astimezone(zone).isoformat(),
        "duration_minutes": m.duration_minutes,
        "location": m.location,
        "minute_taker": m.minute_taker_id,
        "is_exception": m.is_exception,
        "cancel_reason": m.cancel_reason,
        "holiday": m.holiday,
        "moved_from": m.moved_from,
        "projected": m.pk is None,  # beyond the planning horizon: from the rules, not stored
    }


class RangeQuery(Schema):
    start: dt.date
    end: dt.date


MAX_RANGE_DAYS = 3 * 366


@api.get("/series/{series_id}/occurrences", response={200: list[s.OccurrenceOut], **ERRORS}, tags=["occurrences"])
def occurrences(request, series_id: s.Id, q: Query[RangeQuery]):
    """Occurrences whose local start date is in [start, end]. Beyond the planning horizon
    they are projected from the rules (`projected: true`, no id) and not stored."""
    if q.end < q.start:
        raise DjangoValidationError({"end": [_("The end date is before the start date.")]})
    if (q.end - q.start).days > MAX_RANGE_DAYS:
        raise DjangoValidationError({"end": [_("Ask for at most three years at a time.")]})
    if q.start < c.FIRST_DAY or q.end > c.LAST_DAY:
        raise DjangoValidationError({"start": [_("Dates must lie between 1900 and 2200.")]})
    series = _visible_series(request, series_id)
    zone = ZoneInfo(series.time_zone)
    return [_occurrence_out(m, zone) for m in series_occurrences_in_range(series=series, first=q.start, last=q.end)]


@api.post("/series/{series_id}/occurrences", response={201: s.OccurrenceOut, **ERRORS}, tags=["occurrences"])
@decorate_view(idempotent("meeting_add"))
def occurrence_add(request, series_id: s.Id, payload: s.ExtraIn):
    series = _visible_series(request, series_id)
    meeting = meeting_services.meeting_add(actor=request.user, series=series, **payload.dict())
    return Status(201, _occurrence_out(meeting, ZoneInfo(series.time_zone)))


@api.get("/meetings/{meeting_id}", response={200: s.OccurrenceOut, **ERRORS}, tags=["occurrences"])
def meeting_get(request, meeting_id: s.Id):
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    return _occurrence_out(meeting, ZoneInfo(meeting.series.time_zone))


@api.post("/meetings/{meeting_id}/move", response={200: s.OccurrenceOut, **ERRORS}, tags=["occurrences"])
def meeting_move(request, meeting_id: s.Id, payload: s.MoveIn):
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    meeting = meeting_services.meeting_move(actor=request.user, meeting=meeting, **payload.dict())
    return _occurrence_out(meeting, ZoneInfo(meeting.series.time_zone))


@api.post("/meetings/{meeting_id}/cancel", response={200: s.OccurrenceOut, **ERRORS}, tags=["occurrences"])
def meeting_cancel(request, meeting_id: s.Id, payload: s.CancelIn):
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    meeting = meeting_services.meeting_cancel(actor=request.user, meeting=meeting, reason=payload.reason)
    return _occurrence_out(meeting, ZoneInfo(meeting.series.time_zone))

