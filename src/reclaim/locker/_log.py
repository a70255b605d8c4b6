"""The sealed custody log: reading it (telling a torn last write from damage) and appending.

Each line is one sealed entry, base64, ending in a newline. Only a final line without its
newline is a write a crash cut short (never committed); any other unreadable line is damage.
"""

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reclaim.locker._custody import CustodyEntry, CustodyError, new_entry, parse_entry, verify_chain
from reclaim.locker._errors import BrokenChainError, NotFoundError, damaged, what_to_do
from reclaim.locker._head import check_head, seal_head
from reclaim.locker._memory import Remembered, VerifiedLog
from reclaim.locker._stream import SealError, seal_bytes, unseal_bytes

if TYPE_CHECKING:
    from hashlib import _Hash

LOG = "custody.log"
AAD = b"custody"
OWNER = "owner"  # the actor of every entry a locker appends: the person whose locker it is


@dataclass
class LogScan:
    """What a log holds: its readable entries and, line by line, what is wrong."""

    entries: list[CustodyEntry] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    # Bytes of the lines before the first fault or torn line: what a writer may keep.
    good_length: int = 0
    # How many entries come before the first damaged line: the part a repair can keep.
    prefix: int = 0
    torn: bool = False


def seal_line(master: bytes, entry: CustodyEntry) -> bytes:
    """Return the log line (newline included) that holds ``entry``."""
    return base64.b64encode(seal_bytes(master, AAD, entry.line())) + b"\n"


def scan_log(data: bytes, master: bytes, first: int = 0) -> LogScan:
    """Return every readable entry of a log and a description of each damaged line.

    ``data`` may be the end of a log whose first ``first`` lines were read before.
    """
    scan = LogScan()
    *lines, tail = data.split(b"\n")
    scan.torn = bool(tail)  # the bytes after the last newline: an append cut short
    for number, line in enumerate(lines, first):
        entry = _entry(line, master)
        if entry is None:
            last = ", the last, whole: not an unfinished write" if tail == b"" else ""
            last = last if number == first + len(lines) - 1 else ""
            scan.faults.append(
                f"custody entry {number} is damaged (line {number + 1} of the custody log{last})"
            )
        else:
            scan.entries.append(entry)
        if not scan.faults:
            scan.good_length += len(line) + 1
            scan.prefix += 1
    return scan


def _entry(line: bytes, master: bytes) -> CustodyEntry | None:
    try:
        return parse_entry(unseal_bytes(master, AAD, base64.b64decode(line, validate=False)))
    except (SealError, CustodyError, binascii.Error, ValueError):
        return None


class CustodyLog:
    """A locker's custody log as this object last read it: read, append, catch up, restart.

    Appending is the commit point of every change. The caller holds the locker's folder lock
    around ``catch_up`` and ``append``, so that entries from another writer are read before
    one is chained to the last. Reading reuses what this process verified of the same log
    before (reclaim.locker._memory) and checks only the lines appended since.
    """

    def __init__(
        self,
        root: Path,
        master: bytes,
        key: Ed25519PrivateKey,
        remembered: Remembered | None = None,
    ) -> None:
        self.root = root
        self._master = master
        self._key = key
        self._public = key.public_key()
        self._remembered = remembered  # what this process verified of the log before
        self.entries: list[CustodyEntry] = []
        self.size = 0  # bytes of committed lines on disk: what this object has read
        # The SHA-256 of those bytes (None once ``restart`` made them unknown), and how many
        # of the first entries are known to be signed and chained.
        self._sha256: _Hash | None = hashlib.sha256()
        self._checked = 0
        # The ids of each action's entries, and how many entries they were read from.
        self._by_action: tuple[int, dict[str, list[str]]] | None = None

    @property
    def path(self) -> Path:
        """Return where the log is."""
        return self.root / LOG

    def read(self, reuse: bool = True) -> None:
        """Read the committed entries; refuse any damage but a torn last line (ignored).

        With ``reuse``, a first part this process verified before is taken as it was then.
        """
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            raise damaged(f"the custody log {self.path} is missing", self.root) from None
        known, digest = self._known(data) if reuse else (None, hashlib.sha256())
        size, entries = (known.size, list(known.entries)) if known else (0, [])
        scan = scan_log(data[size:] if size else data, self._master, len(entries))
        if scan.faults:
            raise damaged("; ".join(scan.faults), self.root)
        digest.update(memoryview(data)[size : size + scan.good_length])
        self._sha256 = digest
        self.entries, self.size = entries + scan.entries, size + scan.good_length
        self._by_action = None
        self._checked = len(entries)

    def _known(self, data: bytes) -> tuple[VerifiedLog | None, "_Hash"]:
        """Return what was verified of this log before, if ``data`` still begins with it.

        And the SHA-256 of the bytes it covers, to go on with (of none, if none).
        """
        known = self._remembered.log if self._remembered else None
        if known is None or len(data) < known.size:
            return None, hashlib.sha256()
        digest = hashlib.sha256(memoryview(data)[: known.size])
        if digest.digest() != known.sha256:
            return None, hashlib.sha256()
        return known, digest

    def check_whole(self) -> None:
        """Refuse a log that is empty, broken, or short of its sealed head."""
        if not self.entries:
            raise damaged(f"the custody log {self.path} is empty", self.root)
        after = self.entries[self._checked - 1] if self._checked else None
        try:
            verify_chain(self.entries[self._checked :], self._public, after)
        except CustodyError as error:
            raise BrokenChainError(f"{error}. {what_to_do(self.root)}") from None
        check_head(self.root, self._master, self.entries)
        self._checked = len(self.entries)
        if self._remembered is not None and self._sha256 is not None:
            verified = VerifiedLog(self.size, self._sha256.digest(), tuple(self.entries))
            self._remembered.log = verified

    def catch_up(self) -> None:
        """Read the entries another writer appended since this object last looked."""
        if self.path.stat().st_size != self.size:
            self.read()
            self.check_whole()

    def append(
        self, action: str, item: str | None = None, details: dict[str, str] | None = None
    ) -> CustodyEntry:
        """Sign, seal and append an entry by the owner; return it once it is on disk."""
        previous = self.entries[-1] if self.entries else None
        entry = new_entry(previous, action, OWNER, self._key, item, details)
        line = seal_line(self._master, entry)
        with self.path.open("ab") as log:
            log.write(line)
            log.flush()
            os.fsync(log.fileno())
        self.entries.append(entry)
        self.size += len(line)
        if self._sha256 is not None:
            self._sha256.update(line)
        seal_head(self.root, self._master, self.entries)  # a crash here: the head lags by one
        return entry

    def cut_torn_line(self) -> None:
        """Cut off what follows the committed lines: an append a crash left unfinished."""
        if self.path.stat().st_size != self.size:
            with self.path.open("r+b") as file:
                file.truncate(self.size)
                os.fsync(file.fileno())

    def restart(self, entries: list[CustodyEntry], size: int) -> None:
        """Take ``entries`` (``size`` bytes on disk) as the whole log: for repair only."""
        self.entries, self.size = list(entries), size
        self._by_action = None
        self._sha256, self._checked = None, 0  # nothing read here: never remembered as verified

    def ids(self, action: str) -> list[str]:
        """Return the item, incident or request id of each entry of ``action``, in log order."""
        return list(self._ids().get(action, ()))

    def live_items(self) -> set[str]:
        """Return the ids of the items added and not deleted."""
        found = self._ids()
        return set(found.get("item-added", ())) - set(found.get("item-deleted", ()))

    def _ids(self) -> dict[str, list[str]]:
        """Return the ids of each action's entries: one pass over the log, until it changes."""
        if self._by_action is None or self._by_action[0] != len(self.entries):
            by_action: dict[str, list[str]] = {}
            for entry in self.entries:
                by_action.setdefault(entry.action, []).append(str(entry.item))
            self._by_action = len(self.entries), by_action
        return self._by_action[1]

    def added(self, item_id: str) -> CustodyEntry:
        """Return the entry that added a live item; raise NotFoundError if there is none."""
        if item_id not in self.live_items():
            raise NotFoundError(f"no item {item_id} in this locker")
        return next(e for e in self.entries if e.action == "item-added" and e.item == item_id)
