"""Linking an item to an incident after it was kept, and notes sealed to a locker's inbox key
(what the web keeps for the owner while the locker is locked)."""

from dataclasses import replace
from pathlib import Path

import pytest

from reclaim.locker import (
    Incident,
    Locker,
    LockerError,
    SealError,
    Under18Error,
)

from ..lockers import SHARED_PASSPHRASE, copy_locker

PASSPHRASE = SHARED_PASSPHRASE
ADULT = Incident(kind="shared", summary="Posted on a forum")


@pytest.fixture
def box(tmp_path: Path) -> Locker:
    return copy_locker(tmp_path / "locker", PASSPHRASE)[0]


def test_an_item_is_linked_and_unlinked_with_custody_entries(box: Locker) -> None:
    incident = box.add_incident(ADULT)
    item = box.add(b"png bytes", "shot.png", "image/png")
    assert box.link_item(item.id, incident.id).incident == incident.id
    assert Locker.open(box.root, PASSPHRASE).items()[0].incident == incident.id
    assert box.link_item(item.id, None).incident is None
    linked = [e for e in box.custody() if e.action == "item-linked"]
    assert [(e.item, e.details["incident"], e.details["was"]) for e in linked] == [
        (item.id, incident.id, ""),
        (item.id, "", incident.id),
    ]
    assert Locker.open(box.root, PASSPHRASE).items()[0].sha256 == item.sha256


def test_media_is_never_linked_to_an_under_18_incident_but_a_message_is(box: Locker) -> None:
    young = box.add_incident(replace(ADULT, under_18=True))
    picture = box.add(b"png bytes", "shot.png", "image/png")
    with pytest.raises(Under18Error):
        box.link_item(picture.id, young.id)
    message = box.add_message("pay or else", "someone", "2026-11-20T21:30")
    assert box.link_item(message.id, young.id).incident == young.id
    assert [e.item for e in box.custody() if e.action == "item-linked"] == [message.id]


def test_linking_to_an_unknown_incident_or_item_is_refused(box: Locker) -> None:
    item = box.add(b"png bytes", "shot.png", "image/png")
    with pytest.raises(LockerError):
        box.link_item(item.id, "no-such-incident")
    with pytest.raises(LockerError):
        box.link_item("no-such-item", None)


def test_a_note_sealed_without_the_key_opens_only_with_the_locker(box: Locker) -> None:
    sealed = Locker.seal_note(box.root, "draft", b"what was typed")
    assert b"what was typed" not in sealed
    assert box.open_note("draft", sealed) == b"what was typed"
    with pytest.raises(SealError):
        box.open_note("another purpose", sealed)
    changed = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(SealError):
        box.open_note("draft", changed)
