"""The WSGI application with one service made to stall inside its transaction, for the fault
test: `LIHUI_FAULT_STALL` names a function of lihui.meetings.services.planning; after it has done its
writes (uncommitted), the process writes `LIHUI_FAULT_MARKER` and sleeps until it is killed.
Without `LIHUI_FAULT_STALL` this is the plain application (the restart after the kill)."""

import functools
import os
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lihui.tests.fault_settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

_stall = os.environ.get("LIHUI_FAULT_STALL")
if _stall:
    from lihui.meetings.services import planning as _services

    _original = getattr(_services, _stall)

    @functools.wraps(_original)
    def _stalled(*args, **kwargs):
        result = _original(*args, **kwargs)
        Path(os.environ["LIHUI_FAULT_MARKER"]).write_text(_stall)
        time.sleep(300)  # the test kills the process long before this ends
        return result

    setattr(_services, _stall, _stalled)
