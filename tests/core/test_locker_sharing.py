"""The locker shared by several writers (browser tabs, a worker) and its inbox for captures."""

import json
import os
import threading
import time
from pathlib import Path

import pytest

from reclaim.locker import (
    Incident,
    Locker,
    LockerError,
    WrongKeyError,
    verify_chain,
)

from ..lockers import copy_locker

PASSPHRASE = "correct horse battery staple"
MARKER = b"reclaim-inbox-plaintext-marker-51c2" * 4


@pytest.fixture
def box(tmp_path: Path) -> Locker:
    return copy_locker(tmp_path / "locker", PASSPHRASE)[0]


def capture_files(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    (folder / "page.html").write_bytes(b"<p>" + MARKER + b"</p>")
    (folder / "metadata.json").write_text('{"status": 200}')
    return {"page.html": folder / "page.html", "metadata.json": folder / "metadata.json"}


def test_resume_with_the_session_key_opens_the_same_locker(box: Locker) -> None:
    box.add(b"one", "one.txt", "text/plain")
    again = Locker.resume(box.root, box.session_key())
    assert [item.name for item in again.items()] == ["one.txt"]


def test_resume_with_another_key_is_refused(box: Locker) -> None:
    with pytest.raises(WrongKeyError):
        Locker.resume(box.root, bytes(32))


def test_two_open_copies_writing_in_turn_keep_one_valid_chain(box: Locker) -> None:
    other = Locker.resume(box.root, box.session_key())
    box.add(b"from the first tab", "a.txt", "text/plain")
    other.add(b"from the second tab", "b.txt", "text/plain")
    box.add(b"first tab again", "c.txt", "text/plain")
    reopened = Locker.open(box.root, PASSPHRASE)
    assert sorted(item.name for item in reopened.items()) == ["a.txt", "b.txt", "c.txt"]
    verify_chain(reopened.custody(), reopened.public_key())


def test_writers_in_many_threads_never_break_the_log(box: Locker) -> None:
    def add_some(number: int) -> None:
        mine = Locker.resume(box.root, box.session_key())
        for n in range(5):
            mine.add(f"{number}-{n}".encode(), f"{number}-{n}.txt", "text/plain")

    threads = [threading.Thread(target=add_some, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reopened = Locker.open(box.root, PASSPHRASE)
    assert len(reopened.items()) == 20
    verify_chain(reopened.custody(), reopened.public_key())


def test_a_delivery_becomes_items_with_its_details_and_custody(box: Locker, tmp_path: Path) -> None:
    incident = box.add_incident(Incident("shared", "posted on a forum"))
    details = {"url": "https://example.org/post", "captured_utc": "2026-11-24T10:00:00Z"}
    Locker.deliver(box.root, capture_files(tmp_path / "cap"), "capture", incident.id, details)
    assert [d.names for d in box.deliveries()] == [("page.html", "metadata.json")]
    added = box.accept_deliveries()
    assert [item.name for item in added] == ["page.html", "metadata.json"]
    assert all(item.kind == "capture" and item.incident == incident.id for item in added)
    assert added[0].details["url"] == "https://example.org/post"
    assert b"".join(box.read(added[0].id)) == b"<p>" + MARKER + b"</p>"
    assert box.deliveries() == []
    assert [e.action for e in box.custody()].count("item-added") == 2


def test_a_delivery_holds_no_plaintext_and_needs_no_key_to_write(
    box: Locker, tmp_path: Path
) -> None:
    Locker.deliver(box.root, capture_files(tmp_path / "cap"), "capture", None, {"url": "u"})
    for path in (box.root / "inbox").rglob("*"):
        if path.is_file():
            assert MARKER not in path.read_bytes(), path


def test_accepting_twice_after_a_crash_adds_nothing_twice(box: Locker, tmp_path: Path) -> None:
    Locker.deliver(box.root, capture_files(tmp_path / "cap"), "capture", None, {"url": "u"})
    delivery = box.deliveries()[0]
    box._accept(box._inbox(), delivery)  # as if the process died before discarding it
    box.accept_deliveries()
    assert sorted(item.name for item in box.items()) == ["metadata.json", "page.html"]


def test_a_delivery_for_an_under_18_incident_is_destroyed_unread(
    box: Locker, tmp_path: Path
) -> None:
    incident = box.add_incident(Incident("shared", "a school photo", under_18=True))
    Locker.deliver(box.root, capture_files(tmp_path / "cap"), "capture", incident.id, {})
    assert box.accept_deliveries() == []
    assert box.items() == [] and box.deliveries() == []
    assert box.custody()[-1].action == "delivery-refused"


def test_a_half_written_delivery_is_ignored_and_moved_aside_once_stale(box: Locker) -> None:
    stale, fresh = box.root / "inbox" / ".abc.tmp", box.root / "inbox" / ".def.tmp"
    for staging in (stale, fresh):
        staging.mkdir(parents=True)
        (staging / "0").write_bytes(b"sealed")
    os.utime(stale, (time.time() - 2 * 3600,) * 2)
    assert box.deliveries() == []
    Locker.open(box.root, PASSPHRASE)
    assert stale.exists(), "opening changes nothing"
    moved = Locker.open(box.root, PASSPHRASE).tidy()
    assert not stale.exists() and fresh.exists(), "a worker may be writing the fresh one"
    assert [(path / "0").read_bytes() for path in moved] == [b"sealed"], "moved aside, kept"


def test_an_older_locker_gains_an_inbox_when_opened(box: Locker, tmp_path: Path) -> None:
    header_path = box.root / "locker.json"
    header = json.loads(header_path.read_text())
    del header["inbox_key"], header["inbox_private"]
    header_path.write_text(json.dumps(header))
    with pytest.raises(LockerError, match="open this locker once"):
        Locker.deliver(box.root, {}, "capture", None, {})
    Locker.open(box.root, PASSPHRASE)
    Locker.deliver(box.root, capture_files(tmp_path / "cap"), "capture", None, {})
    assert len(Locker.open(box.root, PASSPHRASE).accept_deliveries()) == 2
