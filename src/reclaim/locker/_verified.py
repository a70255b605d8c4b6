"""Custody logs this process has verified, so that resuming a locker checks only what is new.

Every page resumes the locker, and verifying a 5,000-entry log (unsealing each line, checking
each Ed25519 signature and chain link) takes over a second. The log is append-only: a log
whose first ``size`` bytes have the SHA-256 this process verified holds those same entries,
signed and chained, so only the lines after them need unsealing and checking, chained to the
last verified entry. A log that is shorter, or differs in any byte of that part, is read and
verified whole, exactly as without this cache. The sealed head and timestamps are checked on
every read either way (``CustodyLog.check_whole``), since a rollback replaces the whole log.

The entries are plaintext metadata, so the cache is small (the few lockers used last), keyed
by a digest of the master and public keys (never a key itself: a wrong key finds nothing),
forgets a locker not used for ``max_age_seconds``, and is told to forget a locker when its
person locks it (``forget``).
"""

import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from reclaim.locker._custody import CustodyEntry

# A few lockers: one person's in personal mode; in service mode, those used last, each
# about 1 KB of entries per custody entry (5 MB for 5,000).
CAPACITY = 4
# Like the web's default auto-lock: a locker nobody has used for this long is forgotten.
MAX_AGE_SECONDS = 600.0
_LABEL = b"reclaim: verified custody log in memory"


@dataclass(frozen=True)
class VerifiedLog:
    """The first ``size`` bytes of a log (their SHA-256) and the verified entries they hold."""

    size: int
    sha256: bytes
    entries: tuple[CustodyEntry, ...]


class VerifiedLogs:
    """A bounded, thread-safe memory of verified custody logs, one per locker and key."""

    def __init__(self, capacity: int = CAPACITY, max_age_seconds: float = MAX_AGE_SECONDS) -> None:
        self._capacity = capacity
        self._max_age = max_age_seconds
        self._logs: OrderedDict[tuple[str, bytes], tuple[float, VerifiedLog]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, root: Path, identity: bytes) -> VerifiedLog | None:
        """Return what was verified of this locker's log under ``identity``, or None."""
        key = (_folder(root), identity)
        with self._lock:
            self._drop_stale()
            found = self._logs.get(key)
            if found is None:
                return None
            self._logs[key] = (time.monotonic(), found[1])
            self._logs.move_to_end(key)
            return found[1]

    def put(self, root: Path, identity: bytes, log: VerifiedLog) -> None:
        """Remember ``log`` as verified, forgetting the locker used longest ago if full."""
        key = (_folder(root), identity)
        with self._lock:
            self._logs[key] = (time.monotonic(), log)
            self._logs.move_to_end(key)
            while len(self._logs) > self._capacity:
                self._logs.popitem(last=False)
            self._drop_stale()

    def forget(self, root: Path) -> None:
        """Forget every verified log of the locker at ``root`` (whatever the key)."""
        folder = _folder(root)
        with self._lock:
            for key in [key for key in self._logs if key[0] == folder]:
                del self._logs[key]

    def clear(self) -> None:
        """Forget every verified log."""
        with self._lock:
            self._logs.clear()

    def _drop_stale(self) -> None:
        oldest = time.monotonic() - self._max_age
        for key in [key for key, (used, _) in self._logs.items() if used < oldest]:
            del self._logs[key]


def identity(master: bytes, public_key: bytes) -> bytes:
    """Return what a verified log is remembered under besides its folder: the keys' digest.

    Only a holder of the master key can compute it, and the public key the entries were
    verified with is in it, so a log is only ever reused for the keys it was verified with.
    """
    return hmac.new(master, _LABEL + public_key, hashlib.sha256).digest()


def _folder(root: Path) -> str:
    return str(root.resolve())


# The one memory of this process: every Locker reads through it (see CustodyLog.read).
VERIFIED = VerifiedLogs()


def forget_verified(root: Path) -> None:
    """Forget what this process verified of the custody log at ``root``: when it is locked."""
    VERIFIED.forget(root)
