"""Reads for people."""

from django.db.models import QuerySet

from .models import ApiToken, Person


def person_list(*, active_only: bool = True) -> QuerySet[Person]:
    qs = Person.objects.select_related("department")
    return qs.filter(is_active=True) if active_only else qs


def api_token_list(*, person: Person) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(person=person)
