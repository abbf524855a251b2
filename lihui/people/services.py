"""Writes for people: API tokens and personal preferences."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from .models import ApiToken, Person


def api_token_create(*, person: Person, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never stored."""
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(
        person=person, name=name.strip()[:100] or "API", digest=ApiToken.digest_of(secret), hint=secret[:8]
    )
    return token, secret


def api_token_revoke(*, person: Person, token_id: int) -> bool:
    return bool(
        ApiToken.objects.filter(pk=token_id, person=person, revoked__isnull=True).update(revoked=timezone.now())
    )


def api_token_authenticate(*, secret: str) -> Person | None:
    token = (
        ApiToken.objects.select_related("person")
        .filter(digest=ApiToken.digest_of(secret), revoked__isnull=True, person__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Touch last_used at most once a minute so busy scripts do not write on every call.
    if token.last_used is None or (now - token.last_used).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    return token.person


def person_set_preferences(*, person: Person, language: str | None = None, time_zone: str | None = None) -> Person:
    fields = []
    if language is not None:
        person.language = language
        fields.append("language")
    if time_zone is not None:
        person.time_zone = time_zone
        fields.append("time_zone")
    person.full_clean(validate_unique=False, exclude=[f.name for f in Person._meta.fields if f.name not in fields])
    person.save(update_fields=fields)
    return person


def person_preferences_save(*, actor: Person, person: Person, language: str, time_zone: str) -> Person:
    """The profile page: a person saves their own language and time zone (nobody else's)."""
    if actor.pk != person.pk:
        raise PermissionDenied
    return person_set_preferences(person=person, language=language, time_zone=time_zone)
