import base64
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from reclaim.locker import (
    LOW_MEMORY_PROFILE,
    CorruptLockerError,
    CustodyError,
    KdfError,
    KdfParams,
    Locker,
    LockerError,
    NotFoundError,
    WrongKeyError,
    _keys,
    calibrate,
)
from reclaim.locker._stream import CHUNK_BYTES

from ..lockers import copy_locker

PASSPHRASE = "correct horse battery staple"
# A marker no real data contains, so a scan for it cannot be fooled by chance.
SECRET = b"reclaim-plaintext-marker-7f3a9c" * 3


@pytest.fixture
def locker(tmp_path: Path) -> tuple[Locker, str]:
    return copy_locker(tmp_path / "locker", PASSPHRASE)


def reopen(box: Locker) -> Locker:
    """Open ``box`` again as ``Locker.open`` does, reading and checking all of it from disk
    (nothing remembered), without the passphrase's Argon2id derivation (0.2 s to 1 s each).
    The tests of opening itself, and of what it refuses, open with the passphrase."""
    Locker.forget(box.root)
    return Locker.resume(box.root, box.session_key())


def content(locker: Locker, item_id: str) -> bytes:
    return b"".join(locker.read(item_id))


def test_items_come_back_byte_for_byte_with_their_digests(locker: tuple[Locker, str]) -> None:
    box, _ = locker
    data = bytes(range(256)) * (CHUNK_BYTES // 100)  # several chunks, not a multiple of one
    item = box.add(io.BytesIO(data), "photo.jpg", "image/jpeg", note="from the chat")
    assert item.sha256 == hashlib.sha256(data).hexdigest()
    assert item.sha512 == hashlib.sha512(data).hexdigest()
    assert item.size == len(data)
    reopened = reopen(box)
    assert content(reopened, item.id) == data
    assert [found.name for found in reopened.items()] == ["photo.jpg"]


def test_empty_item_round_trips(locker: tuple[Locker, str]) -> None:
    box, _ = locker
    item = box.add(b"", "empty.txt", "text/plain")
    assert content(reopen(box), item.id) == b""


def test_wrong_passphrase_is_refused_and_changes_nothing(locker: tuple[Locker, str]) -> None:
    box, _ = locker
    box.add(SECRET, "note.txt", "text/plain")
    before = {path: path.read_bytes() for path in box.root.rglob("*") if path.is_file()}
    with pytest.raises(WrongKeyError, match="that passphrase does not open this locker"):
        Locker.open(box.root, "wrong")
    after = {path: path.read_bytes() for path in box.root.rglob("*") if path.is_file()}
    assert after == before


def test_recovery_code_opens_the_locker_and_sets_a_new_passphrase(
    locker: tuple[Locker, str],
) -> None:
    box, code = locker
    item = box.add(SECRET, "threat.png", "image/png")
    recovered = Locker.recover(box.root, code.lower().replace("-", " "), "a new passphrase")
    assert content(recovered, item.id) == SECRET
    assert content(Locker.open(box.root, "a new passphrase"), item.id) == SECRET
    with pytest.raises(WrongKeyError):
        Locker.open(box.root, PASSPHRASE)
    with pytest.raises(WrongKeyError, match="recovery code"):
        Locker.recover(box.root, "AAAA-BBBB", "x")


def test_nothing_is_stored_in_plaintext(locker: tuple[Locker, str]) -> None:
    box, _ = locker
    item = box.add(SECRET, "secret-name-marker.txt", "text/plain", note="note-marker-91b2")
    digest = item.sha256.encode()
    for path in box.root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in (SECRET, b"secret-name-marker", b"note-marker-91b2", digest):
                assert needle not in data, (path, needle)
            assert item.sha256 not in path.name


def test_a_changed_byte_in_a_blob_is_caught(locker: tuple[Locker, str]) -> None:
    box, _ = locker
    item = box.add(SECRET * 1000, "video.mp4", "video/mp4")
    (blob,) = (box.root / "blobs").iterdir()
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 1
    blob.write_bytes(bytes(data))
    with pytest.raises(CorruptLockerError, match=f"item {item.id} was damaged"):
        content(Locker.open(box.root, PASSPHRASE), item.id)


def test_a_blob_cut_short_at_a_chunk_boundary_is_caught(locker: tuple[Locker, str]) -> None:
    box, _ = locker
    item = box.add(bytes(3 * CHUNK_BYTES), "big.bin", "application/octet-stream")
    (blob,) = (box.root / "blobs").iterdir()
    blob.write_bytes(blob.read_bytes()[: 15 + 2 * (CHUNK_BYTES + 16)])
    with pytest.raises(CorruptLockerError):
        content(Locker.open(box.root, PASSPHRASE), item.id)


def test_deleting_removes_the_item_and_leaves_a_tombstone(locker: tuple[Locker, str]) -> None:
    box, _ = locker
    item = box.add(SECRET, "photo.jpg", "image/jpeg")
    box.delete(item.id, reason="I asked for it to be deleted")
    assert list((box.root / "blobs").iterdir()) == []
    assert list((box.root / "records").iterdir()) == []
    reopened = reopen(box)
    assert reopened.items() == []
    tombstone = reopened.custody()[-1]
    assert tombstone.action == "item-deleted" and tombstone.item == item.id
    assert tombstone.details["sha256"] == item.sha256
    with pytest.raises(LockerError, match="no item"):
        content(reopened, item.id)


def test_item_returns_the_one_item_as_items_lists_it(locker: tuple[Locker, str]) -> None:
    box, _ = locker
    box.add(b"first", "first.txt", "text/plain")
    wanted = box.add(SECRET, "photo.jpg", "image/jpeg", note="from the chat")
    reopened = reopen(box)
    assert reopened.item(wanted.id) == wanted
    assert reopened.item(wanted.id) == next(i for i in reopened.items() if i.id == wanted.id)


def test_item_unseals_only_the_record_asked_for(
    locker: tuple[Locker, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, _ = locker
    others = [box.add(b"x%d" % n, f"{n}.txt", "text/plain") for n in range(3)]
    wanted = box.add(SECRET, "photo.jpg", "image/jpeg")
    read: list[str] = []
    original = Path.read_bytes

    def spy(path: Path) -> bytes:
        if path.parent.name == "records":
            read.append(path.name)
        return original(path)

    monkeypatch.setattr(Path, "read_bytes", spy)
    assert box.item(wanted.id).sha256 == wanted.sha256
    assert read == [wanted.id], f"read {len(read)} records for one item ({len(others)} others)"


def test_item_of_an_unknown_id_raises_not_found(locker: tuple[Locker, str]) -> None:
    box, _ = locker
    box.add(b"kept", "kept.txt", "text/plain")
    for unknown in ("0" * 32, "../locker.json", ""):
        with pytest.raises(NotFoundError, match="no item"):
            box.item(unknown)


def test_item_of_a_deleted_item_raises_not_found(locker: tuple[Locker, str]) -> None:
    box, _ = locker
    item = box.add(SECRET, "photo.jpg", "image/jpeg")
    box.delete(item.id, reason="mine to delete")
    with pytest.raises(NotFoundError, match="no item"):
        reopen(box).item(item.id)


def test_item_with_a_damaged_record_says_so_with_the_logged_digests(
    locker: tuple[Locker, str],
) -> None:
    box, _ = locker
    item = box.add(SECRET, "photo.jpg", "image/jpeg")
    record = box.root / "records" / item.id
    record.write_bytes(record.read_bytes()[:-1])
    found = reopen(box).item(item.id)
    assert "missing or damaged" in found.damaged
    assert (found.sha256, found.size) == (item.sha256, item.size)


def test_custody_log_records_who_what_when_and_tool_versions(locker: tuple[Locker, str]) -> None:
    box, _ = locker
    item = box.add(SECRET, "a.txt", "text/plain")
    entries = reopen(box).custody()
    assert [entry.action for entry in entries] == ["locker-created", "item-added"]
    added = entries[1]
    assert added.item == item.id and added.actor == "owner"
    assert added.details["sha512"] == item.sha512 and "reclaim" in added.details
    assert added.at_utc.endswith("+00:00") and added.at_local


def test_custody_log_with_an_entry_removed_fails_to_open(locker: tuple[Locker, str]) -> None:
    box, _ = locker
    for number in range(3):
        box.add(SECRET + bytes([number]), f"{number}.txt", "text/plain")
    log = box.root / "custody.log"
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:1] + lines[2:]))
    with pytest.raises(CustodyError, match="does not follow"):
        Locker.open(box.root, PASSPHRASE)


def test_custody_log_with_a_damaged_middle_entry_fails_to_open(locker: tuple[Locker, str]) -> None:
    box, _ = locker
    box.add(SECRET, "a.txt", "text/plain")
    box.add(SECRET, "b.txt", "text/plain")
    log = box.root / "custody.log"
    lines = log.read_bytes().splitlines(keepends=True)
    raw = bytearray(base64.b64decode(lines[1]))
    raw[20] ^= 1
    lines[1] = base64.b64encode(bytes(raw)) + b"\n"
    log.write_bytes(b"".join(lines))
    with pytest.raises(CorruptLockerError, match="custody entry 1 is damaged"):
        Locker.open(box.root, PASSPHRASE)


def test_a_torn_last_log_line_is_an_uncommitted_item(locker: tuple[Locker, str]) -> None:
    box, _ = locker
    kept = box.add(SECRET, "kept.txt", "text/plain")
    head = (box.root / "head").read_bytes()  # a crash mid-append never gets to seal the head
    box.add(SECRET * 2, "torn.txt", "text/plain")
    (box.root / "head").write_bytes(head)
    log = box.root / "custody.log"
    log.write_bytes(log.read_bytes()[:-10])
    reopened = Locker.open(box.root, PASSPHRASE)
    assert [item.id for item in reopened.items()] == [kept.id]
    assert len(list((box.root / "blobs").iterdir())) == 2, "opening to read changes nothing"
    moved = reopened.tidy()
    assert len(list((box.root / "blobs").iterdir())) == 1  # the uncommitted blob is aside
    assert {path.parent.name for path in moved} == {"blobs", "records"}


def test_refuses_key_derivation_weaker_than_rfc_9106_low_memory(tmp_path: Path) -> None:
    with pytest.raises(KdfError):
        Locker.create(tmp_path / "weak", PASSPHRASE, KdfParams(1, 8 * 1024, 1))


def test_calibration_times_a_derivation_no_cache_has_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests remember keys (tests/conftest.py): a timed derivation they had seen would take
    no time, and calibration would climb to more passes than the machine needs."""
    salts = []
    remembered = _keys.hash_secret_raw

    def noting(secret: bytes, salt: bytes, *rest: Any) -> bytes:
        salts.append(salt)
        return remembered(secret, salt, *rest)

    monkeypatch.setattr(_keys, "hash_secret_raw", noting)
    assert calibrate(target_seconds=0) == calibrate(target_seconds=0) == LOW_MEMORY_PROFILE
    assert len(salts) == 2 and salts[0] != salts[1]


def test_refuses_to_create_over_an_existing_locker(locker: tuple[Locker, str]) -> None:
    box, _ = locker
    with pytest.raises(LockerError, match="already holds a locker"):
        Locker.create(box.root, "other", LOW_MEMORY_PROFILE)


def test_header_holds_no_secret_material(locker: tuple[Locker, str]) -> None:
    box, _ = locker
    header = json.loads((box.root / "locker.json").read_text())
    assert set(header) == {
        "format",
        "version",
        "kdf",
        "passphrase",
        "recovery",
        "signing_key",
        "public_key",
        "inbox_key",
        "inbox_private",
    }
    # Private keys are only ever there sealed with the master key (nonce and tag around them).
    assert len(base64.b64decode(header["inbox_private"])) > 32
    assert header["kdf"]["memory_kib"] >= 64 * 1024
