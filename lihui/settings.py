"""Lihui settings: one module, read from the environment.

Safe defaults run the embedded single box (SQLite under ./var); production sets
DATABASE_URL, SECRET_KEY (or SECRET_KEY_FILE), ALLOWED_HOSTS, SITE_URL (https:// turns on
secure cookies, the HTTPS redirect and HSTS) and DEBUG=0.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LIHUI_VAR_DIR", BASE_DIR / "var"))


def _private_var_dir() -> None:
    """Create the var dir closed to group and others: it holds the database, uploads, mail and
    backups (sessions, password hashes, robot secrets), whatever the umask of the process."""
    if not VAR_DIR.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
        VAR_DIR.chmod(0o700)


_private_var_dir()


def env_str(name: str, default: str = "") -> str:
    """A string setting; NAME_FILE (for container secrets) wins over NAME."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be a boolean, got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)


def _embedded_secret_key() -> str:
    """The single box keeps a generated key under ./var, so `make run` needs no setup;
    deployments set SECRET_KEY or SECRET_KEY_FILE."""
    import secrets

    path = VAR_DIR / "secret_key"
    if not path.exists():
        try:  # created 0600, never readable by others, not even briefly
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process of the same start wrote it first
            pass
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(secrets.token_urlsafe(50))
    return path.read_text(encoding="utf-8").strip()


# DEBUG=0 set explicitly declares a deployment: there the key must come from SECRET_KEY or
# SECRET_KEY_FILE, since a key generated per machine breaks sessions across hosts and is lost
# with ./var. Left unset (`make run`, tests), the single box generates its own.
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY and os.environ.get("DEBUG") and not DEBUG:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG=0: a long random value, the same for every "
        "process, e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )
SECRET_KEY = SECRET_KEY or _embedded_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Links in e-mails and calendars: where `make run` serves (PORT, default 8000) unless set.
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}")

# Served over HTTPS (on by default when SITE_URL is https://): cookies only over TLS,
# plain HTTP redirected, and HSTS. Behind a TLS-terminating proxy, LIHUI_PROXY_SSL_HEADER
# names the header it sets to "https" (e.g. X-Forwarded-Proto), else every request would
# look like plain HTTP and redirect forever.
LIHUI_HTTPS = env_bool("LIHUI_HTTPS", SITE_URL.startswith("https://"))
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LIHUI_HTTPS
SECURE_SSL_REDIRECT = env_bool("LIHUI_SSL_REDIRECT", LIHUI_HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes often call the process over plain HTTP
if env_str("LIHUI_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + env_str("LIHUI_PROXY_SSL_HEADER").upper().replace("-", "_"), "https")
SECURE_HSTS_SECONDS = env_int("LIHUI_HSTS_SECONDS", 365 * 24 * 3600) if LIHUI_HTTPS else 0
# HSTS for subdomains and the browsers' preload list bind every host of the domain to HTTPS,
# which on an intranet can break sibling hosts still on HTTP: the deployer opts in, and the
# checks that nag about them stay quiet until then.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("LIHUI_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("LIHUI_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [
    *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
X_FRAME_OPTIONS = "DENY"  # and frame-ancestors 'none' in the CSP (lihui/security.py)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs page from local static files
    "lihui.people",
    "lihui.directory",  # 通讯录: imports and directory syncs, their reports, joiners / movers / leavers
    "lihui.regime",
    "lihui.meetings",
    "lihui.reports",
    "lihui.actions",
    "lihui.minutes",  # 会议纪要: assembled from the meeting, revisions, publishing, exports
    "lihui.search",
    "lihui.notify",
    "lihui.notices",
    "lihui.surveys",
    "lihui.insights",
    "lihui.audit",  # 审计日志: who changed a series' rules, attendance, minutes, decisions, actions
    "lihui.api",
    "lihui.ops",  # backup/restore, /healthz and the worker heartbeat, JSON logs
    "lihui.idempotency",  # a create or publish sent twice happens once (Idempotency-Key, form token)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lihui.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lihui.directory.suites.middleware.InAppLoginMiddleware",  # inside WeCom / DingTalk / Feishu: signed in by the app
    "lihui.security.AnonymousUploadMiddleware",  # before the CSRF check would parse the body
    "lihui.security.PrivateResponsesNotStoredMiddleware",
    "lihui.people.middleware.PersonPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "lihui.urls"
WSGI_APPLICATION = "lihui.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "lihui" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["lihui.templatetags_builtins", "lihui.idempotency.templatetags.idempotency"],
        },
    }
]

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("LIHUI_PG_JIT_OFF", True):
        # PostgreSQL's JIT compiles any query whose plan cost passes its threshold; for the
        # health aggregates that was ~4 s of compiling for a 0.4 s query. Our queries are short.
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = (options.get("options", "") + " -c jit=off").strip()
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "lihui.sqlite3",
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on
                # busy_timeout instead of failing with "database is locked" mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")} if env_bool("LIHUI_TEST_DB_FILE", False) else {},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.Person"
LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "meetings:dashboard"
LOGOUT_REDIRECT_URL = "people:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Counts failed sign-ins per account and per address wherever a password is checked.
AUTHENTICATION_BACKENDS = ["lihui.people.throttle.ThrottledModelBackend"]
# Argon2 for new passwords; older PBKDF2 hashes still verify and are rehashed at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# A sign-in lasts a working day (LIHUI_SESSION_HOURS), also across browser restarts.
SESSION_COOKIE_AGE = env_int("LIHUI_SESSION_HOURS", 12) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
# Failed sign-ins (lihui/people/throttle.py): at most this many per account and per client
# address within LIHUI_LOGIN_WINDOW_MINUTES; LIHUI_PROXY_COUNT reverse proxies in front
# (the client address is read from their X-Forwarded-For, 0: REMOTE_ADDR).
LIHUI_LOGIN_FAILURES_PER_ACCOUNT = env_int("LIHUI_LOGIN_FAILURES_PER_ACCOUNT", 5)
LIHUI_LOGIN_FAILURES_PER_ADDRESS = env_int("LIHUI_LOGIN_FAILURES_PER_ADDRESS", 20)
LIHUI_LOGIN_WINDOW_MINUTES = env_int("LIHUI_LOGIN_WINDOW_MINUTES", 15)

# Every rate limit (sign-in, the API's token exchange, capture) reads the client address this
# way (lihui.people.throttle.client_address); X-Forwarded-For is never trusted beyond it.
LIHUI_PROXY_COUNT = env_int("LIHUI_PROXY_COUNT", 0)
NINJA_NUM_PROXIES = LIHUI_PROXY_COUNT  # for any ninja throttle that keeps ninja's own address lookup

# LDAP / Active Directory (lihui/directory/ldap.py, docs/deploy.md "LDAP / Active Directory"):
# sign-in with the directory password, after local accounts (break-glass) and counted by the
# same throttle; people and departments from the directory at sign-in, by `manage.py
# people_sync ldap` and by the worker every LIHUI_LDAP_SYNC_MINUTES. Off unless LIHUI_LDAP_URI is set.
LIHUI_LDAP = None
if env_str("LIHUI_LDAP_URI"):
    import json

    def _env_json(name: str, default):
        try:
            return json.loads(env_str(name)) if env_str(name) else default
        except ValueError as exc:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured(f"{name} must be JSON: {exc}") from exc

    LIHUI_LDAP = {
        "uri": env_str("LIHUI_LDAP_URI"),  # ldap://dc1.corp.example.com (several, space-separated) or ldaps://…
        "bind_dn": env_str("LIHUI_LDAP_BIND_DN"),  # the read-only service account
        "bind_password": env_str("LIHUI_LDAP_BIND_PASSWORD"),  # or LIHUI_LDAP_BIND_PASSWORD_FILE
        "start_tls": env_bool("LIHUI_LDAP_START_TLS", False),
        "ca_file": env_str("LIHUI_LDAP_CA_FILE"),  # the CA of the directory's certificate (else the system's)
        "timeout": env_int("LIHUI_LDAP_TIMEOUT", 10),  # seconds, for connecting and for each answer
        "user_base": env_str("LIHUI_LDAP_USER_BASE"),
        "user_filter": env_str("LIHUI_LDAP_USER_FILTER", "(uid=%(user)s)"),  # AD: (sAMAccountName=%(user)s)
        "sync_filter": env_str("LIHUI_LDAP_SYNC_FILTER"),  # everyone to sync; default: the user filter with *
        "disabled_filter": env_str("LIHUI_LDAP_DISABLED_FILTER", "(userAccountControl:1.2.840.113556.1.4.803:=2)"),
        "attrs": _env_json("LIHUI_LDAP_ATTRS", {}),  # {"username": "sAMAccountName", "id": "objectGUID", …}
        "department_base": env_str("LIHUI_LDAP_DEPARTMENT_BASE"),  # the OU tree; default: the user base
        "admin_groups": [dn.strip() for dn in env_str("LIHUI_LDAP_ADMIN_GROUPS").split(";") if dn.strip()],
        "group_departments": _env_json("LIHUI_LDAP_GROUP_DEPARTMENTS", {}),  # {"cn=质检组,ou=groups,…": "运营中心/质检部"}
        "sync_minutes": env_int("LIHUI_LDAP_SYNC_MINUTES", 60),  # 0: no scheduled sync
    }
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "lihui.directory.ldap.DirectoryBackend"]

# Rate limits and failed sign-ins count in the "throttle" cache, which every web process must
# share or "5 per account" means 5 per worker: Redis when REDIS_URL is set, else a table in the
# database (lihui/ratelimit.py; `migrate` creates it). MAX_ENTRIES is high because culling a
# full cache would drop live counts — an attacker could flush their own by filling it.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
        "throttle": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "throttle"},
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "throttle": {
            "BACKEND": "lihui.ratelimit.DatabaseCache",
            "LOCATION": "lihui_throttle_cache",
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        },
    }

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"  # storage and the server; people and series carry their own zones
LIHUI_DEFAULT_TIME_ZONE = env_str("LIHUI_DEFAULT_TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "lihui" / "static"]
# The single box serves static files straight from the apps (no collectstatic step);
# deployments run collectstatic with LIHUI_STATIC_MANIFEST=1 for hashed, cacheable names.
STATIC_MANIFEST = env_bool("LIHUI_STATIC_MANIFEST", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start without it

# How far ahead occurrences exist as rows; the worker keeps the horizon rolling.
LIHUI_PLAN_HORIZON_DAYS = env_int("LIHUI_PLAN_HORIZON_DAYS", 90)
# How long after End the chair (or deputy) may resume a meeting, timings kept.
LIHUI_RESUME_GRACE_MINUTES = env_int("LIHUI_RESUME_GRACE_MINUTES", 30)

MEDIA_ROOT = Path(env_str("LIHUI_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: materials go through a permission-checked view
# Where uploads live: "local" (MEDIA_ROOT, the default) or "s3", an S3-compatible bucket
# (AWS S3, MinIO, Ceph RGW, …) through django-storages, shared by every web process of a
# cluster. Objects are private and no pre-signed links are made: the download view still
# checks permissions and streams the bytes. Credentials: AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY (or _FILE); unset, boto3's own chain (instance role, ~/.aws) applies.
LIHUI_STORAGE = env_str("LIHUI_STORAGE", "local").strip().lower() or "local"
if LIHUI_STORAGE == "s3":
    AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
    if not AWS_STORAGE_BUCKET_NAME:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("LIHUI_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,  # e.g. https://minio.intra:9000; unset: AWS
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "location": env_str("AWS_LOCATION"),  # a key prefix inside the bucket
            "addressing_style": env_str("AWS_S3_ADDRESSING_STYLE") or None,  # "path" for most MinIO setups
            # AWS buckets with ACLs disabled (the default for new ones) take only bucket-owner-full-control.
            "default_acl": env_str("AWS_DEFAULT_ACL", "private") or None,
            "querystring_auth": False,  # .url() never hands out a working link
            "file_overwrite": False,
            "max_memory_size": 1024 * 1024,  # a download larger than this spools to a temporary file
        },
    }
elif LIHUI_STORAGE != "local":
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"LIHUI_STORAGE must be 'local' or 's3', not {LIHUI_STORAGE!r}.")
# Pre-read materials: size limit and accepted types (checked on the content, not the name).
LIHUI_MATERIAL_MAX_BYTES = env_int("LIHUI_MATERIAL_MAX_BYTES", 20 * 1024 * 1024)
LIHUI_MATERIAL_TYPES = env_list(
    "LIHUI_MATERIAL_TYPES", "pdf,docx,xlsx,pptx,doc,xls,ppt,png,jpg,gif,txt,csv,md,zip"
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Stored materials readable by the app's user only (Django's default is 0644, whatever the umask).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# A material is uploaded one file at a time; Django's default lets one request spool 100.
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# Uploads are measured as they arrive: past LIHUI_MATERIAL_MAX_BYTES the rest is never written (lihui/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "lihui.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
LIHUI_WORKER_INTERVAL_SECONDS = env_int("LIHUI_WORKER_INTERVAL_SECONDS", 10)
LIHUI_TOKEN_THROTTLE = env_str("LIHUI_TOKEN_THROTTLE", "10/m")
# Survey results and every aggregate of answers (health, review, recommendations) appear
# only for surveys with at least this many answers, and anonymous answers are written in
# batches of at least this many: below it, averages would tell what one person answered.
LIHUI_SURVEY_MIN_ANSWERS = max(1, env_int("LIHUI_SURVEY_MIN_ANSWERS", 3))

# LOG_FORMAT=json: one JSON object per line (time, level, logger, message, exc_info).
LOG_FORMAT = env_str("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "lihui.ops.logging.JsonFormatter"}},
    # Feed tokens and secret query parameters masked in every line (lihui/ops/logging.py).
    "filters": {
        "redact": {"()": "lihui.ops.logging.RedactSecrets"},
        "client_errors_one_line": {"()": "lihui.ops.logging.ClientErrorsWithoutTraceback"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact"],
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # A 403 or 400 is logged as one line, without the traceback Django attaches.
    "loggers": {"django.request": {"filters": ["client_errors_one_line"]}},
}
# /healthz answers 503 when no worker started a pass for this long (default 3 passes + 60 s).
LIHUI_HEALTH_WORKER_MAX_AGE_SECONDS = env_int("LIHUI_HEALTH_WORKER_MAX_AGE_SECONDS", 3 * LIHUI_WORKER_INTERVAL_SECONDS + 60)

# E-mail. SMTP when EMAIL_HOST is set (EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
# EMAIL_USE_TLS / EMAIL_USE_SSL); otherwise the file backend writes each message to
# var/mail/, and admins read them at /mail/ (what `make run` does on a fresh machine).
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
EMAIL_FILE_PATH = Path(env_str("LIHUI_MAIL_DIR", str(VAR_DIR / "mail")))
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.filebased.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Lihui 例会 <lihui@localhost>")

# Delivery (lihui.notify): the outbox worker and its robots.
LIHUI_NOTIFY_ENABLED = env_bool("LIHUI_NOTIFY_ENABLED", True)
# Robots on private or loopback addresses are refused unless allowed (tests, a local sink).
# Outbound posts connect directly (lihui/notify/http.py pins the checked address): an
# HTTP(S)_PROXY in the environment is not used.
LIHUI_NOTIFY_ALLOW_PRIVATE = env_bool("LIHUI_NOTIFY_ALLOW_PRIVATE", False)
LIHUI_NOTIFY_HTTP_TIMEOUT = env_int("LIHUI_NOTIFY_HTTP_TIMEOUT", 10)
LIHUI_NOTIFY_LEASE_SECONDS = env_int("LIHUI_NOTIFY_LEASE_SECONDS", 300)  # a claim older than this was a crashed worker
LIHUI_NOTIFY_MAX_ATTEMPTS = env_int("LIHUI_NOTIFY_MAX_ATTEMPTS", 8)
LIHUI_NOTIFY_BACKOFF_SECONDS = env_int("LIHUI_NOTIFY_BACKOFF_SECONDS", 30)  # doubles per attempt, plus jitter
LIHUI_NOTIFY_BACKOFF_MAX_SECONDS = env_int("LIHUI_NOTIFY_BACKOFF_MAX_SECONDS", 6 * 3600)
# Notices (lihui.notices): invitations go out as a meeting comes within this many days;
# owners hear of actions due within LIHUI_ACTION_DUE_SOON_DAYS; the daily jobs (due soon,
# overdue, escalation) and Monday's digest run from this hour, LIHUI_DEFAULT_TIME_ZONE.
LIHUI_INVITE_DAYS = env_int("LIHUI_INVITE_DAYS", 14)
LIHUI_ACTION_DUE_SOON_DAYS = env_int("LIHUI_ACTION_DUE_SOON_DAYS", 2)
LIHUI_NOTICE_DAILY_HOUR = env_int("LIHUI_NOTICE_DAILY_HOUR", 8)
# Vendors' per-minute limits per robot (0: no pacing); the worker stays under them.
LIHUI_NOTIFY_ROBOT_PER_MINUTE = {"wecom": 20, "dingtalk": 20, "feishu": 100, "webhook": 0}

# Single sign-on: OpenID Connect and SAML 2.0 through django-allauth (decision 0010), beside
# the password login, which stays Django's own (the login page shows a button per provider).
# OpenID Connect: LIHUI_OIDC_SERVER_URL (the issuer), LIHUI_OIDC_CLIENT_ID, LIHUI_OIDC_SECRET
# (or _FILE), LIHUI_OIDC_NAME (the button says 「使用 <name> 登录」). The provider is told our
# redirect URI SITE_URL/sso/oidc/company/login/callback/ and post-logout URI SITE_URL/login/.
# SAML: the IdP by LIHUI_SAML_METADATA_URL or LIHUI_SAML_METADATA_FILE (its metadata XML), or
# by hand (LIHUI_SAML_ENTITY_ID, LIHUI_SAML_SSO_URL, LIHUI_SAML_SLO_URL, LIHUI_SAML_X509CERT or
# _FILE); LIHUI_SAML_ATTRIBUTES maps our fields to its attribute names ("email=mail,…");
# our SP metadata for the IdP is at SITE_URL/sso/saml/company/metadata/.
# The first login links a person by the 工号 claim (LIHUI_SSO_EMPLOYEE_NUMBER_CLAIM) or a
# verified e-mail, else creates one (LIHUI_SSO_CREATE_PEOPLE=0: refused, ask the admin).
# LIHUI_SSO_REQUIRED=1: password login only for LIHUI_BREAK_GLASS_USERS (e.g. "admin,ops-root").
INSTALLED_APPS += [
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
]
MIDDLEWARE.append("allauth.account.middleware.AccountMiddleware")
SOCIALACCOUNT_ONLY = True  # allauth for the providers only: no allauth signup, password or e-mail pages
ACCOUNT_EMAIL_VERIFICATION = "none"  # the provider vouches for the address (or does not: see lihui/directory/sso.py)
ACCOUNT_ADAPTER = "lihui.directory.sso.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "lihui.directory.sso.SocialAccountAdapter"
# The button on our own login page starts the provider's login at once (allauth would show a
# page of its own asking to continue); the round trip's state is bound to the session.
SOCIALACCOUNT_LOGIN_ON_GET = True
SOCIALACCOUNT_REQUESTS_TIMEOUT = env_int("LIHUI_SSO_TIMEOUT_SECONDS", 10)
LIHUI_SSO_CREATE_PEOPLE = env_bool("LIHUI_SSO_CREATE_PEOPLE", True)
LIHUI_SSO_REQUIRED = env_bool("LIHUI_SSO_REQUIRED", False)
LIHUI_BREAK_GLASS_USERS = env_list("LIHUI_BREAK_GLASS_USERS")
LIHUI_SSO_EMPLOYEE_NUMBER_CLAIM = env_str("LIHUI_SSO_EMPLOYEE_NUMBER_CLAIM", "employee_number")
LIHUI_SSO_PROVIDER_ID = "company"  # in the provider URLs: /sso/oidc/company/…, /sso/saml/company/…
# Attribute names a SAML IdP sends, by the LDAP OIDs (Shibboleth, AD FS, Keycloak's "urn:oid" mappers).
LIHUI_SAML_DEFAULT_ATTRIBUTES = {
    "uid": ["urn:oid:0.9.2342.19200300.100.1.1", "urn:oasis:names:tc:SAML:attribute:subject-id"],
    "email": ["urn:oid:0.9.2342.19200300.100.1.3", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"],
    "name": ["urn:oid:2.16.840.1.113730.3.1.241", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"],
    "employee_number": ["urn:oid:2.16.840.1.113730.3.1.3"],
}


def sso_providers(environ=os.environ) -> dict:
    """SOCIALACCOUNT_PROVIDERS from the LIHUI_OIDC_* and LIHUI_SAML_* variables of `environ`."""

    def get(name: str) -> str:
        path = environ.get(f"{name}_FILE")
        return Path(path).read_text(encoding="utf-8").strip() if path else environ.get(name, "").strip()

    providers: dict = {}
    if get("LIHUI_OIDC_SERVER_URL"):
        providers["openid_connect"] = {
            "APPS": [
                {
                    "provider_id": LIHUI_SSO_PROVIDER_ID,
                    "name": get("LIHUI_OIDC_NAME") or "OpenID Connect",
                    "client_id": get("LIHUI_OIDC_CLIENT_ID"),
                    "secret": get("LIHUI_OIDC_SECRET"),
                    "settings": {"server_url": get("LIHUI_OIDC_SERVER_URL"), "oauth_pkce_enabled": True},
                }
            ],
            "SCOPE": ["openid", "profile", "email"],
        }
    attributes = {key: list(names) for key, names in LIHUI_SAML_DEFAULT_ATTRIBUTES.items()}
    for pair in filter(None, (p.strip() for p in get("LIHUI_SAML_ATTRIBUTES").split(","))):
        key, _sep, name = pair.partition("=")
        attributes[key.strip()] = [name.strip()]
    idp: dict = {}
    if get("LIHUI_SAML_METADATA_URL"):
        idp = {"entity_id": get("LIHUI_SAML_ENTITY_ID"), "metadata_url": get("LIHUI_SAML_METADATA_URL")}
    elif get("LIHUI_SAML_METADATA_FILE"):
        from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

        parsed = OneLogin_Saml2_IdPMetadataParser.parse(
            Path(get("LIHUI_SAML_METADATA_FILE")).read_bytes(), entity_id=get("LIHUI_SAML_ENTITY_ID") or None
        )["idp"]
        idp = {"entity_id": parsed["entityId"], "sso_url": parsed["singleSignOnService"]["url"], "x509cert": parsed.get("x509cert", "")}
        if parsed.get("singleLogoutService", {}).get("url"):
            idp["slo_url"] = parsed["singleLogoutService"]["url"]
    elif get("LIHUI_SAML_SSO_URL"):
        idp = {"entity_id": get("LIHUI_SAML_ENTITY_ID"), "sso_url": get("LIHUI_SAML_SSO_URL"), "x509cert": get("LIHUI_SAML_X509CERT")}
        if get("LIHUI_SAML_SLO_URL"):
            idp["slo_url"] = get("LIHUI_SAML_SLO_URL")
    if idp:
        providers["saml"] = {
            "APPS": [
                {
                    "client_id": LIHUI_SSO_PROVIDER_ID,  # the "organization slug" in allauth's SAML URLs
                    "name": get("LIHUI_SAML_NAME") or "SAML",
                    "settings": {
                        "idp": idp,
                        "attribute_mapping": attributes,
                        "sp": {"entity_id": get("LIHUI_SAML_SP_ENTITY_ID")} if get("LIHUI_SAML_SP_ENTITY_ID") else {},
                        # Only assertions the IdP signed; a response to no request of ours is refused.
                        "advanced": {"want_assertion_signed": True, "reject_idp_initiated_sso": True, "strict": True},
                    },
                }
            ]
        }
    return providers


SOCIALACCOUNT_PROVIDERS = sso_providers()

# Work suites (lihui/directory/suites/): WeCom, DingTalk and Feishu as login and directory
# sources. The admin enters each app at /directory/suites/; its secret may come from here
# instead (LIHUI_WECOM_SECRET, LIHUI_DINGTALK_SECRET, LIHUI_FEISHU_SECRET, or their _FILE),
# which wins over the stored one. The vendors' hosts are settings so the tests, the demo and
# the benchmark can point them at the local suite server (python -m lihui.testing.suites).
LIHUI_WECOM_API = env_str("LIHUI_WECOM_API", "https://qyapi.weixin.qq.com")
LIHUI_WECOM_LOGIN = env_str("LIHUI_WECOM_LOGIN", "https://login.work.weixin.qq.com")
LIHUI_WECOM_OAUTH = env_str("LIHUI_WECOM_OAUTH", "https://open.weixin.qq.com")
LIHUI_DINGTALK_OAPI = env_str("LIHUI_DINGTALK_OAPI", "https://oapi.dingtalk.com")
LIHUI_DINGTALK_API = env_str("LIHUI_DINGTALK_API", "https://api.dingtalk.com")
LIHUI_DINGTALK_LOGIN = env_str("LIHUI_DINGTALK_LOGIN", "https://login.dingtalk.com")
# The DingTalk JSAPI the in-app login page loads (its requestAuthCode runs only inside DingTalk).
LIHUI_DINGTALK_JSAPI_URL = env_str("LIHUI_DINGTALK_JSAPI_URL", "https://g.alicdn.com/dingding/dingtalk-jsapi/3.0.25/dingtalk.open.js")
LIHUI_FEISHU_API = env_str("LIHUI_FEISHU_API", "https://open.feishu.cn")
LIHUI_FEISHU_ACCOUNTS = env_str("LIHUI_FEISHU_ACCOUNTS", "https://accounts.feishu.cn")
LIHUI_WECOM_SECRET = env_str("LIHUI_WECOM_SECRET")
LIHUI_DINGTALK_SECRET = env_str("LIHUI_DINGTALK_SECRET")
LIHUI_FEISHU_SECRET = env_str("LIHUI_FEISHU_SECRET")
LIHUI_SUITES_HTTP_TIMEOUT = env_int("LIHUI_SUITES_HTTP_TIMEOUT", 10)
# Rate limited anyway: wait LIHUI_SUITES_RETRY_SECONDS (doubling; Feishu says how long), at
# most LIHUI_SUITES_RETRIES times, then the sync fails with a clear report.
LIHUI_SUITES_RETRIES = env_int("LIHUI_SUITES_RETRIES", 3)
LIHUI_SUITES_RETRY_SECONDS = float(env_str("LIHUI_SUITES_RETRY_SECONDS", "1"))
# Seconds between two calls of one API, under each vendor's per-API limit (WeCom 10,000 a
# minute, DingTalk 20 a second, Feishu's contact APIs 50 a second).
LIHUI_SUITES_MIN_INTERVAL = {"wecom": 0.0, "dingtalk": 0.055, "feishu": 0.021}
