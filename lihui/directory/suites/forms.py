"""The admin's form for one suite's app. The secret is a password field that never shows what
is stored: left empty it keeps the stored secret, typed it replaces it."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from lihui.directory.models import SuiteApp

from .config import FIELDS, REQUIRED

ID = re.compile(r"[A-Za-z0-9_.\-]{1,100}")
LABELS = {
    "wecom": {"corp_id": _("Corp ID (企业ID)"), "agent_id": _("AgentId of the app")},
    "dingtalk": {"app_key": _("AppKey (Client ID)"), "corp_id": _("CorpId (for signing in inside DingTalk)"), "agent_id": _("AgentId of the app")},
    "feishu": {"app_key": _("App ID")},
}
SECRET_LABELS = {"wecom": _("Secret of the app"), "dingtalk": _("AppSecret (Client Secret)"), "feishu": _("App Secret")}


class SuiteAppForm(forms.ModelForm):
    secret = forms.CharField(label=_("app secret"), required=False, max_length=500,
                             widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))  # fmt: skip
    clear_secret = forms.BooleanField(label=_("Remove the stored secret"), required=False)
    sync_every_hours = forms.IntegerField(label=_("sync every (hours)"), min_value=1, max_value=720, initial=24)

    class Meta:
        model = SuiteApp
        fields = ["corp_id", "app_key", "agent_id", "login_enabled", "sync_enabled", "sync_every_hours"]

    def __init__(self, *args, source: str, **kwargs):
        super().__init__(*args, prefix=source, **kwargs)
        self.source = source
        for name in ("corp_id", "app_key", "agent_id"):
            if name not in FIELDS[source]:
                del self.fields[name]
            else:
                self.fields[name].label = LABELS[source][name]
                self.fields[name].required = name in REQUIRED[source]
        self.fields["secret"].label = SECRET_LABELS[source]
        self.initial.pop("secret", None)  # never rendered back
        stored = bool(self.instance.pk and self.instance.secret)
        self.fields["secret"].help_text = (
            _("Set ✓. Leave empty to keep it; type a new one to replace it.") if stored else _("Not set yet.")
        )
        if not stored:
            del self.fields["clear_secret"]
        ids = [f for f in FIELDS[source] if f in self.fields]
        self.order_fields([*ids, "secret", "clear_secret", "login_enabled", "sync_enabled", "sync_every_hours"])

    def clean(self):
        data = super().clean()
        for name in ("corp_id", "app_key", "agent_id"):
            value = (data.get(name) or "").strip()
            if name in self.fields and value and not ID.fullmatch(value):
                self.add_error(name, _("Use only letters, digits, “_”, “-” and “.” (as the suite shows it)."))
            elif name in self.fields:
                data[name] = value
        secret = (data.get("secret") or "").strip()
        if secret and (len(secret) < 8 or any(c.isspace() for c in secret)):
            self.add_error("secret", _("That does not look like the app's secret (at least 8 characters, no spaces)."))
        data["secret"] = secret
        return data
