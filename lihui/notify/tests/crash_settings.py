"""Settings for the crash test's worker subprocess: the test's own database (its name comes
from the environment), a local sink allowed, and short leases so a killed worker's claim
comes back quickly."""

import os

from lihui.settings import *  # noqa: F403
from lihui.settings import DATABASES

DATABASES = {"default": {**DATABASES["default"], "NAME": os.environ["LIHUI_CRASH_DB_NAME"], "CONN_MAX_AGE": 0}}
LIHUI_NOTIFY_ALLOW_PRIVATE = True
LIHUI_NOTIFY_LEASE_SECONDS = 1
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"handlers": [], "level": "WARNING"}}
