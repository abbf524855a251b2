import zoneinfo

from django.conf import settings
from django.utils import timezone, translation


def person_preferences_activate(request, user) -> None:
    """The person's language and zone for this request (also called by the API once a
    token has told who is asking, which happens after the middleware ran)."""
    zone = settings.LIHUI_DEFAULT_TIME_ZONE
    if user is not None and user.is_authenticated:
        if user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        zone = user.time_zone or zone
    try:
        timezone.activate(zoneinfo.ZoneInfo(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.activate(zoneinfo.ZoneInfo(settings.LIHUI_DEFAULT_TIME_ZONE))


class PersonPreferencesMiddleware:
    """After LocaleMiddleware picked a language from the browser, let a signed-in
    person's own language and time zone win."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        person_preferences_activate(request, getattr(request, "user", None))
        response = self.get_response(request)
        timezone.deactivate()
        return response
