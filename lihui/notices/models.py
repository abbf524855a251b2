"""What each person wants to receive, and the once-a-day / once-a-week jobs' marks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Preference(models.Model):
    """A person's choice for one kind of message on one transport. No row: the default, on."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="notice_preferences"
    )
    kind = models.CharField(_("kind"), max_length=50)
    transport = models.CharField(_("transport"), max_length=20, default="email")
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("notice preference")
        verbose_name_plural = _("notice preferences")
        constraints = [models.UniqueConstraint(fields=["person", "kind", "transport"], name="notice_preference_unique")]

    def __str__(self) -> str:
        return f"{self.person} {self.kind}/{self.transport}: {'on' if self.enabled else 'off'}"


class JobRun(models.Model):
    """The last period (a date, an ISO week) a periodic job ran for: claimed with a
    conditional UPDATE, so of several workers exactly one runs it."""

    name = models.CharField(max_length=50, unique=True)
    period = models.CharField(max_length=20, blank=True)
    ran_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} {self.period}"
