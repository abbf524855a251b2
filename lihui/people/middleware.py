import zoneinfo

from django.conf import settings
from django.utils import timezone, translation


class PersonPreferencesMiddleware:
    """After LocaleMiddleware picked a language from the browser, let a signed-in
    person's own language and time zone win."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
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
        response = self.get_response(request)
        timezone.deactivate()
        return response
