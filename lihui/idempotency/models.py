from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotencyKey(models.Model):
    """The first answer to one (person, operation, key): written in the same transaction
    as the change it answers, so it exists exactly when the change does."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    operation = models.CharField(max_length=50)
    key = models.CharField(max_length=255)
    # sha256 of method, path and body: an API key reused for another request is refused.
    fingerprint = models.CharField(max_length=64, blank=True)
    status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=200, blank=True)
    location = models.CharField(max_length=2000, blank=True)
    body = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "operation", "key"], name="idempotency_key_once")]

    def __str__(self):
        return f"{self.operation} {self.key}"
