"""Put on PYTHONPATH by bin/test-shifted only, so every Python process of the shifted run
(xdist workers, gunicorn, manage.py) has it. Under libfaketime, `time.sleep` fails with EINVAL:
Python sleeps with clock_nanosleep on an absolute monotonic deadline, which libfaketime
rewrites even when it leaves the monotonic clock alone. select()'s relative timeout is not
rewritten, so sleeping goes through it instead; nothing else changes."""

import select
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    select.select([], [], [], seconds)


time.sleep = _sleep
