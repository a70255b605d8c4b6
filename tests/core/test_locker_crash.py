"""Kill a process mid-write, many times, and check the locker still opens with every item
whole or absent (issue 3: crash safety)."""

import hashlib
import random
import time
from pathlib import Path

from reclaim.locker import Locker

from ..forking import Forker
from ..lockers import SHARED_PASSPHRASE, copy_locker

PASSPHRASE = SHARED_PASSPHRASE
ROUNDS = 10
# The writer: a child of one process that has loaded the modules (tests/forking.py).
WRITER = """
import hashlib
from pathlib import Path
from reclaim.locker import Locker

def expected(name):
    number = int(name.split("-")[1])
    return hashlib.sha256(name.encode()).digest() * (1000 + (number * 7919) % 22500)

def work(root, key, start):
    box = Locker.resume(Path(root), bytes.fromhex(key))
    print("open", flush=True)  # the kill is timed from here, so a slow open cannot use it up
    for number in range(int(start), int(start) + 1000):
        name = f"item-{number}"
        item = box.add(expected(name), name, "application/octet-stream")
        if number % 4 == 3:
            box.delete(item.id, reason="crash test")
"""


def expected(name: str) -> bytes:
    number = int(name.split("-")[1])
    return hashlib.sha256(name.encode()).digest() * (1000 + (number * 7919) % 22500)


def _tree(root: Path) -> dict[str, tuple[int, int, int]]:
    """Each file's inode, size and modification time: a write, in place or by renaming a new
    file over it, changes one of them (hashing every file every round cost more)."""
    return {
        str(path.relative_to(root)): (info.st_ino, info.st_size, info.st_mtime_ns)
        for path in root.rglob("*")
        if path.is_file() and (info := path.stat())
    }


def test_killing_the_writer_at_random_moments_never_breaks_the_locker(tmp_path: Path) -> None:
    root = tmp_path / "locker"
    # Each round reopens with the session key, not the passphrase: two Argon2id derivations a
    # round saved. Forgetting first makes the reopening verify the whole log, as opening does.
    # The locker is a copy of the session's template (tests/lockers.py), made at the same floor.
    key = copy_locker(root, PASSPHRASE)[0].session_key()
    writer = Forker(WRITER)
    chance = random.Random(2026)
    seen = 0
    deleted: set[str | None] = set()
    whole: set[str] = set()  # the ids of the items read back whole after a round
    for round_number in range(ROUNDS):
        assert writer.start(str(root), key.hex(), str(round_number * 1000)) == b"open\n"
        time.sleep(chance.uniform(0.05, 0.8))
        writer.kill()
        Locker.forget(root)
        box = Locker.resume(root, key)
        before = _tree(root)
        items = box.items()
        assert _tree(root) == before, "opening and listing change nothing on disk"
        moved = box.tidy()  # what a writer does first: uncommitted files go to quarantine
        assert not {path.name for path in moved} & {item.id for item in items}
        # Items whole after an earlier round are read again only at the end: the writer
        # never touches an item after adding it, except to delete the one it just added.
        last = round_number == ROUNDS - 1
        for item in (item for item in items if last or item.id not in whole):
            data = b"".join(box.read(item.id))
            assert data == expected(item.name), item.name
            assert hashlib.sha256(data).hexdigest() == item.sha256
        whole = {item.id for item in items}
        blobs = len(list((root / "blobs").iterdir()))
        records = len(list((root / "records").iterdir()))
        assert blobs == records == len(items), "no half-written item is left among the items"
        assert not any(item.damaged for item in items)
        deleted = {e.item for e in box.custody() if e.action == "item-deleted"}
        assert not deleted & {item.id for item in items}, "a deleted item came back"
        seen = max(seen, len(items))
    writer.close()
    assert Locker.open(root, PASSPHRASE).items() == items, "the passphrase opens it as well"
    assert seen > 0, "the writer never got an item in: the test proved nothing"
    assert deleted, "the writer never deleted an item: deletion was not tested"
