"""Reads for people."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import Case, Q, QuerySet, Value, When

from .models import ApiToken, Person, sort_key_for


def person_list(*, active_only: bool = True) -> QuerySet[Person]:
    qs = Person.objects.select_related("department")
    return qs.filter(is_active=True) if active_only else qs


def person_zone(*, person: Person) -> ZoneInfo:
    """The person's own time zone (the default zone if theirs is unset or unknown)."""
    try:
        return ZoneInfo(getattr(person, "time_zone", "") or settings.LIHUI_DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.LIHUI_DEFAULT_TIME_ZONE)


def api_token_list(*, person: Person) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(person=person)


# --- finding people by name (the person picker) -------------------------------------------------

SEARCH_LIMIT = 20
SEARCH_MAX_LENGTH = 100


def _clean_query(q: str) -> str:
    """Whitespace collapsed, NULs (PostgreSQL refuses them) dropped, length capped."""
    return " ".join(str(q).replace("\x00", "").split())[:SEARCH_MAX_LENGTH]


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def _initials_pattern(letters: str) -> str:
    """A regex on `sort_key` ("zhang san") for pinyin typed compact or by initials: each
    letter continues the syllable or starts the next one, so "zs", "zhangs" and "zhangsan"
    all find 张三. Only [a-z0-9] reach it: the same pattern works in PostgreSQL and SQLite."""
    return "^" + letters[0] + "".join(f"(?:[^ ]* )?{c}" for c in letters[1:])


def person_search(*, q: str, limit: int = SEARCH_LIMIT) -> list[dict]:
    """Active people whose name starts with `q`, or whose pinyin does (“wang”, “wang q”,
    “wangq”, initials “wq”), in pinyin order: at most `limit` rows of id, name and
    department, in one query on the indexed `sort_key` (a prefix LIKE the index answers).
    Nothing for an empty query or a single Latin letter: too many to be useful."""
    q = _clean_query(q)
    if not q or (len(q) < 2 and not _has_cjk(q)):
        return []
    if _has_cjk(q):
        # Chinese characters: the pinyin prefix finds the rows by index, the name keeps homophones out.
        match, first = Q(sort_key__startswith=sort_key_for(q), name__startswith=q), Value(0)
    else:
        key = q.lower()
        letters = "".join(c for c in key if c.isascii() and c.isalnum())
        match = Q(sort_key__startswith=key)
        if len(letters) >= 2:
            match |= Q(sort_key__startswith=letters[0], sort_key__regex=_initials_pattern(letters))
        # Plain prefixes (wang…) before looser initials (w-a-n g…: 万桂桂).
        first = Case(When(sort_key__startswith=key, then=Value(0)), default=Value(1))
    rows = person_list().filter(match).order_by(first, "sort_key", "id").values_list("id", "name", "department__name")[:limit]
    return [{"id": pk, "name": name, "department": department or ""} for pk, name, department in rows]


def people_named(*, name: str = "", pk: int | None = None, limit: int = SEARCH_LIMIT) -> list[dict]:
    """Who a typed name may mean, and the person `pk` (active or not), in one indexed query:
    rows of id, name, department, sort_key, is_active whose pinyin equals that of `name`
    (张三 and 章三 both: the caller compares names). With neither, an empty answer, still
    from one query, so a page costs the same whatever its filters."""
    key = sort_key_for(_clean_query(name)) if _clean_query(name) else None
    match = Q(pk=pk) if pk is not None else Q(pk=None)
    if key:
        match |= Q(sort_key=key, is_active=True)
    # The person `pk` first, then namesakes, then homophones: the limit cuts homophones first.
    first = Case(When(pk=pk, then=Value(0)), When(name__iexact=_clean_query(name), then=Value(1)), default=Value(2))
    rows = (
        Person.objects.filter(match)
        .order_by(first, "sort_key", "id")
        .values_list("id", "name", "department__name", "sort_key", "is_active")[: limit + 1]
    )
    keys = ("id", "name", "department", "sort_key", "is_active")
    return [dict(zip(keys, row)) for row in rows]


def people_meant(*, typed: str, rows: list[dict]) -> list[dict]:
    """Of `people_named` rows, the active people a typed name means: the exact name (any
    case), else the full pinyin (“wang qiang”). One person: resolved; several: ambiguous."""
    active = [r for r in rows if r["is_active"]]
    return [r for r in active if r["name"].casefold() == typed.casefold()] or [
        r for r in active if r["sort_key"] == sort_key_for(" ".join(typed.split()))
    ]
