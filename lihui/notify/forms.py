"""The group robot form, shared by the chair's robots page and the admin.

The robot URL carries its key and the secret signs: neither is ever rendered back. On edit
both fields start empty and leaving them empty keeps what is stored — except the secret
when the URL moves to another host (scheme, name or port): a secret stays with the host it
was given for, or whoever runs the new host receives validly signed messages to replay."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from . import kinds as notice_kinds
from .models import Channel

Kind = Channel.Kind

# Hosts differ (open.feishu.cn, open.larksuite.com, private deployments): only the path is checked.
FEISHU_PATH = re.compile(r"(?:/.*)?/open-apis/bot/v2/hook/[^/]+")


def url_origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in: where signed traffic goes."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(parts.scheme.lower())


def secret_cleared_text(channel: Channel) -> str:
    """Said after saving a form whose `secret_cleared` is set."""
    return _(
        "The robot “%(name)s” now posts to another host, so its signing secret was removed: "
        "if the new robot signs its messages, enter its secret."
    ) % {"name": channel.name}


def robot_url_error(*, kind: str, url: str) -> str | None:
    """Why `url` cannot be a robot of this kind, or None. The vendors' URL shapes, so a
    pasted wrong address is refused here rather than failing at the first send."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return _("Enter an http:// or https:// address.")
    query = parse_qs(parts.query)
    if kind == Kind.WECOM and not (parts.path.endswith("/cgi-bin/webhook/send") and query.get("key")):
        return _("A WeCom group robot address looks like https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…")
    if kind == Kind.DINGTALK and not (parts.path.endswith("/robot/send") and query.get("access_token")):
        return _("A DingTalk robot address looks like https://oapi.dingtalk.com/robot/send?access_token=…")
    if kind == Kind.FEISHU and not FEISHU_PATH.fullmatch(parts.path):
        return _("A Feishu/Lark robot address looks like https://open.feishu.cn/open-apis/bot/v2/hook/…")
    return None


class ChannelForm(forms.ModelForm):
    url = forms.URLField(
        label=_("robot URL"), max_length=500, assume_scheme="https", validators=[URLValidator(schemes=["http", "https"])]
    )
    secret = forms.CharField(
        label=_("signing secret"), required=False, max_length=200, widget=forms.PasswordInput(render_value=False),
        help_text=_("Required for a JSON webhook; optional for DingTalk and Feishu (their robots may use keyword security instead)."),
    )  # fmt: skip

    kinds = forms.MultipleChoiceField(
        label=_("messages it posts"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Robots reach a group: choose what the group should see."),
    )  # fmt: skip

    class Meta:
        model = Channel
        fields = ["kind", "name", "url", "secret", "kinds", "enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Set by clean(): the URL moved to another host, so the stored secret was dropped (the
        # page says so).
        self.secret_cleared = False
        self.secret_typed = False
        self.fields["kinds"].choices = [(k, notice_kinds.ROBOT_LABELS[k]) for k in notice_kinds.ROBOT]
        self.initial.setdefault("kinds", self.instance.kinds)
        if self.instance.pk:
            # Never render the stored URL or secret: show their masks, keep them when left empty.
            self.initial["url"] = ""
            self.initial.pop("secret", None)
            self.fields["url"].required = False
            self.fields["url"].help_text = _("Now: %(url)s. Leave empty to keep the current URL.") % {
                "url": self.instance.masked_url
            }
            if self.instance.secret:
                self.fields["secret"].help_text = _("Now: %(secret)s. Leave empty to keep the current secret.") % {
                    "secret": self.instance.masked_secret
                }

    def clean_url(self):
        return self.cleaned_data["url"] or (self.instance.url if self.instance.pk else "")

    def clean_secret(self):
        self.secret_typed = bool(self.cleaned_data["secret"])
        return self.cleaned_data["secret"] or (self.instance.secret if self.instance.pk else "")

    def clean(self):
        cleaned = super().clean()
        kind, url = cleaned.get("kind"), cleaned.get("url")
        if kind and url and not self.has_error("url"):
            error = robot_url_error(kind=kind, url=url)
            if error:
                self.add_error("url", error)
        if (
            self.instance.pk and self.instance.secret and url and "secret" in cleaned and not self.secret_typed
            and url_origin(url) != url_origin(self.instance.url)
        ):  # fmt: skip
            cleaned["secret"] = ""
            self.secret_cleared = True
        if kind == Kind.WEBHOOK and "secret" in cleaned and not cleaned["secret"]:
            if self.secret_cleared:
                self.add_error("secret", _("The robot URL now points to another host: enter the signing secret again "
                                           "(the stored one is never sent to a new host)."))  # fmt: skip
            else:
                self.add_error("secret", _("A JSON webhook needs a signing secret: every request is signed with HMAC-SHA256."))
        return cleaned


class ChannelAdminForm(ChannelForm):
    class Meta(ChannelForm.Meta):
        fields = ["series", "kind", "name", "url", "secret", "enabled", "created_by"]
