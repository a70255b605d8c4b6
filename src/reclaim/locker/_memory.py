"""What this process remembers of the lockers it has open, so that a page need not redo it all.

Every page resumes the locker and lists its items. Verifying a 5,000-entry custody log
(unsealing each line, checking each Ed25519 signature and chain link) takes over a second,
and unsealing 1,000 item records tens of milliseconds. So this process remembers:

- the custody log it verified: the SHA-256 of its first ``size`` bytes and their entries. The
  log is append-only, so a log that still begins with those bytes holds those same entries,
  signed and chained: only the lines after them need unsealing and checking, chained to the
  last verified entry. A log that is shorter, or differs in any byte of that part, is read
  and verified whole, exactly as with nothing remembered. The sealed head and timestamps are
  checked on every read either way, since a rollback replaces the whole log.
- each item record it unsealed, with the file's identity and times (``FileStamp``). Any write
  to a record file (ours replace it whole; an edit in place changes its ctime, which no
  program can set back) gives it another stamp, and it is unsealed again. A record changed
  in the last RACY_SECONDS is not remembered, since a second change within the same clock
  tick would keep its times. The item made from a remembered record is remembered with it
  (items are values: nobody changes one).

It is all plaintext metadata, so the memory is small (the few lockers used last), keyed by
a digest of the master and public keys (never a key itself: a wrong key finds nothing),
forgets a locker not used for ``max_age_seconds``, and is told to forget a locker when its
person locks it (``Locker.forget``).
"""

import hashlib
import hmac
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reclaim.locker._custody import CustodyEntry
from reclaim.locker._items import EvidenceItem

# A few lockers: one person's in personal mode; in service mode, those used last. About 1 KB
# per custody entry and per item record (5 MB for 5,000 entries).
CAPACITY = 4
# Like the web's default auto-lock: a locker nobody has used for this long is forgotten.
MAX_AGE_SECONDS = 600.0
_LABEL = b"reclaim: what this process remembers of an open locker"

# A record changed less than this long before it was read is not remembered: file times
# advance in clock ticks (a few milliseconds), so a change within the same tick as the read
# could keep the same stamp (git's "racily clean" files).
RACY_SECONDS = 2.0

# A file's device, inode, size, and modification and change times, in nanoseconds.
FileStamp = tuple[int, int, int, int, int]


@dataclass(frozen=True)
class VerifiedLog:
    """The first ``size`` bytes of a log (their SHA-256) and the verified entries they hold."""

    size: int
    sha256: bytes
    entries: tuple[CustodyEntry, ...]


@dataclass
class Remembered:
    """What is remembered of one locker opened with one key."""

    log: VerifiedLog | None = None
    # Item id: the stamp of its record file when read, and the record it held.
    records: dict[str, tuple[FileStamp, dict[str, Any]]] = field(default_factory=dict)
    # Item id: the stamp of the record and the time of the entry it was made from, and the item.
    items: dict[str, tuple[FileStamp, str, EvidenceItem]] = field(default_factory=dict)


class LockerMemory:
    """A bounded, thread-safe memory of open lockers, one slot per locker and key."""

    def __init__(self, capacity: int = CAPACITY, max_age_seconds: float = MAX_AGE_SECONDS) -> None:
        self._capacity = capacity
        self._max_age = max_age_seconds
        self._slots: OrderedDict[tuple[str, bytes], tuple[float, Remembered]] = OrderedDict()
        self._lock = threading.Lock()

    def slot(self, root: Path, identity: bytes) -> Remembered:
        """Return what is remembered of this locker under ``identity`` (empty if nothing)."""
        key = (_folder(root), identity)
        with self._lock:
            self._drop_stale()
            found = self._slots.get(key)
            remembered = Remembered() if found is None else found[1]
            self._slots[key] = (time.monotonic(), remembered)
            self._slots.move_to_end(key)
            while len(self._slots) > self._capacity:
                self._slots.popitem(last=False)
            return remembered

    def forget(self, root: Path) -> None:
        """Forget everything remembered of the locker at ``root`` (whatever the key)."""
        folder = _folder(root)
        with self._lock:
            for key in [key for key in self._slots if key[0] == folder]:
                del self._slots[key]

    def clear(self) -> None:
        """Forget every locker."""
        with self._lock:
            self._slots.clear()

    def _drop_stale(self) -> None:
        oldest = time.monotonic() - self._max_age
        for key in [key for key, (used, _) in self._slots.items() if used < oldest]:
            del self._slots[key]


def identity(master: bytes, public_key: bytes) -> bytes:
    """Return what a locker is remembered under besides its folder: a digest of its keys.

    Only a holder of the master key can compute it, and the public key the entries were
    verified with is in it, so what is remembered is only used with the keys it was read with.
    """
    return hmac.new(master, _LABEL + public_key, hashlib.sha256).digest()


def file_stamp(path: str) -> FileStamp:
    """Return the stamp of the file at ``path`` (OSError if there is none)."""
    found = os.stat(path)
    return found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns


def settled(stamp: FileStamp) -> bool:
    """Return whether a file with ``stamp`` last changed long enough ago to be remembered."""
    return time.time_ns() - max(stamp[3], stamp[4]) >= RACY_SECONDS * 1e9


def _folder(root: Path) -> str:
    return str(root.resolve())


# The one memory of this process: every Locker reads through it (CustodyLog, ItemStore).
MEMORY = LockerMemory()
