"""Writes for the minutes: saving the text as append-only revisions with a conflict check,
submitting them to the chair, publishing (announced as `events.minutes_published`), each
change after publication in the audit log."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lihui import events
from lihui.audit.services import E, V, audit_change, audit_record
from lihui.meetings.models import Meeting
from lihui.meetings.revisions import RevisionConflict
from lihui.meetings.selectors import meeting_can_run, meeting_can_take_notes
from lihui.meetings.services.text import meeting_text_changed
from lihui.people.models import Person

from .documents import minutes_markdown
from .models import Minutes, MinutesRevision
from .selectors import minutes_assemble, minutes_can_publish

MAX_TEXT = 200_000


def _clean_text(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\x00", "")
    if not text.strip():
        raise ValidationError({"text": [_("The minutes are empty.")]})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": [_("The minutes are too long (200,000 characters at most).")]})
    return text


def _held(meeting: Meeting) -> None:
    if meeting.actual_start is None and meeting.status != Meeting.Status.HELD:
        raise ValidationError({"__all__": [_("The meeting has not taken place yet.")]})


def _locked_record(meeting: Meeting) -> Minutes:
    Minutes.objects.get_or_create(meeting=meeting)
    return Minutes.objects.select_for_update().get(meeting=meeting)


def _append(record: Minutes, *, actor: Person, text: str, comment: str) -> MinutesRevision:
    revision = MinutesRevision.objects.create(
        minutes=record, number=record.head + 1, text=text, author=actor, comment=comment[:200],
        published=record.state == Minutes.State.PUBLISHED,
    )  # fmt: skip
    record.head = revision.number
    record.save(update_fields=["head"])
    return revision


REVISION_LABEL = gettext_lazy("revision")
LENGTH_LABEL = gettext_lazy("length (characters)")
COMMENT_LABEL = MinutesRevision._meta.get_field("comment").verbose_name


def _audit_minutes(actor: Person, meeting: Meeting, record: Minutes, verb: str, changes: list[dict]) -> None:
    audit_record(actor=actor, series=meeting.series_id, meeting=meeting, entity=E.MINUTES, object_id=record.pk, verb=verb,
                 changes=changes, subject=str(meeting))  # fmt: skip


def minutes_save(*, actor: Person, meeting: Meeting, text: str, base_revision: int, comment: str = "") -> MinutesRevision:
    """Save the text as a new revision if nobody saved since `base_revision` (0: the
    assembled draft). A stale base raises `RevisionConflict` with both texts: nothing is
    overwritten, nothing is lost."""
    if not meeting_can_take_notes(person=actor, meeting=meeting):
        raise PermissionDenied
    _held(meeting)
    text = _clean_text(text)
    comment = " ".join((comment or "").replace("\x00", "").split())  # NUL: as the text, dropped
    if len(comment) > 200:
        raise ValidationError({"comment": [_("Keep the note on what changed under 200 characters.")]})
    with transaction.atomic():
        record = _locked_record(meeting)
        if base_revision > record.head:  # a base from the future: refuse, whatever the text
            raise ValidationError({"base_revision": [_("This revision does not exist.")]})
        if record.head != base_revision:
            theirs = record.revisions.select_related("author").get(number=record.head)
            if theirs.text == text:
                return theirs  # the same text arrived twice (a retry): one revision
            raise RevisionConflict(theirs=theirs, yours=text)
        revision = _append(record, actor=actor, text=text, comment=comment)
        meeting_text_changed(meeting_id=meeting.pk)
        if revision.published:  # edits after publication are logged: revision numbers and lengths, not the text
            _audit_minutes(actor, meeting, record, V.EDITED, [
                audit_change("revision", REVISION_LABEL, base_revision, revision.number),
                audit_change("length", LENGTH_LABEL, len(record.revisions.get(number=base_revision).text), len(text)),
                *([audit_change("comment", COMMENT_LABEL, None, comment)] if comment else []),
            ])  # fmt: skip
    return revision


def _first_revision(record: Minutes, *, actor: Person, meeting: Meeting) -> None:
    if not record.head:
        _append(record, actor=actor, text=minutes_markdown(minutes_assemble(meeting=meeting)), comment=_("Assembled from the meeting"))


def _state_change(before: str, after: str) -> dict:
    labels = dict(Minutes.State.choices)
    return audit_change("state", Minutes._meta.get_field("state").verbose_name, labels[before], labels[after], i18n=True)


def minutes_submit(*, actor: Person, meeting: Meeting) -> Minutes:
    """Hand the minutes to the chair for approval (series that ask for it)."""
    if not meeting_can_take_notes(person=actor, meeting=meeting):
        raise PermissionDenied
    _held(meeting)
    if not meeting.series.minutes_need_approval:
        raise ValidationError({"__all__": [_("This series publishes minutes without approval.")]})
    with transaction.atomic():
        record = _locked_record(meeting)
        if record.state != Minutes.State.DRAFT:
            raise ValidationError({"__all__": [_("The minutes were already submitted or published.")]})
        _first_revision(record, actor=actor, meeting=meeting)
        record.state = Minutes.State.SUBMITTED
        record.submitted_at, record.submitted_by = timezone.now(), actor
        record.save()
        revision = audit_change("revision", REVISION_LABEL, None, record.head)
        _audit_minutes(actor, meeting, record, V.SUBMITTED, [_state_change(Minutes.State.DRAFT, record.state), revision])
    return record


def minutes_publish(*, actor: Person, meeting: Meeting) -> Minutes:
    """Publish (or, where the chair approves, approve and publish). The first publication's
    time is kept and compared with the regime's deadline; later edits are new revisions."""
    if not meeting_can_take_notes(person=actor, meeting=meeting) and not meeting_can_run(person=actor, meeting=meeting):
        raise PermissionDenied
    if not minutes_can_publish(person=actor, meeting=meeting):
        raise ValidationError({"__all__": [_("In this series the chair approves the minutes: submit them for approval.")]})
    _held(meeting)
    with transaction.atomic():
        record = _locked_record(meeting)
        if record.state == Minutes.State.PUBLISHED:
            raise ValidationError({"__all__": [_("The minutes are already published.")]})
        state_before = record.state
        _first_revision(record, actor=actor, meeting=meeting)
        if meeting.series.minutes_need_approval:
            record.approved_by = actor
        record.state = Minutes.State.PUBLISHED
        record.published_at, record.published_by = timezone.now(), actor
        record.save()
        meeting_text_changed(meeting_id=meeting.pk)
        events.minutes_published.announce(meeting=meeting, revision=record.head)
        revision = audit_change("revision", REVISION_LABEL, None, record.head)
        _audit_minutes(actor, meeting, record, V.PUBLISHED, [_state_change(state_before, record.state), revision])
    return record
