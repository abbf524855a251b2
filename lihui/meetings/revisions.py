"""Texts that several people edit and save by revision number: an item's live notes
(`AgendaItem.notes_revision`) and the minutes (`lihui.minutes`, one row per revision). A
save based on an older revision than the one saved meanwhile is refused with both texts,
so nothing is overwritten and nothing is lost; the caller shows them side by side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Revision(Protocol):
    number: int
    text: str


@dataclass(frozen=True)
class SavedText:
    """A text as saved and its revision number (a minutes revision row has the same two)."""

    number: int
    text: str


class RevisionConflict(Exception):
    """Someone saved since the editor loaded the text: `theirs`, the revision saved
    meanwhile (`.number`, `.text`), and `yours`, the text that was refused."""

    def __init__(self, *, theirs: Revision, yours: str):
        super().__init__("revision conflict")
        self.theirs = theirs
        self.yours = yours
