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
    # Unique among its siblings, as in every company directory (two 综合组 under different centres).
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent department"), null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("head"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sort_key = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        ordering = ["sort_key"]
        # Unique among siblings. Top-level names (parent NULL) are checked in clean(), not by
        # the database: deleting a parent leaves its children at the top (SET_NULL), and a
        # constraint there would turn that delete into an error.
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="department_unique_name_in_parent")]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.sort_key = sort_key_for(self.name)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.parent_id is None and Department.objects.filter(parent=None, name=self.name).exclude(pk=self.pk).exists():
            raise ValidationError({"name": _("A top-level department of this name exists already.")})

    @property
    def path(self) -> str:
        """运营中心/客服部: the names from the top down (one query per level above)."""
        names, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name)
            node = node.parent
        return "/".join(reversed(names))


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
    employee_number = models.CharField(
        _("employee number"), max_length=64, null=True, blank=True, unique=True, help_text=_("工号: the company's own id for the person.")
    )
    # Database defaults too: code that writes people as an older migration state knew them
    # (the migration tests, a data migration) leaves these columns out.
    phone = models.CharField(_("mobile"), max_length=32, blank=True, db_default="")
    manager = models.ForeignKey(
        "self", verbose_name=_("line manager"), null=True, blank=True, on_delete=models.SET_NULL, related_name="direct_reports"
    )
    # {"name": "wecom", "department": "import", …}: which source last set each field.
    field_sources = models.JSONField(_("field sources"), default=dict, db_default=models.Value("{}"), blank=True, editable=False)
    last_synced = models.DateTimeField(_("last synchronised"), null=True, blank=True, editable=False)
    sort_key = models.CharField(max_length=200, editable=False, db_index=True)

    REQUIRED_FIELDS = ["name", "email"]

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


class Source(models.TextChoices):
    """Where a person or a department comes from (its identities)."""

    LOCAL = "local", _("Entered in Lihui")
    IMPORT = "import", _("Import file")
    LDAP = "ldap", _("LDAP / Active Directory")
    OIDC = "oidc", _("OpenID Connect")
    SAML = "saml", _("SAML 2.0")
    WECOM = "wecom", _("WeCom")
    DINGTALK = "dingtalk", _("DingTalk")
    FEISHU = "feishu", _("Feishu")


class Identity(models.Model):
    """One person's id in one source: their LDAP uid, OIDC subject, WeCom / DingTalk / Feishu
    userid, or the 工号 of an import. A person has at most one per source."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="identities")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    external_id = models.CharField(_("id in the source"), max_length=200)
    # What the source last said about the person (display values; never a secret).
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    created = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="identity_unique_external_id"),
            models.UniqueConstraint(fields=["person", "source"], name="identity_unique_person_source"),
        ]
        verbose_name = _("identity")
        verbose_name_plural = _("identities")

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.external_id}"


class DepartmentIdentity(models.Model):
    """A department's id in one source (a WeCom department id, an LDAP DN, an import path)."""

    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="identities")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    external_id = models.CharField(_("id in the source"), max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="department_identity_unique_external_id"),
        ]
        verbose_name = _("department identity")
        verbose_name_plural = _("department identities")

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.external_id}"


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
