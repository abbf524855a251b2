"""Writes for the survey (会后反馈): open it when a meeting ends, record one answer per person.

Anonymous surveys store the fact that a person answered (`Respondent`) at once, and the
answer in the survey's `AnswerPool` until it is written as a `Response` in a shuffled
batch (see `lihui.surveys.models`): nothing joins the two, not even the order of writes."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lihui.meetings.models import Meeting
from lihui.people.models import Person

from .models import AnswerPool, Respondent, Response, Survey
from .selectors import NAMES, survey_invitee_ids, survey_may_answer, survey_min_answers

MAX_TEXT = 2000
# The operating system's randomness: the order of a batch must not be predictable.
_random = secrets.SystemRandom()


class AlreadyAnswered(ValidationError):
    """A second answer from the same person (the API answers 409)."""

    def __init__(self):
        super().__init__({"__all__": [_("You have already answered this survey. Each person answers once.")]})


def survey_open(*, meeting: Meeting) -> Survey | None:
    """Open the survey of a meeting that has ended, once (later calls return the same one).
    Anonymous as the series says, open for the series' `survey_open_days` after the end,
    `invited` = the people asked (see `survey_invitee_ids`). None when the series runs no
    survey or the meeting has not ended."""
    meeting = Meeting.objects.select_related("series").get(pk=meeting.pk)
    existing = Survey.objects.filter(meeting=meeting).first()
    if existing is not None:
        return existing
    if not meeting.series.survey_enabled:
        return None
    if meeting.actual_end is None and meeting.status != Meeting.Status.HELD:
        return None
    end = meeting.actual_end or meeting.end
    now = timezone.now()
    try:
        with transaction.atomic():
            return Survey.objects.create(
                meeting=meeting,
                anonymous=meeting.series.survey_anonymous,
                opened_at=now,
                closes_at=end + dt.timedelta(days=meeting.series.survey_open_days),
                invited=len(survey_invitee_ids(meeting=meeting)),
            )
    except IntegrityError:  # opened at the same moment by another request
        return Survey.objects.get(meeting=meeting)


def survey_url(meeting: Meeting) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("surveys:survey", args=[meeting.pk])


def survey_provider(meeting: Meeting) -> tuple[str, dt.datetime, set[int]] | None:
    """For `lihui.notices.services.meeting_ended`: open the survey, say where, until when
    and whom to ask — `survey_invitee_ids`, the set the survey counts as invited."""
    survey = survey_open(meeting=meeting)
    if survey is None:
        return None
    return survey_url(meeting), survey.closes_at, survey_invitee_ids(meeting=meeting)


def _clean_scores(scores) -> tuple[dict[str, int], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, int] = {}
    if not isinstance(scores, dict):
        return {}, {"__all__": [_("Answer every question with a score from 1 to 5.")]}
    for key in scores:
        if key not in NAMES:
            errors.setdefault("__all__", []).append(_("Unknown question."))
    for name in NAMES:
        value = scores.get(name)
        if value is None or value == "":
            errors[name] = [_("Choose a score from 1 to 5.")]
        elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            errors[name] = [_("The score must be a whole number from 1 to 5.")]
        else:
            clean[name] = value
    return clean, errors


def survey_answer(*, actor: Person, survey: Survey, scores: dict, comment: str = "", suggestion: str = "") -> Response | None:
    """Record the actor's answer: five scores (whole numbers 1–5), a comment and a
    suggestion (2,000 characters each at most). Only people asked may answer
    (PermissionDenied otherwise), once (`AlreadyAnswered`), while the survey is open.
    Returns the Response of a named survey; an anonymous answer waits in the pool (None)."""
    meeting = survey.meeting
    if not survey_may_answer(person=actor, meeting=meeting):
        raise PermissionDenied
    if timezone.now() >= survey.closes_at:
        raise ValidationError({"__all__": [_("This survey is closed: answers are no longer accepted.")]})
    if Respondent.objects.filter(survey=survey, person=actor).exists():
        raise AlreadyAnswered
    clean, errors = _clean_scores(scores)
    texts = {}
    for name, value in (("comment", comment), ("suggestion", suggestion)):
        if not isinstance(value, str):
            errors[name] = [_("Enter text.")]
            continue
        value = value.strip()
        if len(value) > MAX_TEXT:
            errors[name] = [_("Ensure this text has at most %(limit)s characters.") % {"limit": MAX_TEXT}]
        texts[name] = value
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        try:
            # The unique (survey, person) row is what makes a second answer impossible,
            # even when two arrive at once.
            with transaction.atomic():
                Respondent.objects.create(survey=survey, person=actor)
        except IntegrityError:
            raise AlreadyAnswered from None
        answer = {**clean, "comment": texts["comment"], "suggestion": texts["suggestion"]}
        if not survey.anonymous:
            return Response.objects.create(survey=survey, person=actor, **answer)
        _pool_add(survey=survey, answer=answer)
        return None


def _pool_add(*, survey: Survey, answer: dict) -> None:
    """Put the answer at a random place in the survey's pool (locked: answers arriving
    together queue here); when twice the minimum wait, write a random half of them."""
    pool, _created = AnswerPool.objects.select_for_update().get_or_create(survey=survey)
    if timezone.now() >= survey.closes_at:
        # Checked before, but the close may have written the pool while this one waited for
        # it: a pool made now would be written later as a batch of one.
        raise ValidationError({"__all__": [_("This survey is closed: answers are no longer accepted.")]})
    answers = list(pool.answers)
    answers.insert(_random.randrange(len(answers) + 1), answer)
    keep = survey_min_answers()
    if len(answers) >= 2 * keep:
        # Keep the minimum back, so that the batch written at close is never smaller.
        answers = _write_batch(survey=survey, answers=answers, count=len(answers) - keep)
    pool.answers, pool.size = answers, len(answers)
    pool.save(update_fields=["answers", "size"])


def _write_batch(*, survey: Survey, answers: list[dict], count: int) -> list[dict]:
    """Write `count` answers picked at random, in shuffled order, as Responses (random
    keys, one statement); return the others."""
    answers = list(answers)
    _random.shuffle(answers)
    batch, rest = answers[:count], answers[count:]
    Response.objects.bulk_create([Response(survey=survey, **answer) for answer in batch])
    return rest


def survey_release(*, survey: Survey) -> int:
    """When the survey has closed: write every answer still in its pool (shuffled) and
    drop the pool. Returns the number written; 0 while open or when nothing waits."""
    if timezone.now() < survey.closes_at or not AnswerPool.objects.filter(survey=survey).exists():
        return 0  # (no lock taken to find nothing: the results page of a closed survey asks each time)
    with transaction.atomic():
        pool = AnswerPool.objects.select_for_update().filter(survey=survey).first()
        if pool is None:
            return 0
        _write_batch(survey=survey, answers=pool.answers, count=len(pool.answers))
        pool.delete()
        return len(pool.answers)


def surveys_release_closed() -> int:
    """For the worker: write the waiting answers of every survey that has closed."""
    written = 0
    for survey in Survey.objects.filter(pool__isnull=False, closes_at__lte=timezone.now()):
        written += survey_release(survey=survey)
    return written
