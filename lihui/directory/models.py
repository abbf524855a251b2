"""The record of every directory sync and import: what it created, changed and deactivated."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lihui.people.models import Source


class SyncReport(models.Model):
    """One run of an import or a directory sync (同步报告). Written in the run's own
    transaction: a run that fails leaves only this row, marked failed, with the reason."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Preview (nothing written)")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed, nothing changed")

    class Trigger(models.TextChoices):
        IMPORT = "import", _("Import")
        MANUAL = "manual", _("Sync started by an admin")
        SCHEDULE = "schedule", _("Scheduled sync")
        LOGIN = "login", _("Login")

    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    trigger = models.CharField(_("started by"), max_length=20, choices=Trigger.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started = models.DateTimeField(_("started"), default=timezone.now)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DONE)
    # {"created": 3, "changed": 1, "deactivated": 1, "reactivated": 0, "unchanged": 295,
    #  "skipped": 0, "departments_created": 2, "departments_changed": 0}
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    # Rows the source sent that could not be used: [{"key", "name", "errors": [...]}].
    problems = models.JSONField(_("problems"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    # The file of an import (its name and SHA-256), so a second confirm is recognised.
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    file_digest = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["-started", "-id"]
        verbose_name = _("sync report")
        verbose_name_plural = _("sync reports")

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.started:%Y-%m-%d %H:%M}"


class SyncChange(models.Model):
    """One person or department a run created, changed, deactivated or reactivated, with
    each changed field's value before and after (display values: names, not ids)."""

    class Kind(models.TextChoices):
        CREATED = "created", pgettext_lazy("directory", "Joined")
        CHANGED = "changed", pgettext_lazy("directory", "Changed")
        DEACTIVATED = "deactivated", _("Left (deactivated)")
        REACTIVATED = "reactivated", _("Back (reactivated)")

    report = models.ForeignKey(SyncReport, on_delete=models.CASCADE, related_name="changes")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey("people.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("what"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=300)
    # {"department": ["运营中心/客服部", "运营中心/仓储部"], "title": ["", "主管"]}
    fields = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["person", "-id"], name="syncchange_person")]
        verbose_name = _("sync change")
        verbose_name_plural = _("sync changes")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class SuiteApp(models.Model):
    """The app Lihui is in a work suite (WeCom, DingTalk, Feishu): its ids and secret, whether
    people log in with it and whether the worker syncs the directory from it. One per suite.
    The secret is never shown again after saving; LIHUI_<SUITE>_SECRET (or _FILE) in the
    environment wins over the stored one."""

    class Suite(models.TextChoices):
        WECOM = Source.WECOM.value, Source.WECOM.label
        DINGTALK = Source.DINGTALK.value, Source.DINGTALK.label
        FEISHU = Source.FEISHU.value, Source.FEISHU.label

    source = models.CharField(_("suite"), max_length=20, choices=Suite.choices, unique=True)
    corp_id = models.CharField(_("corp ID"), max_length=100, blank=True)  # WeCom corpid, DingTalk corpId
    app_key = models.CharField(_("app key / app ID"), max_length=100, blank=True)  # DingTalk AppKey, Feishu App ID
    agent_id = models.CharField(_("agent ID"), max_length=50, blank=True)  # WeCom AgentId, DingTalk AgentId
    secret = models.CharField(_("app secret"), max_length=500, blank=True)
    login_enabled = models.BooleanField(_("log in with it"), default=True)
    sync_enabled = models.BooleanField(_("sync the directory on a schedule"), default=False)
    sync_every_hours = models.PositiveSmallIntegerField(_("sync every (hours)"), default=24)
    last_sync = models.DateTimeField(_("last scheduled sync"), null=True, blank=True)
    updated = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["source"]
        verbose_name = _("work suite app")
        verbose_name_plural = _("work suite apps")

    def __str__(self) -> str:
        return self.get_source_display()
