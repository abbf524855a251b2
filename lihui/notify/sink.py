"""A loopback HTTP receiver that stands in for a group robot or webhook: it records every
POST (raw receipts, so a resend counts twice, by its idempotency key), checks the
HMAC-SHA256 signature when given the secret, and answers {"errcode": 0}. Used by the tests
(lihui/notify/tests/conftest.py) and the delivery benchmark (bench/delivery.py); never by
the app itself."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ANSWER = b'{"errcode":0,"errmsg":"ok"}'


class RobotSink:
    def __init__(self, secret: str = "", *, keep_bodies: bool = True):
        sink = self
        self.secret = secret.encode("utf-8")
        self.keep_bodies = keep_bodies
        self.received: list[dict] = []
        self.keys: Counter = Counter()
        self.posts = 0
        self.bad_signatures = 0
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                good = True
                if sink.secret:
                    expected = "sha256=" + hmac.new(sink.secret, body, hashlib.sha256).hexdigest()
                    good = hmac.compare_digest(expected, self.headers.get("X-Lihui-Signature", ""))
                with sink.lock:
                    sink.posts += 1
                    sink.keys[self.headers.get("X-Lihui-Idempotency-Key")] += 1
                    sink.bad_signatures += not good
                    if sink.keep_bodies:
                        sink.received.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(ANSWER)))
                self.end_headers()
                self.wfile.write(ANSWER)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 128
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="robot-sink", daemon=True)
        self.thread.start()

    def snapshot(self) -> tuple[Counter, int, int]:
        """(receipts per idempotency key, POSTs, bad signatures), consistent with each other."""
        with self.lock:
            return Counter(self.keys), self.posts, self.bad_signatures

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.keys.clear()
            self.posts = 0
            self.bad_signatures = 0

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
