"""Never lose evidence (issue 11): damage is refused, never tidied away; rolled-back logs are
caught; unnamed files go to quarantine; check and repair; one damaged record locks nothing."""

import base64
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from reclaim.cli import main
from reclaim.locker import (
    LOW_MEMORY_PROFILE,
    CorruptLockerError,
    Incident,
    Locker,
    RolledBackError,
    check_locker,
    repair_locker,
    seal_bytes,
)
from reclaim.packs import FAIL, export_pack, verify_pack

from ..lockers import SHARED_PASSPHRASE, copy_locker

PASSPHRASE = SHARED_PASSPHRASE
DATA = {name: hashlib.sha512(name.encode()).digest() * 900 for name in ("a.jpg", "b.jpg", "c.jpg")}


@pytest.fixture
def box(tmp_path: Path) -> Locker:
    """A locker with three items, an incident and a removal request."""
    locker, _ = copy_locker(tmp_path / "locker", PASSPHRASE)
    for name, data in DATA.items():
        locker.add(data, name, "image/jpeg")
    locker.add_incident(Incident("shared", "posted on a forum"))
    locker.save_request("req1", {"site": "example.org"}, {"status": "drafted"})
    return locker


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "passphrase"
    path.write_text(PASSPHRASE + "\n")
    return path


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` with the SHA-256 of its bytes."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def reopen(box: Locker) -> Locker:
    """Open ``box`` again as ``Locker.open`` does, reading and checking all of it from disk
    (nothing remembered), without the passphrase's Argon2id derivation (0.2 s to 1 s each).
    Tests of the header itself open with the passphrase."""
    Locker.forget(box.root)
    return Locker.resume(box.root, box.session_key())


def log_lines(box: Locker) -> list[bytes]:
    return (box.root / "custody.log").read_bytes().splitlines(keepends=True)


def flip_a_byte_keeping_the_newline(line: bytes) -> bytes:
    raw = bytearray(base64.b64decode(line))
    raw[30] ^= 1
    return base64.b64encode(bytes(raw)) + b"\n"


def damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def names(box: Locker) -> list[str]:
    return [item.name for item in box.items()]


# A damaged log is refused, and nothing is deleted ----------------------------------------


def test_a_flipped_byte_in_the_last_line_is_refused_and_nothing_is_deleted(
    box: Locker, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = log_lines(box)
    lines[-1] = flip_a_byte_keeping_the_newline(lines[-1])
    (box.root / "custody.log").write_bytes(b"".join(lines))
    before = tree(box.root)
    code, out, err = run(capsys, "locker", "list", str(box.root), "--passphrase-file", str(secret))
    assert code == 1 and out == ""
    assert f"custody entry {len(lines) - 1} is damaged" in err
    assert "not an unfinished write" in err and "reclaim locker repair" in err
    assert "Traceback" not in err
    assert tree(box.root) == before, "every blob and record is still on disk, unchanged"
    assert len(list((box.root / "blobs").iterdir())) == len(DATA)


def test_an_emptied_log_is_refused_and_nothing_is_deleted(
    box: Locker, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (box.root / "custody.log").write_bytes(b"")
    before = tree(box.root)
    code, _, err = run(capsys, "locker", "list", str(box.root), "--passphrase-file", str(secret))
    assert code == 1 and "custody log" in err and "is empty" in err
    assert "reclaim locker check" in err
    assert tree(box.root) == before
    assert len(list((box.root / "records").iterdir())) == len(DATA)
    assert len(list((box.root / "incidents").iterdir())) == 1


def test_deleting_the_last_lines_is_caught_as_a_rollback(
    box: Locker, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = log_lines(box)
    (box.root / "custody.log").write_bytes(b"".join(lines[:-2]))
    before = tree(box.root)
    with pytest.raises(RolledBackError, match="rolled back"):
        reopen(box)
    code, _, err = run(capsys, "locker", "list", str(box.root), "--passphrase-file", str(secret))
    assert code == 1 and f"has {len(lines) - 2} entries" in err
    assert f"last sealed {len(lines)}" in err
    assert tree(box.root) == before


def test_a_log_other_than_the_sealed_one_at_the_same_length_is_caught(box: Locker) -> None:
    log, head = box.root / "custody.log", box.root / "head"
    old_log, old_head = log.read_bytes(), head.read_bytes()
    box.add(b"the real one", "real.txt", "text/plain")
    sealed_head = head.read_bytes()
    log.write_bytes(old_log)
    head.write_bytes(old_head)
    reopen(box).add(b"a substitute", "other.txt", "text/plain")
    head.write_bytes(sealed_head)
    with pytest.raises(RolledBackError, match="not the one the locker sealed"):
        reopen(box)


def test_a_removed_head_is_refused(box: Locker) -> None:
    (box.root / "head").unlink()
    with pytest.raises(CorruptLockerError, match=r"sealed head .* is missing"):
        reopen(box)


def test_a_head_one_entry_behind_is_a_crash_not_a_rollback(box: Locker) -> None:
    head = (box.root / "head").read_bytes()
    box.add(b"appended, then the power went", "late.txt", "text/plain")
    (box.root / "head").write_bytes(head)  # killed between the append and sealing the head
    reopened = reopen(box)
    assert names(reopened)[-1] == "late.txt"
    reopened.add(b"next", "next.txt", "text/plain")
    assert (box.root / "head").read_bytes() != head
    assert names(reopen(box))[-2:] == ["late.txt", "next.txt"]


def test_a_log_that_no_longer_reaches_its_timestamped_head_is_caught(box: Locker) -> None:
    log, head = box.root / "custody.log", box.root / "head"
    old_log, old_head = log.read_bytes(), head.read_bytes()
    box.add(b"more", "more.txt", "text/plain")
    seq = len(box.custody()) - 1
    name = f"{seq}-{'0' * 16}.tsr"  # what timestamp_log_head stores for entry ``seq``
    stored = seal_bytes(box.session_key(), f"timestamp:{name}".encode(), b"a token")
    (box.root / "timestamps" / name).write_bytes(stored)
    log.write_bytes(old_log)  # the log and its head both put back as they were
    head.write_bytes(old_head)
    with pytest.raises(RolledBackError, match=f"timestamps custody entry {seq}"):
        reopen(box)


# Only a last line without its newline is an unfinished write ----------------------------------


def test_a_torn_final_line_still_opens_without_the_item_and_only_a_writer_cuts_it(
    box: Locker,
) -> None:
    head = (box.root / "head").read_bytes()
    box.add(b"never committed", "torn.txt", "text/plain")
    (box.root / "head").write_bytes(head)
    log = box.root / "custody.log"
    log.write_bytes(log.read_bytes()[:-7])  # the append cut short: no newline at the end
    before = tree(box.root)
    reopened = reopen(box)
    assert names(reopened) == list(DATA)
    assert tree(box.root) == before, "opening to read changes nothing"
    reopened.add(b"after the crash", "after.txt", "text/plain")
    again = reopen(box)
    assert names(again) == [*DATA, "after.txt"]
    assert log.read_bytes().endswith(b"\n")
    held = [p for p in (box.root / "quarantine").rglob("*") if p.is_file()]
    assert {p.parent.name for p in held} == {"records", "blobs"}, "the torn item is kept aside"


# Unnamed files: quarantined, never deleted; reading changes nothing --------------------------


def test_a_stray_file_is_moved_to_quarantine_not_deleted(
    box: Locker, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stray = box.root / "records" / ("f" * 32)
    stray.write_bytes(b"a record no entry names")
    (box.root / "blobs" / ("e" * 32)).write_bytes(b"a blob no record names")
    before = tree(box.root)
    code, out, _ = run(capsys, "locker", "list", str(box.root), "--passphrase-file", str(secret))
    assert code == 0 and out.count(".jpg") == len(DATA)
    assert tree(box.root) == before, "list changes nothing on disk"
    moved = reopen(box).tidy()
    assert {p.read_bytes() for p in moved} == {
        b"a record no entry names",
        b"a blob no record names",
    }
    assert all(p.is_relative_to(box.root / "quarantine") for p in moved)
    assert not stray.exists()
    assert names(reopen(box)) == list(DATA)
    code, out, _ = run(capsys, "locker", "list", str(box.root), "--passphrase-file", str(secret))
    assert "2 files the custody log does not name are in" in out


def test_a_half_written_temporary_is_removed_only_by_a_writer(box: Locker) -> None:
    leftover = box.root / "blobs" / ".abc.tmp"
    leftover.write_bytes(b"half")
    reopen(box).items()
    assert leftover.exists()
    reopen(box).add(b"x", "x.txt", "text/plain")
    assert not leftover.exists()


# check and repair ----------------------------------------------------------------------------


def test_check_finds_nothing_in_a_whole_locker_and_changes_nothing(
    box: Locker, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(box.root)
    code, out, _ = run(capsys, "locker", "check", str(box.root), "--passphrase-file", str(secret))
    assert code == 0 and "no problems found" in out
    assert tree(box.root) == before


def test_check_reports_every_problem(
    box: Locker, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = box.items()
    (box.root / "records" / items[0].id).unlink()
    damage(box.root / "blobs" / box._store.record(items[2].id)["blob"])
    (box.root / "incidents" / ("d" * 32)).write_bytes(b"stray")
    (box.root / "quarantine" / "earlier" / "blobs").mkdir(parents=True)
    (box.root / "quarantine" / "earlier" / "blobs" / "old").write_bytes(b"kept")
    lines = log_lines(box)
    lines[2] = flip_a_byte_keeping_the_newline(lines[2])
    (box.root / "custody.log").write_bytes(b"".join(lines))
    before = tree(box.root)
    code, out, _ = run(capsys, "locker", "check", str(box.root), "--passphrase-file", str(secret))
    assert code == 1
    problems = [line for line in out.splitlines() if line.startswith("PROBLEM")]
    assert any("custody entry 2 is damaged" in p for p in problems)
    assert any(f"the record of item {items[0].id} is missing" in p for p in problems)
    assert any("was damaged" in p for p in problems), "the changed blob is found"
    assert any(f"incidents/{'d' * 32} is named by no custody entry" in p for p in problems)
    assert any("quarantine/earlier/blobs/old is in quarantine" in p for p in problems)
    assert tree(box.root) == before


def test_check_reports_a_rollback(box: Locker) -> None:
    (box.root / "custody.log").write_bytes(b"".join(log_lines(box)[:-1]))
    assert any("rolled back" in p for p in check_locker(box.root, PASSPHRASE).problems)


def test_repair_rebuilds_from_the_sealed_records_and_loses_nothing(
    box: Locker, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deleted = box.add(b"the person deleted this", "gone.txt", "text/plain")
    box.delete(deleted.id, reason="mine to delete")
    first = box.items()[0]
    box.delete(first.id)  # its entry is kept, its tombstone is past the damage: it stands
    expected = [(i.id, i.name, i.sha256, i.sha512, i.size) for i in box.items()]
    incident = box.incidents()[0]
    lines = log_lines(box)
    lines[2] = flip_a_byte_keeping_the_newline(lines[2])  # item b's entry: all after it unread
    damaged_log = b"".join(lines)
    (box.root / "custody.log").write_bytes(damaged_log)
    code, out, _ = run(capsys, "locker", "repair", str(box.root), "--passphrase-file", str(secret))
    assert code == 0 and "kept 2 entries" in out
    repaired = reopen(box)
    found = [(i.id, i.name, i.sha256, i.sha512, i.size) for i in repaired.items()]
    assert sorted(found) == sorted(expected), "every item whose record and blob are whole"
    for item in repaired.items():
        assert b"".join(repaired.read(item.id)) == DATA[item.name]
    assert repaired.incidents() == [incident]
    assert [r["site"] for r in repaired.request_records()] == ["example.org"]
    assert not {deleted.id, first.id} & {i.id for i in repaired.items()}, "deleted stays deleted"
    kept = list(box.root.glob("custody.log.before-repair-*"))
    assert [p.read_bytes() for p in kept] == [damaged_log], "the old log is kept, byte for byte"
    actions = [e.action for e in repaired.custody()]
    assert actions[:3] == ["locker-created", "item-added", "log-repaired"]
    repair = repaired.custody()[2]
    assert "custody entry 2 is damaged" in repair.details["reason"]
    assert repair.details["old_log"] == kept[0].name
    recovered = [e for e in repaired.custody() if "recovered_from" in e.details]
    assert {e.item for e in recovered if e.action == "item-added"} == {i[0] for i in expected}
    assert {e.item for e in recovered if e.action == "item-deleted"} == {deleted.id, first.id}
    assert {e.item for e in recovered if e.action.startswith(("incident", "request"))} == {
        incident.id,
        "req1",
    }
    assert all(
        e.details["recovered_from"].startswith(("records/", "incidents/", "requests/", "entry "))
        for e in recovered
    )
    code, out, _ = run(capsys, "locker", "check", str(box.root), "--passphrase-file", str(secret))
    assert code == 0, out


def test_repair_of_an_emptied_log_recovers_every_item(box: Locker) -> None:
    expected = sorted(item.id for item in box.items())
    (box.root / "custody.log").write_bytes(b"")
    said = repair_locker(box.root, PASSPHRASE)
    assert any("the custody log was empty" in line for line in said)
    repaired = reopen(box)
    assert sorted(item.id for item in repaired.items()) == expected
    assert repaired.custody()[0].action == "log-repaired"
    assert len(repaired.incidents()) == 1 and len(repaired.request_records()) == 1


def test_repair_accepts_a_rolled_back_log_and_keeps_what_is_sealed(box: Locker) -> None:
    expected = sorted(item.id for item in box.items())
    (box.root / "custody.log").write_bytes(b"".join(log_lines(box)[:2]))
    repair_locker(box.root, PASSPHRASE)
    repaired = reopen(box)
    assert sorted(item.id for item in repaired.items()) == expected
    assert "rolled back" in repaired.custody()[2].details["reason"]


def test_repair_of_a_whole_locker_changes_no_entry(box: Locker) -> None:
    before = box.custody()
    assert repair_locker(box.root, PASSPHRASE) == ["the custody log is whole: nothing to rebuild"]
    assert reopen(box).custody() == before


# One damaged record locks nothing ------------------------------------------------------------


def test_a_damaged_record_leaves_the_rest_open_and_lists_what_the_log_knows(
    box: Locker, tmp_path: Path, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = box.items()
    damage(box.root / "records" / original[1].id)
    reopened = reopen(box)
    items = reopened.items()
    assert [i.id for i in items] == [i.id for i in original]
    hurt = items[1]
    assert "record of item" in hurt.damaged and "damaged" in hurt.damaged
    assert (hurt.sha256, hurt.sha512, hurt.size) == (
        original[1].sha256,
        original[1].sha512,
        original[1].size,
    )
    assert hurt.added_utc == original[1].added_utc
    assert not items[0].damaged and not items[2].damaged
    assert [d.id for d in reopened.damaged()] == [hurt.id]
    code, out, _ = run(capsys, "locker", "list", str(box.root), "--passphrase-file", str(secret))
    assert code == 0 and "DAMAGED" in out and out.count("\n") == len(DATA)
    pack = export_pack(reopened, tmp_path / "pack", "JS", "Case")
    exhibits = json.loads((pack / "exhibits.json").read_text())
    assert [e["item"] for e in exhibits] == [original[0].id, original[2].id]
    note = (pack / "DAMAGE.txt").read_text()
    assert hurt.id in note and hurt.sha256 in note
    assert "damaged in the locker: 1" in (pack / "report.html").read_text()
    assert not [c for c in verify_pack(pack) if c.status == FAIL]


def test_a_blob_found_damaged_during_export_is_left_out_and_stated(
    box: Locker, tmp_path: Path
) -> None:
    items = box.items()
    damage(box.root / "blobs" / box._store.record(items[1].id)["blob"])
    pack = export_pack(reopen(box), tmp_path / "pack", "JS", "Case")
    exhibits = json.loads((pack / "exhibits.json").read_text())
    assert [e["item"] for e in exhibits] == [items[0].id, items[2].id]
    assert f"item {items[1].id}" in (pack / "DAMAGE.txt").read_text()
    assert "was damaged" in (pack / "DAMAGE.txt").read_text()
    assert len(list((pack / "data" / "exhibits").iterdir())) == len(exhibits), "no part-file"
    assert not [c for c in verify_pack(pack) if c.status == FAIL]


def test_a_damaged_incident_or_request_leaves_the_rest_open(box: Locker) -> None:
    second = box.add_incident(Incident("threatened", "a message"))
    first = box.incidents()[0]
    damage(box.root / "incidents" / first.id)
    damage(box.root / "requests" / "req1")
    reopened = reopen(box)
    assert [i.id for i in reopened.incidents()] == [second.id]
    assert reopened.request_records() == []
    assert {(d.kind, d.id) for d in reopened.damaged()} == {
        ("incident", first.id),
        ("removal request", "req1"),
    }
    assert names(reopened) == list(DATA)


# A malformed locker.json: a clear message, never a traceback ---------------------------------


def _without(field: str) -> object:
    return lambda h: {k: v for k, v in h.items() if k != field}


MALFORMED = {
    "a JSON list": lambda h: [h],
    "missing passphrase": _without("passphrase"),
    "missing kdf": _without("kdf"),
    "kdf a list": lambda h: {**h, "kdf": [1, 2]},
    "memory as text": lambda h: {**h, "kdf": {**h["kdf"], "memory_kib": "lots"}},
    "memory absurd": lambda h: {**h, "kdf": {**h["kdf"], "memory_kib": 2**40}},
    "salt a number": lambda h: {**h, "passphrase": {**h["passphrase"], "salt": 7}},
    "salt not base64": lambda h: {**h, "passphrase": {**h["passphrase"], "salt": "!!"}},
    "signing key missing": _without("signing_key"),
    "signing key not base64": lambda h: {**h, "signing_key": "not base64!"},
}


@pytest.mark.parametrize("fault", sorted(MALFORMED))
def test_a_malformed_header_gives_a_clear_message(
    box: Locker, secret: Path, capsys: pytest.CaptureFixture[str], fault: str
) -> None:
    path = box.root / "locker.json"
    path.write_text(json.dumps(MALFORMED[fault](json.loads(path.read_text()))))  # type: ignore[operator]
    with pytest.raises(CorruptLockerError, match=r"locker\.json is damaged"):
        Locker.open(box.root, PASSPHRASE)  # the header itself: opened with the passphrase
    code, _, err = run(capsys, "locker", "list", str(box.root), "--passphrase-file", str(secret))
    assert code == 1 and "locker.json is damaged" in err and "Traceback" not in err


@pytest.mark.parametrize("content", [b"\xff\xfe{}", b"{not json", b""])
def test_a_header_that_is_not_json_text_gives_a_clear_message(
    box: Locker, secret: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    (box.root / "locker.json").write_bytes(content)
    code, _, err = run(capsys, "locker", "check", str(box.root), "--passphrase-file", str(secret))
    assert code == 1 and "locker.json is damaged: it is not JSON text" in err


def test_a_copy_of_a_locker_elsewhere_is_not_a_rollback(box: Locker, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(box.root, copy)
    assert names(Locker.open(copy, PASSPHRASE)) == list(DATA)


def test_repair_keeps_aside_a_timestamp_of_entries_the_log_lost(box: Locker) -> None:
    log, head = box.root / "custody.log", box.root / "head"
    old_log, old_head = log.read_bytes(), head.read_bytes()
    box.add(b"more", "more.txt", "text/plain")
    name = f"{len(box.custody()) - 1}-{'0' * 16}.tsr"
    stored = seal_bytes(box.session_key(), f"timestamp:{name}".encode(), b"a token")
    (box.root / "timestamps" / name).write_bytes(stored)
    log.write_bytes(old_log)
    head.write_bytes(old_head)
    said = repair_locker(box.root, PASSPHRASE)
    assert any("it timestamps the old log" in line for line in said)
    repaired = reopen(box)
    assert names(repaired) == [*DATA, "more.txt"], "the item of the lost entry is recovered"
    assert [p.read_bytes() for p in (box.root / "quarantine").rglob(name)] == [stored]


def test_a_locker_made_before_the_sealed_head_gains_one_on_its_next_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reclaim.locker._locker as locker_module

    with monkeypatch.context() as patch:
        patch.setattr(locker_module, "MARKER", ("made", "before heads"))
        old, _ = Locker.create(tmp_path / "old", PASSPHRASE, LOW_MEMORY_PROFILE)
    (old.root / "head").unlink()
    reopened = Locker.open(old.root, PASSPHRASE)  # nothing says it ever had a head
    assert not (old.root / "head").exists()
    reopened.add(b"new", "new.txt", "text/plain")
    assert [e.action for e in reopened.custody()][-2:] == ["head-sealed", "item-added"]
    (old.root / "head").unlink()
    with pytest.raises(CorruptLockerError, match="is missing"):
        Locker.open(old.root, PASSPHRASE)


def test_repair_of_a_log_with_an_entry_taken_out_keeps_every_item(box: Locker) -> None:
    expected = sorted(item.id for item in box.items())
    gone = box.add(b"deleted later", "gone.txt", "text/plain")
    box.delete(gone.id)
    lines = log_lines(box)
    (box.root / "custody.log").write_bytes(b"".join(lines[:2] + lines[3:]))  # every line whole
    said = repair_locker(box.root, PASSPHRASE)
    assert "why: custody entry 2 does not follow the one before it" in said
    repaired = reopen(box)
    assert sorted(item.id for item in repaired.items()) == expected
    assert gone.id in {e.item for e in repaired.custody() if e.action == "item-deleted"}


def test_a_broken_chain_on_the_command_line_says_what_to_do(
    box: Locker, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = log_lines(box)
    (box.root / "custody.log").write_bytes(b"".join(lines[:2] + lines[3:]))
    before = tree(box.root)
    code, _, err = run(capsys, "locker", "list", str(box.root), "--passphrase-file", str(secret))
    assert code == 1 and "does not follow" in err and "reclaim locker repair" in err
    with pytest.raises(CorruptLockerError, match="Nothing has been deleted"):
        reopen(box)
    assert tree(box.root) == before


def test_a_missing_log_is_refused_clearly_and_repair_rebuilds_it(box: Locker) -> None:
    expected = sorted(item.id for item in box.items())
    (box.root / "custody.log").unlink()
    with pytest.raises(CorruptLockerError, match=r"custody\.log is missing"):
        reopen(box)
    assert "the custody log is empty" in check_locker(box.root, PASSPHRASE).problems
    repair_locker(box.root, PASSPHRASE)
    assert sorted(item.id for item in reopen(box).items()) == expected
