"""Resuming reuses what this process verified and unsealed, and detects every change as before.

A log changed behind the memory's back (appended to by another writer, a line altered, rolled
back) must give exactly what resuming without the memory gives: the same entries or the same
error. Only entries new to this process are verified again. A record changed on disk is
unsealed again, damaged or not.
"""

import base64
import dataclasses
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reclaim.locker import LOW_MEMORY_PROFILE, CustodyEntry, Incident, Locker
from reclaim.locker import _log as log_module
from reclaim.locker import _memory as memory_module
from reclaim.locker._custody import new_entry
from reclaim.locker._header import read_header
from reclaim.locker._log import seal_line
from reclaim.locker._memory import MEMORY, LockerMemory, VerifiedLog, identity

from ..lockers import SHARED_PASSPHRASE, copy_locker

PASSPHRASE = SHARED_PASSPHRASE


@pytest.fixture(autouse=True)
def empty_memory() -> Iterator[None]:
    MEMORY.clear()
    yield
    MEMORY.clear()


@pytest.fixture
def box(tmp_path: Path) -> Locker:
    """A locker with a few entries, its log verified once by this process (by resuming)."""
    locker, _ = copy_locker(tmp_path / "locker", PASSPHRASE)
    locker.add(b"a screenshot", "a.png", "image/png")
    locker.add_incident(Incident("shared", "posted on a forum"))
    for n in range(4):
        locker.record_export({"pack": f"pack-{n}.zip"})
    Locker.resume(locker.root, locker.session_key())
    return locker


@pytest.fixture
def verified(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many entries each verification of a chain checked, in order."""
    counts: list[int] = []
    original = log_module.verify_chain

    def counting(entries: list[CustodyEntry], *args: object) -> None:
        counts.append(len(entries))
        original(entries, *args)  # type: ignore[arg-type]  # the same arguments, passed on

    monkeypatch.setattr(log_module, "verify_chain", counting)
    return counts


def outcome(box: Locker) -> tuple[str, object]:
    """Return what resuming gives: the entries' lines, or the error's kind and words."""
    try:
        entries = Locker.resume(box.root, box.session_key()).custody()
    except Exception as error:  # any error at all must be the same one
        return type(error).__name__, str(error)
    return "entries", [entry.line() for entry in entries]


def with_and_without_memory(box: Locker) -> tuple[tuple[str, object], tuple[str, object]]:
    """Return what resuming gives with this process's memory, then with none."""
    remembered = outcome(box)
    MEMORY.clear()
    return remembered, outcome(box)


def log_path(box: Locker) -> Path:
    return box.root / "custody.log"


def lines(box: Locker) -> list[bytes]:
    return log_path(box).read_bytes().splitlines(keepends=True)


def write_lines(box: Locker, found: list[bytes]) -> None:
    log_path(box).write_bytes(b"".join(found))


def test_resume_verifies_only_entries_new_to_this_process(box: Locker, verified: list[int]) -> None:
    Locker.resume(box.root, box.session_key())
    assert verified == [0]


def test_unlocking_with_the_passphrase_verifies_every_entry(
    box: Locker, verified: list[int]
) -> None:
    Locker.open(box.root, PASSPHRASE)
    assert verified == [len(box.custody())]


def test_entry_appended_by_another_locker_is_read_and_verified_alone(
    box: Locker, verified: list[int]
) -> None:
    other = Locker.resume(box.root, box.session_key())
    other.record_export({"pack": "another.zip"})
    verified.clear()
    remembered, fresh = with_and_without_memory(box)
    assert verified[0] == 1
    assert remembered == fresh
    assert remembered[0] == "entries"
    assert len(remembered[1]) == len(box.custody()) + 1  # type: ignore[arg-type]


def test_appended_entry_that_does_not_follow_is_refused_as_without_memory(box: Locker) -> None:
    entries = box.custody()
    key = read_header(box.root).signing(box.session_key())
    stray = new_entry(entries[-3], "pack-exported", "owner", key)  # chained to an older entry
    write_lines(box, [*lines(box), seal_line(box.session_key(), stray)])
    remembered, fresh = with_and_without_memory(box)
    assert remembered == fresh
    assert remembered[0] == "BrokenChainError"
    assert "does not follow" in str(remembered[1])


def test_appended_entry_signed_by_another_key_is_refused_as_without_memory(box: Locker) -> None:
    other, _ = Locker.create(box.root.parent / "other", PASSPHRASE, LOW_MEMORY_PROFILE)
    key = read_header(other.root).signing(other.session_key())
    forged = new_entry(box.custody()[-1], "pack-exported", "owner", key)
    write_lines(box, [*lines(box), seal_line(box.session_key(), forged)])
    remembered, fresh = with_and_without_memory(box)
    assert remembered == fresh
    assert remembered[0] == "BrokenChainError"
    assert "no valid signature" in str(remembered[1])


@pytest.mark.parametrize("number", [0, 2, -1])
def test_damaged_line_is_refused_as_without_memory(box: Locker, number: int) -> None:
    found = lines(box)
    sealed = bytearray(base64.b64decode(found[number]))
    sealed[-1] ^= 0x01  # the tag's last byte: the line no longer unseals
    found[number] = base64.b64encode(bytes(sealed)) + b"\n"
    write_lines(box, found)
    remembered, fresh = with_and_without_memory(box)
    assert remembered == fresh
    assert remembered[0] == "CorruptLockerError"


@pytest.mark.parametrize("number", [1, 3])
def test_line_replaced_by_a_sealed_changed_entry_is_refused_as_without_memory(
    box: Locker, number: int
) -> None:
    # Whoever holds the master key could seal a changed entry: only the signature tells.
    found = lines(box)
    changed = dataclasses.replace(box.custody()[number], actor="someone else")
    found[number] = seal_line(box.session_key(), changed)
    write_lines(box, found)
    remembered, fresh = with_and_without_memory(box)
    assert remembered == fresh
    assert remembered[0] == "BrokenChainError"


def test_log_cut_short_is_refused_as_rolled_back_as_without_memory(box: Locker) -> None:
    write_lines(box, lines(box)[:-2])
    remembered, fresh = with_and_without_memory(box)
    assert remembered == fresh
    assert remembered[0] == "RolledBackError"


def test_older_log_put_back_is_refused_as_without_memory(box: Locker) -> None:
    older = log_path(box).read_bytes()
    box.record_export({"pack": "later.zip"})
    Locker.resume(box.root, box.session_key())  # remembered with the later entry
    log_path(box).write_bytes(older)
    remembered, fresh = with_and_without_memory(box)
    assert remembered == fresh
    assert remembered[0] == "RolledBackError"


def test_older_log_and_head_put_back_read_as_without_memory(box: Locker) -> None:
    # Without a timestamp nothing tells a whole older locker from the real one; the memory
    # must not pretend otherwise, nor hide the older entries behind newer ones it saw.
    saved = box.root.parent / "saved"
    shutil.copytree(box.root, saved)
    box.record_export({"pack": "later.zip"})
    Locker.resume(box.root, box.session_key())
    for name in ("custody.log", "head"):
        shutil.copy2(saved / name, box.root / name)
    remembered, fresh = with_and_without_memory(box)
    assert remembered == fresh
    assert len(remembered[1]) == len(box.custody()) - 1  # type: ignore[arg-type]


def test_torn_last_line_is_ignored_as_without_memory(box: Locker) -> None:
    found = lines(box)
    write_lines(box, [*found, seal_line(box.session_key(), box.custody()[-1])[:20]])
    remembered, fresh = with_and_without_memory(box)
    assert remembered == fresh
    assert remembered == ("entries", [entry.line() for entry in box.custody()])


def test_a_wrong_key_finds_nothing_remembered(box: Locker) -> None:
    assert MEMORY.slot(box.root, b"not the keys' digest").log is None


def test_forget_drops_the_locker(box: Locker, verified: list[int]) -> None:
    Locker.forget(box.root)
    Locker.resume(box.root, box.session_key())
    assert verified == [len(box.custody())]


def test_export_verifies_every_entry(box: Locker, verified: list[int], tmp_path: Path) -> None:
    from reclaim.packs import export_pack

    export_pack(box, tmp_path / "pack", "JS", "A case")
    assert verified[0] == len(box.custody()) - 1  # all but the entry the export appends


@pytest.fixture
def no_racy_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remember records however recently written (tests wait for a clock tick instead)."""
    monkeypatch.setattr(memory_module, "RACY_SECONDS", 0.0)


def remembered_records(box: Locker) -> dict[str, object]:
    public = box.public_key().public_bytes_raw()
    return dict(MEMORY.slot(box.root, identity(box.session_key(), public)).records)


def record_path(box: Locker) -> Path:
    return box.root / "records" / box.items()[0].id


def items_with_and_without_memory(box: Locker) -> tuple[list[object], list[object]]:
    remembered = [
        dataclasses.astuple(item) for item in Locker.resume(box.root, box.session_key()).items()
    ]
    MEMORY.clear()
    fresh = [
        dataclasses.astuple(item) for item in Locker.resume(box.root, box.session_key()).items()
    ]
    return remembered, fresh


def test_records_are_remembered_once_settled(box: Locker, no_racy_wait: None) -> None:
    box.items()
    assert list(remembered_records(box)) == [box.items()[0].id]


def test_a_record_just_written_is_not_remembered(
    box: Locker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memory_module, "RACY_SECONDS", 3600.0)  # however slow the machine
    box.items()
    assert remembered_records(box) == {}


def test_record_changed_by_another_locker_is_read_again(box: Locker, no_racy_wait: None) -> None:
    box.items()
    incident = box.incidents()[0]
    Locker.resume(box.root, box.session_key()).link_item(box.items()[0].id, incident.id)
    remembered, fresh = items_with_and_without_memory(box)
    assert remembered == fresh
    assert box.items()[0].incident == incident.id


def test_record_damaged_in_place_is_damaged_as_without_memory(
    box: Locker, no_racy_wait: None
) -> None:
    box.items()
    time.sleep(0.05)  # past the clock tick of the write: an edit gets other file times
    with record_path(box).open("r+b") as record:
        record.seek(40)
        byte = record.read(1)
        record.seek(40)
        record.write(bytes([byte[0] ^ 0x01]))
    remembered, fresh = items_with_and_without_memory(box)
    assert remembered == fresh
    assert "damaged" in box.items()[0].damaged


def test_record_put_back_from_before_is_read_as_without_memory(
    box: Locker, no_racy_wait: None
) -> None:
    older = record_path(box).read_bytes()
    incident = box.incidents()[0].id
    box.link_item(box.items()[0].id, incident)
    assert box.items()[0].incident == incident  # the linked record, remembered
    time.sleep(0.05)  # past the clock tick of the write: the file gets other times
    record_path(box).write_bytes(older)
    remembered, fresh = items_with_and_without_memory(box)
    assert remembered == fresh
    assert box.items()[0].incident is None


def test_missing_blob_is_damaged_as_without_memory(box: Locker, no_racy_wait: None) -> None:
    box.items()
    for blob in (box.root / "blobs").iterdir():
        blob.unlink()
    remembered, fresh = items_with_and_without_memory(box)
    assert remembered == fresh
    assert "missing" in box.items()[0].damaged


def test_memory_keeps_only_the_lockers_used_last(tmp_path: Path) -> None:
    memory = LockerMemory(capacity=2)
    for name in ("a", "b", "c"):
        memory.slot(tmp_path / name, b"id").log = LOG
    memory.slot(tmp_path / "b", b"id")
    memory.slot(tmp_path / "d", b"id").log = LOG
    found = {name: memory.slot(tmp_path / name, b"id").log for name in ("b", "d", "a", "c")}
    assert found == {"a": None, "b": LOG, "c": None, "d": LOG}


def test_memory_forgets_a_locker_unused_too_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory = LockerMemory(max_age_seconds=60)
    clock = [1000.0]
    monkeypatch.setattr(memory_module.time, "monotonic", lambda: clock[0])
    memory.slot(tmp_path, b"id").log = LOG
    clock[0] += 61
    assert memory.slot(tmp_path, b"id").log is None


LOG = VerifiedLog(0, b"", ())
