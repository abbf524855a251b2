"""One call for every write that changes text the archive searches."""

from __future__ import annotations

from django.utils import timezone

from ..models import Meeting


def meeting_text_changed(*, meeting_id: int) -> None:
    """Mark the meeting for re-indexing (`Meeting.text_changed`); the search index catches
    up on its own, so a crash between the write and the indexing loses nothing."""
    Meeting.objects.filter(pk=meeting_id).update(text_changed=timezone.now())
