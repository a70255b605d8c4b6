"""Resuming reuses the custody entries this process verified, and detects every change as before.

A log changed behind the memory's back (appended to by another writer, a line altered, rolled
back) must give exactly what resuming without the memory gives: the same entries or the same
error. Only entries new to this process are verified again.
"""

import base64
import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from reclaim.locker import LOW_MEMORY_PROFILE, CustodyEntry, Incident, Locker
from reclaim.locker import _log as log_module
from reclaim.locker._custody import new_entry
from reclaim.locker._header import read_header
from reclaim.locker._log import seal_line
from reclaim.locker._verified import VERIFIED, VerifiedLog, VerifiedLogs

PASSPHRASE = "verified memory test passphrase"


@pytest.fixture(autouse=True)
def empty_memory() -> Iterator[None]:
    VERIFIED.clear()
    yield
    VERIFIED.clear()


@pytest.fixture
def box(tmp_path: Path) -> Locker:
    """A locker with a few entries, its log verified once by this process (by resuming)."""
    locker, _ = Locker.create(tmp_path / "locker", PASSPHRASE, LOW_MEMORY_PROFILE)
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
    VERIFIED.clear()
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
    assert VERIFIED.get(box.root, b"not the keys' digest") is None


def test_forget_drops_the_locker(box: Locker, verified: list[int]) -> None:
    Locker.forget(box.root)
    Locker.resume(box.root, box.session_key())
    assert verified == [len(box.custody())]


def test_export_verifies_every_entry(box: Locker, verified: list[int], tmp_path: Path) -> None:
    from reclaim.packs import export_pack

    export_pack(box, tmp_path / "pack", "JS", "A case")
    assert verified[0] == len(box.custody()) - 1  # all but the entry the export appends


def test_memory_keeps_only_the_lockers_used_last(tmp_path: Path) -> None:
    memory = VerifiedLogs(capacity=2)
    log = VerifiedLog(0, b"", ())
    for name in ("a", "b", "c"):
        memory.put(tmp_path / name, b"id", log)
    memory.get(tmp_path / "b", b"id")
    memory.put(tmp_path / "d", b"id", log)
    found = {name: memory.get(tmp_path / name, b"id") for name in ("a", "b", "c", "d")}
    assert found == {"a": None, "b": log, "c": None, "d": log}


def test_memory_forgets_a_locker_unused_too_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory = VerifiedLogs(max_age_seconds=60)
    clock = [1000.0]
    monkeypatch.setattr("reclaim.locker._verified.time.monotonic", lambda: clock[0])
    memory.put(tmp_path, b"id", VerifiedLog(0, b"", ()))
    clock[0] += 61
    assert memory.get(tmp_path, b"id") is None
