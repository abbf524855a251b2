"""Settings for the web process that the fault test kills: the test's own database (its name
comes from the environment) and quiet logs."""

import os

from lihui.settings import *  # noqa: F403
from lihui.settings import DATABASES

DATABASES = {"default": {**DATABASES["default"], "NAME": os.environ["LIHUI_FAULT_DB_NAME"], "CONN_MAX_AGE": 0}}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"handlers": [], "level": "WARNING"}}
# The tests hash passwords with MD5 for speed (conftest.py); the server must read those hashes.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
