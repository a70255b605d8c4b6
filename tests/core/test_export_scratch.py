"""Nothing decrypted is left behind: a failed or killed export or encryption leaves no
plaintext exhibit on disk, and what is written is for its owner alone (issue 11)."""

import fcntl
import os
import random
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pyrage
import pytest

from reclaim.locker import Locker, remove_abandoned, scratch_folder
from reclaim.packs import PackError, encrypt_pack, export_pack
from reclaim.packs import _export as export_module

from ..forking import Forker
from ..lockers import SHARED_PASSPHRASE, copy_locker

ROUNDS = 10
# A marker no real data contains, so a scan for it cannot be fooled by chance.
SECRET = b"reclaim-export-plaintext-marker-51c0" * 4
ITEMS = 24
# Killed children of one process that has loaded the modules (tests/forking.py).
CHILD = """
from pathlib import Path
from reclaim.locker import Locker
from reclaim.packs import encrypt_pack, export_pack

def work(job, *arguments):
    if job == "export":
        box = Locker.resume(Path(arguments[0]), bytes.fromhex(arguments[1]))
        print("ready", flush=True)
        export_pack(box, Path(arguments[2]), "JS", "Kill test")
    else:
        print("ready", flush=True)
        encrypt_pack(Path(arguments[0]), arguments[1], Path(arguments[2]))
"""


@pytest.fixture(scope="module")
def forker() -> Iterator[Forker]:
    made = Forker(CHILD)
    yield made
    made.close()


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Locker:
    root = tmp_path_factory.mktemp("export-kill") / "locker"
    box, _ = copy_locker(root, SHARED_PASSPHRASE)
    for number in range(ITEMS):
        box.add(SECRET * (1300 + 330 * number), f"screenshot-{number}.png", "image/png")
    return box


def holders_of_plaintext(folder: Path, skip: set[Path]) -> list[Path]:
    """Return the files under ``folder`` (outside ``skip``) that hold decrypted evidence."""
    outside = [p for p in folder.rglob("*") if not any(p.is_relative_to(s) for s in skip)]
    return [path for path in outside if path.is_file() and SECRET in path.read_bytes()]


def test_a_killed_export_leaves_no_plaintext_after_the_next_start(
    filled: Locker, forker: Forker, tmp_path: Path
) -> None:
    chance, caught_mid_export, finished = random.Random(1111), 0, set()
    key = filled.session_key().hex()
    for round_number in range(ROUNDS):
        destination = tmp_path / f"pack-{round_number}"
        assert forker.start("export", str(filled.root), key, str(destination)) == b"ready\n"
        time.sleep(chance.uniform(0.0, 0.5))
        forker.kill()
        if destination.exists():
            finished.add(destination)
        caught_mid_export += bool(list(tmp_path.glob(".*reclaim-scratch*")))
        # The next start: another export into the same folder.
        export_pack(filled, tmp_path / f"next-{round_number}", "JS", "Next", filled_ids(filled))
        finished.add(tmp_path / f"next-{round_number}")
        assert holders_of_plaintext(tmp_path, finished) == []
        assert [p.name for p in tmp_path.iterdir() if p not in finished] == []
    assert caught_mid_export >= 3, "too few kills landed mid-export: the test proved little"


def filled_ids(box: Locker) -> list[str]:
    return [box.items()[0].id]


def test_a_failed_export_leaves_nothing_behind(
    filled: Locker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(export_module, "write_pdf", broken)
    with pytest.raises(OSError, match="disk full"):
        export_pack(filled, tmp_path / "pack", "JS", "Fails")
    assert list(tmp_path.iterdir()) == []


def test_an_export_interrupted_by_ctrl_c_leaves_nothing_behind(
    filled: Locker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = export_module._write_exhibit
    written = []

    def interrupted(*args: object) -> object:
        written.append(real(*args))  # type: ignore[arg-type]
        if len(written) == 3:
            raise KeyboardInterrupt
        return written[-1]

    monkeypatch.setattr(export_module, "_write_exhibit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export_pack(filled, tmp_path / "pack", "JS", "Interrupted")
    assert list(tmp_path.iterdir()) == []


def test_a_pack_is_for_its_owner_alone(filled: Locker, tmp_path: Path) -> None:
    previous = os.umask(0o022)  # a common default that would leave files world-readable
    try:
        pack = export_pack(filled, tmp_path / "pack", "JS", "Private", filled_ids(filled))
    finally:
        os.umask(previous)
    for path in [pack, *pack.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path.relative_to(tmp_path)} is {oct(mode)}"


def test_a_scratch_folder_in_use_is_never_taken_for_abandoned(tmp_path: Path) -> None:
    with scratch_folder(tmp_path, "pack") as scratch:
        (scratch.path / "exhibit").write_bytes(SECRET)
        assert remove_abandoned(tmp_path) == []
        assert (scratch.path / "exhibit").exists()
        assert stat.S_IMODE(scratch.path.stat().st_mode) == 0o700
    assert list(tmp_path.iterdir()) == []


def test_only_folders_marked_as_scratch_are_removed(tmp_path: Path) -> None:
    look_alike = tmp_path / ".mine.reclaim-scratch-x"  # the name, but not made by Reclaim
    look_alike.mkdir()
    (look_alike / "photo.jpg").write_bytes(b"someone else's")
    assert remove_abandoned(tmp_path) == []
    assert (look_alike / "photo.jpg").exists()


def test_a_writer_killed_while_making_its_folder_leaves_nothing_after_the_next_start(
    tmp_path: Path,
) -> None:
    """Killed between making the folder and naming its locked marker (seen in a full run)."""
    unnamed = tmp_path / ".pack-1.reclaim-scratch-a"  # the marker made, not yet renamed
    unnamed.mkdir()
    (unnamed / ".reclaim-scratch.new").write_bytes(b"")
    empty = tmp_path / ".pack-2.reclaim-scratch-b"  # killed right after mkdtemp
    empty.mkdir()
    with scratch_folder(tmp_path, "pack") as scratch:
        # A writer at work in that instant holds its unnamed marker locked: it is left.
        starting = tmp_path / ".pack-3.reclaim-scratch-c"
        starting.mkdir()
        with open(starting / ".reclaim-scratch.new", "wb") as held:
            fcntl.flock(held.fileno(), fcntl.LOCK_EX)
            assert remove_abandoned(tmp_path) == []
            assert {p.name for p in tmp_path.iterdir()} == {starting.name, scratch.path.name}
    assert sorted(p.name for p in tmp_path.iterdir()) == [starting.name]
    assert remove_abandoned(tmp_path) == [starting]


def test_a_legacy_partial_folder_of_exhibits_is_removed_by_the_next_export(
    filled: Locker, tmp_path: Path
) -> None:
    legacy = tmp_path / "pack.partial" / "data" / "exhibits"
    legacy.mkdir(parents=True)
    (legacy / "JS-1_photo.png").write_bytes(SECRET)
    export_pack(filled, tmp_path / "pack", "JS", "After an old crash", filled_ids(filled))
    assert not (tmp_path / "pack.partial").exists()


@pytest.fixture(scope="module")
def big_pack(filled: Locker, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_pack(filled, tmp_path_factory.mktemp("big") / "pack", "JS", "To encrypt")


def test_a_killed_encryption_leaves_no_plaintext_tar(
    big_pack: Path, forker: Forker, tmp_path: Path
) -> None:
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    chance, caught_mid_encryption = random.Random(2222), 0
    for round_number in range(ROUNDS):
        output = tmp_path / f"pack-{round_number}.tar.age"
        assert forker.start("encrypt", str(big_pack), recipient, str(output)) == b"ready\n"
        time.sleep(chance.uniform(0.0, 0.1))
        forker.kill()
        caught_mid_encryption += not output.exists()
        assert holders_of_plaintext(tmp_path, set()) == []
        assert list(tmp_path.glob("*.tar*tmp")) == []
        remove_abandoned(tmp_path)  # what the next export or encryption here does first
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert caught_mid_encryption >= 3, "too few kills landed mid-encryption"


def test_encryption_writes_no_tar_to_disk(
    big_pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Watch every file opened for writing while the pack is encrypted."""
    import builtins

    opened: list[str] = []
    real_open = os.open

    def watching(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR):
            opened.append(str(path))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", watching)
    monkeypatch.setattr(builtins, "open", _watched_builtin_open(opened))
    identity = pyrage.x25519.Identity.generate()
    output = encrypt_pack(big_pack, str(identity.to_public()), tmp_path / "pack.tar.age")
    monkeypatch.undo()
    written = [Path(name) for name in opened if not name.isdigit()]
    assert [path.name for path in written if path.name != ".reclaim-scratch.new"] == [output.name]
    assert all(".reclaim-scratch-" in path.parent.name for path in written)
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert SECRET not in output.read_bytes()


def _watched_builtin_open(opened: list[str]) -> object:
    import builtins

    real = builtins.open

    def watching(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if any(flag in mode for flag in "wax+"):
            opened.append(str(file))
        return real(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    return watching


def test_a_failed_encryption_leaves_nothing(big_pack: Path, tmp_path: Path) -> None:
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    with pytest.raises(PackError, match="could not be archived"):
        encrypt_pack(tmp_path / "no-such-pack", recipient, tmp_path / "out.tar.age")
    assert list(tmp_path.iterdir()) == []
