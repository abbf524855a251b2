"""Reading back what Django's file e-mail backend wrote to EMAIL_FILE_PATH, for the admins'
sent-mail page (a fresh install without SMTP keeps its mail there).

The backend appends each message to one file per connection, each followed by a line of
79 '-' (django/core/mail/backends/filebased.py). Nothing here trusts a name from the URL:
only regular files directly in the directory are read."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

SEPARATOR = b"\n" + b"-" * 79 + b"\n"
# A message starts with a header line; a chunk that does not was a body line of dashes.
HEADER_START = re.compile(rb"[!-9;-~]+:")


@dataclass(frozen=True)
class MailSummary:
    name: str  # the file
    index: int  # the message's position in it
    date: dt.datetime | None
    to: str
    subject: str


def mail_dir() -> Path:
    return Path(settings.EMAIL_FILE_PATH)


def _files() -> list[os.DirEntry]:
    try:
        with os.scandir(mail_dir()) as entries:
            return [e for e in entries if e.is_file(follow_symlinks=False) and not e.name.startswith(".")]
    except (FileNotFoundError, NotADirectoryError):
        return []


def _split(data: bytes) -> list[bytes]:
    messages: list[bytes] = []
    for chunk in data.split(SEPARATOR):
        if messages and not HEADER_START.match(chunk):
            messages[-1] += SEPARATOR + chunk
        else:
            messages.append(chunk)
    return [m for m in messages if m.strip()]


def _date(value: str | None, fallback: dt.datetime) -> dt.datetime:
    try:
        date = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        date = None
    if date is None:
        return fallback
    return date if timezone.is_aware(date) else timezone.make_aware(date, dt.UTC)


def mail_list() -> list[MailSummary]:
    """Every message in the directory, newest first. Only the headers are parsed."""
    parser = BytesHeaderParser(policy=policy.default)
    found = []
    for entry in _files():
        try:
            data = Path(entry.path).read_bytes()
            modified = dt.datetime.fromtimestamp(entry.stat(follow_symlinks=False).st_mtime, tz=dt.UTC)
        except OSError:
            continue
        for index, raw in enumerate(_split(data)):
            headers = parser.parsebytes(raw)
            found.append(
                MailSummary(
                    name=entry.name,
                    index=index,
                    date=_date(headers.get("Date"), modified),
                    to=str(headers.get("To", "")),
                    subject=str(headers.get("Subject", "")),
                )
            )
    found.sort(key=lambda m: (m.date, m.name, m.index), reverse=True)
    return found


def mail_get(*, name: str, index: int) -> EmailMessage | None:
    """The message, or None when `name` is not a mail file directly in the directory."""
    entry = next((e for e in _files() if e.name == name), None)
    if entry is None:
        return None
    try:
        messages = _split(Path(entry.path).read_bytes())
    except OSError:
        return None
    if not 0 <= index < len(messages):
        return None
    return BytesParser(policy=policy.default).parsebytes(messages[index])


@dataclass(frozen=True)
class MailParts:
    text: str | None
    html_size: int | None  # never rendered as HTML: only its size is shown
    attachments: list[tuple[int, EmailMessage]]  # (position in walk(), part)


def mail_parts(message: EmailMessage) -> MailParts:
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    attachments = [
        (position, part)
        for position, part in enumerate(message.walk())
        if not part.is_multipart() and part is not text_part and part is not html_part
    ]
    text = text_part.get_content() if text_part is not None else None
    html_size = len(html_part.get_payload(decode=True) or b"") if html_part is not None else None
    return MailParts(text=text, html_size=html_size, attachments=attachments)


def mail_part(*, message: EmailMessage, position: int) -> EmailMessage | None:
    """An attachment of the message by its position, or None."""
    return next((part for p, part in mail_parts(message).attachments if p == position), None)


def part_filename(part: EmailMessage, position: int) -> str:
    return os.path.basename(part.get_filename() or "") or f"part-{position}"
