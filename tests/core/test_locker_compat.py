"""A locker written by the code before the locker was split (issue 14) opens and reads the same.

The folder under data/ was made by that code: an incident, two items (one deleted), a message,
a removal request, and log-head and item timestamps queued for an authority that was offline.
"""

import shutil
from pathlib import Path

import pytest

from reclaim.locker import Locker, NotFoundError, check_locker
from reclaim.locker._header import HEADER, read_header

MADE_BEFORE = Path(__file__).with_name("data") / "locker-made-before-the-split"
PASSPHRASE = "made before the split"
PHOTO, MESSAGE = "2251426e9bab48679302cf22e39e4910", "ea086ce9b1f746cab2cf1fdd1f8d6780"
DELETED_NAME, INCIDENT = "gone.txt", "4f81c8d1cd3b42739bfa61b3b433937d"
OFFLINE = "http://127.0.0.1:9/tsa"  # the discard port: nothing answers there


@pytest.fixture
def old(tmp_path: Path) -> Path:
    return Path(shutil.copytree(MADE_BEFORE, tmp_path / "locker"))


def test_its_header_reads_and_writes_back_byte_for_byte(old: Path) -> None:
    assert read_header(old).serialise() == (old / HEADER).read_bytes()


def test_it_opens_and_every_record_reads_as_it_was_written(old: Path) -> None:
    box = Locker.open(old, PASSPHRASE)
    assert [(i.id, i.name, i.incident) for i in box.items()] == [
        (PHOTO, "photo.jpg", INCIDENT),
        (MESSAGE, "message.txt", INCIDENT),
    ]
    assert b"".join(box.read(PHOTO)) == b"kept photo bytes"
    assert box.item(PHOTO).note == "from the chat" and box.item(PHOTO).details == {"width": "1"}
    assert box.incident(INCIDENT).summary == "a threat by message"
    assert box.request_records() == [{"platform": "example", "state": "draft"}]
    assert [(s.authority, s.time) for s in box.timestamps()] == [(OFFLINE, "pending")]
    assert box.damaged() == [] and check_locker(old, PASSPHRASE).problems == []


def test_its_deleted_item_stays_deleted(old: Path) -> None:
    box = Locker.open(old, PASSPHRASE)
    (deleted,) = [e for e in box.custody() if e.action == "item-deleted"]
    with pytest.raises(NotFoundError):
        box.item(str(deleted.item))
    assert DELETED_NAME not in {i.name for i in box.items()}


def test_it_takes_changes_and_its_queued_timestamps_are_asked_again(old: Path) -> None:
    box = Locker.open(old, PASSPHRASE)
    added = box.add(b"new", "new.txt", "text/plain")
    retried = box.retry_timestamps()  # the queues unseal; the authority is still offline
    assert [(s.authority, s.time) for s in retried] == [(OFFLINE, "pending")]
    reopened = Locker.open(old, PASSPHRASE)
    assert [i.name for i in reopened.items()] == ["photo.jpg", "message.txt", "new.txt"]
    assert reopened.item(added.id).sha256 == added.sha256
    assert reopened.custody()[-1].action == "item-added"
