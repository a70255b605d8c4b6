"""Notes on a case: written and read through the door, the text sealed with the helpline's key.

A note's words are case content: they are sealed (reclaim.web.console.keys) before they reach
the database and unsealed only for a member the matrix lets read notes, with an audit entry.
The timeline says that a note was added, never what it says.
"""

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone

from reclaim.web.console import drafts, keys
from reclaim.web.console.cases import open_case
from reclaim.web.console.models import Case, CaseNote, StaffMember
from reclaim.web.console.permissions import Action

MAX_NOTE_CHARS = 10_000


class NoteError(Exception):
    """A note cannot be written as given; the message says why."""


@dataclass(frozen=True)
class ShownNote:
    """A note as its page shows it."""

    author: str
    written_at: object
    text: str


@dataclass(frozen=True)
class Notes:
    """A case and its notes, newest first."""

    case: Case
    notes: list[ShownNote]


def read_notes(request: HttpRequest, number: str) -> Notes:
    """Return case ``number``'s notes, unsealed (audited as a reading of notes)."""
    case = open_case(request, number, Action.READ_NOTES)
    found = case.notes.select_related("author__user").order_by("-written_at", "-pk")
    shown = [
        ShownNote(
            note.author.user.get_username(),
            note.written_at,
            keys.unseal(case.helpline, bytes(note.sealed_text), note_name(case)).decode(),
        )
        for note in found
    ]
    return Notes(case, shown)


def add_note(request: HttpRequest, number: str, text: str) -> Case:
    """Add a note to case ``number`` as the member; return the case."""
    text = text.strip()
    if not text:
        raise NoteError("Write the note first.")
    if len(text) > MAX_NOTE_CHARS:
        raise NoteError(f"A note holds up to {MAX_NOTE_CHARS} characters.")

    def change(case: Case, member: StaffMember) -> dict[str, str]:
        note = write_note(case, member, text)
        drafts.forget(member, "notes", case)
        return {"event": "note added", "note": str(note.pk)}

    return open_case(request, number, Action.WRITE_NOTES, change=change)


def write_note(case: Case, member: StaffMember, text: str) -> CaseNote:
    """Keep ``text`` as a sealed note on ``case`` (the caller has opened it through the door)."""
    sealed = keys.seal(case.helpline, text.encode(), note_name(case))
    return CaseNote.objects.create(
        case=case, author=member, written_at=timezone.now(), sealed_text=sealed
    )


def note_name(case: Case) -> bytes:
    """Return the sealing name of ``case``'s notes: a note moved to another case does not open."""
    return b"case-note:%d" % case.pk
