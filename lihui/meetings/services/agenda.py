"""Preparing a meeting: its agenda (from the series' template), purpose, materials, guests,
and publishing the agenda."""

from __future__ import annotations

import codecs
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lihui import events
from lihui.people.models import Person
from lihui.regime.models import AgendaKind, Membership, PresenterRole
from lihui.regime.selectors import series_reporting_departments
from lihui.regime.services import MAX_ITEM_MINUTES

from ..models import AgendaItem, Amendment, Guest, Material, Meeting
from ..selectors import meeting_can_prepare, meeting_chair_id, meeting_is_participant, series_minute_taker_id
from .text import meeting_text_changed


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def agenda_ensure(*, meeting: Meeting) -> None:
    """Give the meeting its agenda from the series' template, once. A "department heads"
    line becomes one report item per department head on the roster."""
    if meeting.agenda_created:
        return
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.agenda_created:
            meeting.agenda_created = True
            return
        series = meeting.series
        chair_id = meeting_chair_id(meeting=meeting)
        taker_id = meeting.minute_taker_id or series_minute_taker_id(series=series)
        heads = list(series_reporting_departments(series=series))
        position = 0
        for line in series.agenda_template.all():
            if line.presenter_role == PresenterRole.DEPARTMENT_HEADS:
                for department in heads:
                    AgendaItem.objects.create(
                        meeting=meeting,
                        position=position,
                        kind=AgendaKind.REPORT,
                        title=_("%(department)s report") % {"department": department.name},
                        presenter=department.head,
                        minutes_allotted=line.minutes,
                    )
                    position += 1
                continue
            presenter = {
                PresenterRole.CHAIR: chair_id,
                PresenterRole.MINUTE_TAKER: taker_id,
            }.get(line.presenter_role, line.presenter_id)
            AgendaItem.objects.create(
                meeting=meeting,
                position=position,
                kind=line.kind,
                title=line.title,
                presenter_id=presenter,
                minutes_allotted=line.minutes,
            )
            position += 1
        Meeting.objects.filter(pk=meeting.pk).update(agenda_created=True)
        meeting.agenda_created = True


def _clean_item(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    if "title" in data:
        data["title"] = (data["title"] or "").strip()
        if not data["title"]:
            errors["title"] = [_("Give the item a title.")]
        elif len(data["title"]) > 200:
            errors["title"] = [_("The title is too long (200 characters at most).")]
    if "minutes_allotted" in data:
        minutes = data["minutes_allotted"]
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 < minutes <= MAX_ITEM_MINUTES:
            errors["minutes_allotted"] = [_("Minutes allotted must be from 1 to %(max)s.") % {"max": MAX_ITEM_MINUTES}]
    if "kind" in data and data["kind"] not in AgendaKind.values:
        errors["kind"] = [_("Unknown item kind.")]
    if "description" in data:
        data["description"] = data["description"] or ""
        if len(data["description"]) > 10000:
            errors["description"] = [_("The description is too long (10,000 characters at most).")]
    if errors:
        raise ValidationError(errors)
    return data


# What an amendment of a held meeting's agenda may change, and how the record labels it.
AMENDABLE = {"title": gettext_noop("title"), "kind": gettext_noop("kind"), "presenter": gettext_noop("presenter"),
             "minutes_allotted": gettext_noop("minutes allotted"), "description": gettext_noop("description"),
             "seconds_used": gettext_noop("time used"), "order": gettext_noop("order of the items")}  # fmt: skip


def meeting_is_record(meeting: Meeting) -> bool:
    """Ended (or entered as held): its agenda and timings are the record, changed only by an amendment."""
    return meeting.actual_end is not None or meeting.status == Meeting.Status.HELD


def _amendment_reason(*, actor: Person, meeting: Meeting, reason: str) -> str:
    """'' while the meeting is open; after it, the chair's reason (required) for amending the record."""
    if not meeting_is_record(meeting):
        return ""
    _require(meeting_can_prepare(person=actor, meeting=meeting))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("This meeting has ended: its agenda and timings are the record. To amend them, give a reason.")]})
    if len(reason) > 300:
        raise ValidationError({"reason": [_("The reason is too long (300 characters at most).")]})
    return reason


def _shown(name: str, value) -> str:
    if value is None or value == "":
        return ""
    if name == "seconds_used":
        return f"{int(value) // 60}:{int(value) % 60:02d}"
    if name == "kind":
        return str(AgendaKind(value).label) if value in AgendaKind.values else str(value)
    return str(value)


def _amend(*, actor: Person, meeting: Meeting, reason: str, subject: str, before: dict, after: dict) -> None:
    """Keep an amendment of a held meeting: with the meeting (shown on the recap) and in the audit log."""
    from lihui.audit.services import E, V, audit_record

    changes = [
        {"field": k, "label": AMENDABLE.get(k, k), "subject": subject, "before": _shown(k, before.get(k)), "after": _shown(k, after.get(k)), "i18n": ["label"]}
        for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)
    ]  # fmt: skip
    if not changes:
        return
    Amendment.objects.create(meeting=meeting, actor=actor, actor_name=actor.name or actor.get_username(), reason=reason, changes=changes)
    audit_record(actor=actor, series=meeting.series_id, meeting=meeting, entity=E.MEETING, object_id=meeting.pk, verb=V.AMENDED,
                 changes=[*changes, {"field": "reason", "label": gettext_noop("reason"), "before": None, "after": reason, "i18n": ["label"]}],
                 subject=subject)  # fmt: skip


def _item_values(item: AgendaItem | None) -> dict:
    if item is None:
        return {}
    return {k: (str(item.presenter) if item.presenter_id else "") if k == "presenter" else getattr(item, k) for k in AMENDABLE if k != "order"}


def agenda_item_add(*, actor: Person, meeting: Meeting, data: dict, reason: str = "") -> AgendaItem:
    _require(meeting_can_prepare(person=actor, meeting=meeting))
    reason = _amendment_reason(actor=actor, meeting=meeting, reason=reason)
    data = _clean_item({"kind": AgendaKind.OTHER, **data})
    presenter = data.pop("presenter", None)
    if presenter is not None and not meeting_is_participant(person=presenter, meeting=meeting):
        raise ValidationError({"presenter": [_("The presenter must be a participant of the meeting.")]})
    with transaction.atomic():
        last = meeting.items.aggregate(m=Max("position"))["m"]
        item = AgendaItem.objects.create(meeting=meeting, position=(last or 0) + 1, presenter=presenter, **data)
        if reason:
            _amend(actor=actor, meeting=meeting, reason=reason, subject=item.title, before={}, after=_item_values(item))
    meeting_text_changed(meeting_id=meeting.pk)
    return item


def agenda_item_update(*, actor: Person, item: AgendaItem, data: dict, reason: str = "") -> AgendaItem:
    """The chair changes any item; a presenter describes their own (the agenda's structure —
    title, kind, time — is the chair's). After the meeting, only an amendment with a reason."""
    meeting = item.meeting
    own = item.presenter_id == actor.pk
    if not meeting_can_prepare(person=actor, meeting=meeting):
        _require(own)
        if set(data) - {"description"}:
            raise PermissionDenied
    reason = _amendment_reason(actor=actor, meeting=meeting, reason=reason)
    if "seconds_used" in data and not reason:
        raise ValidationError({"seconds_used": [_("The time used is recorded by the meeting's timer; it can only be amended after the meeting.")]})
    data = _clean_item(dict(data))
    if "seconds_used" in data:
        used = data["seconds_used"]
        if not isinstance(used, int) or isinstance(used, bool) or not 0 <= used <= MAX_ITEM_MINUTES * 60:
            raise ValidationError({"seconds_used": [_("The time used must be from 0 to %(max)s minutes.") % {"max": MAX_ITEM_MINUTES}]})
    if "presenter" in data and data["presenter"] is not None:
        if not meeting_is_participant(person=data["presenter"], meeting=meeting):
            raise ValidationError({"presenter": [_("The presenter must be a participant of the meeting.")]})
    with transaction.atomic():
        before = _item_values(item)
        for name, value in data.items():
            setattr(item, name, value)
        item.save()
        if reason:
            _amend(actor=actor, meeting=meeting, reason=reason, subject=item.title, before=before, after=_item_values(item))
    meeting_text_changed(meeting_id=meeting.pk)
    return item


def agenda_item_remove(*, actor: Person, item: AgendaItem, reason: str = "") -> None:
    """The chair removes an item not yet discussed (a presenter cannot take theirs off the chair's agenda)."""
    meeting = item.meeting
    _require(meeting_can_prepare(person=actor, meeting=meeting))
    _amendment_reason(actor=actor, meeting=meeting, reason=reason)
    if meeting.current_item_id == item.pk or item.seconds_used or item.notes:
        raise ValidationError({"__all__": [_("This item was already discussed; it cannot be removed.")]})
    with transaction.atomic():
        before = _item_values(item)
        subject = item.title
        item.delete()
        if reason:
            _amend(actor=actor, meeting=meeting, reason=reason.strip(), subject=subject, before=before, after={})
    meeting_text_changed(meeting_id=meeting.pk)


def agenda_reorder(*, actor: Person, meeting: Meeting, order: list[int], reason: str = "") -> None:
    """Put the items in the given order (ids); every item must be named once."""
    _require(meeting_can_prepare(person=actor, meeting=meeting))
    reason = _amendment_reason(actor=actor, meeting=meeting, reason=reason)
    items = {i.pk: i for i in meeting.items.all()}
    if sorted(order) != sorted(items):
        raise ValidationError({"order": [_("Name every item of the agenda once.")]})
    with transaction.atomic():
        was = [i.title for i in sorted(items.values(), key=lambda i: (i.position, i.pk))]
        for position, pk in enumerate(order):
            items[pk].position = position
        AgendaItem.objects.bulk_update(items.values(), ["position"])
        if reason:
            now = [items[pk].title for pk in order]
            _amend(actor=actor, meeting=meeting, reason=reason, subject="", before={"order": " / ".join(was)}, after={"order": " / ".join(now)})


def meeting_purpose_set(*, actor: Person, meeting: Meeting, purpose: str) -> Meeting:
    _require(meeting_can_prepare(person=actor, meeting=meeting))
    purpose = (purpose or "").strip()
    if len(purpose) > 2000:
        raise ValidationError({"purpose": [_("The purpose is too long (2,000 characters at most).")]})
    meeting.purpose = purpose
    meeting.save(update_fields=["purpose"])
    meeting_text_changed(meeting_id=meeting.pk)
    return meeting


def agenda_publish(*, actor: Person, meeting: Meeting) -> Meeting:
    """Send the agenda now ("send now"; again after changes): to everyone on the roster,
    the guests and the series' group robots, in the same transaction as the mark.

    The meeting row is locked and what would go out is compared with what last went out:
    an unchanged agenda is not sent again (a double click, twenty retried requests), and
    `agenda_published_at` keeps the time it really went out."""
    _require(meeting_can_prepare(person=actor, meeting=meeting))
    if not meeting.items.exists():
        raise ValidationError({"__all__": [_("The agenda is empty.")]})
    if meeting.status != Meeting.Status.SCHEDULED:
        raise ValidationError({"__all__": [_("Only a planned meeting's agenda can be sent.")]})
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        fingerprint = events.agenda_fingerprint(meeting=locked)
        if locked.agenda_published_at is None or locked.agenda_published_fingerprint != fingerprint:
            locked.agenda_published_at = timezone.now()
            locked.agenda_published_fingerprint = fingerprint
            locked.save(update_fields=["agenda_published_at", "agenda_published_fingerprint"])
            events.agenda_published.announce(meeting=locked)
    meeting.agenda_published_at = locked.agenda_published_at
    meeting.agenda_published_fingerprint = locked.agenda_published_fingerprint
    return meeting


def agenda_publish_system(*, meeting: Meeting, now) -> bool:
    """The worker, at the series' lead time: send an agenda nobody sent. Claimed with a
    conditional UPDATE so that of several workers one sends it. False if empty or taken."""
    if not meeting.items.exists():
        return False
    with transaction.atomic():
        if not Meeting.objects.filter(pk=meeting.pk, agenda_published_at__isnull=True).update(agenda_published_at=now):
            return False
        meeting.agenda_published_at = now
        meeting.agenda_published_fingerprint = events.agenda_fingerprint(meeting=meeting)
        Meeting.objects.filter(pk=meeting.pk).update(agenda_published_fingerprint=meeting.agenda_published_fingerprint)
        events.agenda_published.announce(meeting=meeting)
    return True


# --- materials ----------------------------------------------------------------------

TEXT_TYPES = {"txt": "text/plain", "csv": "text/csv", "md": "text/markdown"}
# Office files are zip containers: their signature says "zip", their name says which.
OFFICE_ZIP = {"docx", "xlsx", "pptx"}


def _sniff(upload: UploadedFile) -> tuple[str, str]:
    """(extension, content type) from the file's content; the name only tells Office files apart."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    suffix = PurePath(upload.name or "").suffix.lower().lstrip(".")
    kind = filetype.guess(head)
    if kind is not None:
        if kind.extension == "zip" and suffix in OFFICE_ZIP:
            return suffix, kind.mime
        if kind.extension in ("docx", "xlsx", "pptx") and suffix in OFFICE_ZIP:
            return kind.extension, kind.mime
        if kind.extension == "jpg" or kind.extension == "jpeg":
            return "jpg", kind.mime
        return kind.extension, kind.mime
    if b"\x00" not in head:
        try:
            # Incremental: a multi-byte character cut at the end of the sample is still text.
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        except UnicodeDecodeError:
            return "", "application/octet-stream"
        ext = suffix if suffix in TEXT_TYPES else "txt"
        return ext, TEXT_TYPES[ext]
    return "", "application/octet-stream"


SAME_TYPE = {"jpg": {"jpg", "jpeg"}, "md": {"md", "markdown"}}


def _name_for(name: str, ext: str) -> str:
    """The download name ends in the type the content is: `setup.bat` that is text is
    served as `setup.bat.txt`, a PDF named `report.exe` as `report.exe.pdf`."""
    suffix = PurePath(name).suffix.lower().lstrip(".")
    if suffix not in SAME_TYPE.get(ext, {ext}):
        name = f"{name}.{ext}"
    if len(name) > 200:
        name = name[: 200 - len(ext) - 1] + "." + ext
    return name


def material_add(*, actor: Person, item: AgendaItem, upload: UploadedFile) -> Material:
    meeting = item.meeting
    _require(meeting_can_prepare(person=actor, meeting=meeting) or item.presenter_id == actor.pk)
    raw_name = upload.name or ""
    name = PurePath(raw_name.replace("\\", "/")).name
    if not name or name != raw_name or name in (".", ".."):
        raise ValidationError({"file": [_("The file name must not contain a path.")]})
    if upload.size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    if upload.size > settings.LIHUI_MATERIAL_MAX_BYTES:
        raise ValidationError(
            {"file": [_("The file is too large (%(max)s MB at most).") % {"max": settings.LIHUI_MATERIAL_MAX_BYTES // (1024 * 1024)}]}
        )
    ext, content_type = _sniff(upload)
    if ext not in settings.LIHUI_MATERIAL_TYPES:
        raise ValidationError(
            {"file": [_("This type of file is not accepted. Accepted: %(types)s.") % {"types": ", ".join(settings.LIHUI_MATERIAL_TYPES)}]}
        )
    material = Material(item=item, name=_name_for(name, ext), size=upload.size, content_type=content_type, uploaded_by=actor)
    material.file.save("upload", upload, save=False)
    material.save()
    return material


def material_remove(*, actor: Person, material: Material) -> None:
    item = material.item
    _require(meeting_can_prepare(person=actor, meeting=item.meeting) or material.uploaded_by_id == actor.pk)
    material.file.delete(save=False)
    material.delete()


# --- guests -------------------------------------------------------------------------


def guest_invite(
    *, actor: Person, item: AgendaItem, person: Person | None = None, name: str = "", email: str = "", reason: str = ""
) -> Guest:
    """Invite someone for one topic: 「财务 for the budget item」."""
    _require(meeting_can_prepare(person=actor, meeting=item.meeting) or item.presenter_id == actor.pk)
    name, email, reason = (name or "").strip(), (email or "").strip(), (reason or "").strip()
    guest = Guest(item=item, person=person, name=name if person is None else "", email=email, reason=reason)
    errors: dict[str, list[str]] = {}
    if person is None and not name:
        errors["name"] = [_("Give the guest's name, or choose a colleague.")]
    if len(reason) > 200:
        errors["reason"] = [_("The reason is too long (200 characters at most).")]
    if errors:
        raise ValidationError(errors)
    guest.full_clean(exclude=["item", "person"])
    if person is not None and not person.is_active:
        raise ValidationError({"person": [_("This person's account is not active.")]})
    if person is not None and Membership.objects.filter(series_id=item.meeting.series_id, person=person).exists():
        raise ValidationError({"person": [_("This person is on the roster and attends anyway.")]})
    if person is not None and Guest.objects.filter(item__meeting=item.meeting, item=item, person=person).exists():
        raise ValidationError({"person": [_("This person is already invited to this item.")]})
    guest.save()
    return guest


def guest_remove(*, actor: Person, guest: Guest) -> None:
    _require(meeting_can_prepare(person=actor, meeting=guest.item.meeting) or guest.item.presenter_id == actor.pk)
    guest.delete()


def agenda_reheaded(*, heads: list[tuple[int, int | None, int | None]], now=None) -> int:
    """Departments got new heads (`events.departments_reheaded`, from the directory): the
    department reports of future meetings whose agenda is already drawn up go to the new
    head (nobody, to be assigned, when the department has none). Returns how many moved."""
    now = now or timezone.now()
    moved = 0
    future = AgendaItem.objects.filter(
        kind=AgendaKind.REPORT, meeting__start__gte=now, meeting__status=Meeting.Status.SCHEDULED, meeting__actual_start__isnull=True
    )
    for _department, old, new in heads:
        if old is not None and old != new:
            moved += future.filter(presenter_id=old).update(presenter_id=new)
    return moved
