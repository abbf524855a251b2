import functools
import hashlib
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from pypinyin import lazy_pinyin


@functools.cache
def known_time_zones() -> frozenset[str]:
    # available_timezones() reads the zone database from disk: tens of ms per call.
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in known_time_zones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), code="invalid_tz", params={"value": value})


def default_time_zone() -> str:
    return settings.LIHUI_DEFAULT_TIME_ZONE


def sort_key_for(name: str) -> str:
    """Pinyin of a name, so Chinese lists sort as people expect (陈 before 王)."""
    return " ".join(lazy_pinyin(name)).lower()


class Department(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent department"), null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("head"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sort_key = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        ordering = ["sort_key"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.sort_key = sort_key_for(self.name)
        super().save(*args, **kwargs)


class Person(AbstractUser):
    """A member of staff. `is_staff` marks Lihui admins (they also reach Django admin)."""

    class Language(models.TextChoices):
        BROWSER = "", _("Browser setting")
        ZH_HANS = "zh-hans", "简体中文"
        EN = "en", "English"

    name = models.CharField(pgettext_lazy("person", "name"), max_length=100, help_text=_("The name colleagues know, e.g. Zhang San."))
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    title = models.CharField(pgettext_lazy("person", "title"), max_length=100, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default=default_time_zone, validators=[validate_time_zone])
    language = models.CharField(_("language"), max_length=10, blank=True, choices=Language.choices)
    sort_key = models.CharField(max_length=200, editable=False, db_index=True)

    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["sort_key", "username"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name or self.username

    def save(self, *args, **kwargs):
        if not self.name:
            self.name = self.get_full_name() or self.username
        self.sort_key = sort_key_for(self.name)
        credentials_end = self._credentials_end(kwargs.get("update_fields"))
        super().save(*args, **kwargs)
        if credentials_end:
            ApiToken.revoke_all(person=self)

    # Tokens are revoked here, where the row is written, and not in set_password() or in the
    # views: every way a password changes ends in this save — the password page, the admin's
    # set-password, `manage.py changepassword`, a reset, set_unusable_password() (which skips
    # set_password), a hash assigned by a script — and comparing with the stored row also
    # catches an instance that was never loaded or is stale. The SELECT is paid only by saves
    # that write the password or is_active (not last_login's, not preferences'). Only
    # QuerySet.update() bypasses it: use it for neither field. Sessions need nothing here:
    # Django ends them itself, since each one carries an HMAC of the password hash and
    # inactive people are refused.
    def _credentials_end(self, update_fields) -> bool:
        """True when this save writes a new password hash or deactivates the account."""
        if self.pk is None:
            return False
        if update_fields is not None and not {"password", "is_active"} & set(update_fields):
            return False
        stored = Person.objects.filter(pk=self.pk).values("password", "is_active").first()
        if stored is None:
            return False
        deactivated = stored["is_active"] and not self.is_active
        if self._rehashing:
            # check_password() saves an upgraded hash of the same password: not a change.
            return deactivated
        return deactivated or stored["password"] != self.password

    _rehashing = False

    def check_password(self, raw_password):
        self._rehashing = True
        try:
            return super().check_password(raw_password)
        finally:
            self._rehashing = False

    async def acheck_password(self, raw_password):
        self._rehashing = True
        try:
            return await super().acheck_password(raw_password)
        finally:
            self._rehashing = False


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the secret is shown once."""

    PREFIX = "lh_"

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True)
    hint = models.CharField(_("hint"), max_length=12, help_text=_("The first characters, to tell tokens apart."))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def revoke_all(cls, *, person: Person) -> int:
        """Revoke every live token of `person` (a new password, a deactivated account)."""
        return cls.objects.filter(person=person, revoked__isnull=True).update(revoked=timezone.now())

    @staticmethod
    def digest_of(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def new_secret(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)
