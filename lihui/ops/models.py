from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per worker process ("host:pid"), stamped at the start of each pass."""

    name = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
