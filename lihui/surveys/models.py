"""会后反馈: one survey per held meeting, five 1–5 questions, a comment and a suggestion.

What an anonymous survey promises, also against whoever reads the database or a backup:
no answer can be told to be a given person's beyond "one of a group of at least
LIHUI_SURVEY_MIN_ANSWERS people". `Respondent` records that a person answered (so each
answers once) the moment they answer; what they answered goes into the survey's
`AnswerPool`, one row holding the waiting answers in random order, and becomes a
`Response` only in a batch: when 2 × the minimum are waiting, a random half is written
(so a batch is never smaller than the minimum), and all the rest when the survey closes.
Each batch is written in one transaction, in shuffled order, with random keys and no
timestamp, so no ordering the database keeps (SQLite rowid, PostgreSQL ctid or xmin,
keys) lines answers up with respondents. Not promised: someone watching the database
while the survey is open (statement logs, the write-ahead log, copies taken between two
answers) sees the pool change with each answer."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lihui.meetings.models import Meeting

QUESTIONS = [
    ("purpose_clear", _("The purpose of the meeting was clear")),
    ("time_well_used", _("The time was well used")),
    ("outcomes_useful", _("The outcomes were useful")),
    ("discussion_open", _("The discussion was open")),
    ("overall", _("Overall")),
]


class Survey(models.Model):
    meeting = models.OneToOneField(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="survey")
    anonymous = models.BooleanField(_("anonymous"), default=True)
    opened_at = models.DateTimeField(_("opened"))
    closes_at = models.DateTimeField(_("closes"))
    # Who was asked, counted when the survey opened: the denominator of the response rate.
    invited = models.PositiveIntegerField(_("invited"), default=0)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        indexes = [models.Index(fields=["closes_at"], name="survey_closes")]

    def __str__(self) -> str:
        return f"{self.meeting}"


class Response(models.Model):
    """What was answered. For an anonymous survey written only in shuffled batches (see the
    module's docstring), never in the transaction in which the person answered."""

    # A random key and no timestamp: nothing orders answers the way respondents are ordered.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    # Set only when the survey is not anonymous.
    person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    purpose_clear = models.PositiveSmallIntegerField(QUESTIONS[0][1])
    time_well_used = models.PositiveSmallIntegerField(QUESTIONS[1][1])
    outcomes_useful = models.PositiveSmallIntegerField(QUESTIONS[2][1])
    discussion_open = models.PositiveSmallIntegerField(QUESTIONS[3][1])
    overall = models.PositiveSmallIntegerField(QUESTIONS[4][1])
    comment = models.TextField(_("comment"), blank=True)
    suggestion = models.TextField(_("one suggestion"), blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.CheckConstraint(condition=Q(**{f"{name}__gte": 1, f"{name}__lte": 5}), name=f"response_{name}_1_5")
            for name, _label in QUESTIONS
        ]

    def __str__(self) -> str:
        return f"{self.survey} #{self.pk}"


class Respondent(models.Model):
    """That a person answered (never which answer is theirs when anonymous). No timestamp:
    the id says in which order people answered, which the batches make worthless."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="respondents")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "person"], name="respondent_once")]

    def __str__(self) -> str:
        return f"{self.person} → {self.survey}"


class AnswerPool(models.Model):
    """The answers of an anonymous survey not yet written as `Response`s, in random order:
    a list of {question: score, "comment": …, "suggestion": …}. One row per survey, locked
    while an answer is added, deleted when the survey closes and the rest is written."""

    survey = models.OneToOneField(Survey, primary_key=True, on_delete=models.CASCADE, related_name="pool")
    answers = models.JSONField(default=list)
    # len(answers), so that counts (the response rate) need not read the answers.
    size = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.survey}: {self.size}"
