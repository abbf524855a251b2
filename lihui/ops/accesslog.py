"""gunicorn's access log without secrets: `--logger-class lihui.ops.accesslog.RedactingLogger`
(bin/serve, deploy/systemd/lihui-web.service). The request line, path, query and referer of
every line go through the same mask as the application's logs (lihui/ops/logging.py), so a
calendar feed's address never reaches a log file or a log collector."""

from __future__ import annotations

from gunicorn.glogging import Logger

from lihui.ops.logging import redact_url


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        # Every string atom, headers included ({referer}i): a new format cannot leak one.
        return {key: redact_url(value) if isinstance(value, str) else value for key, value in atoms.items()}
