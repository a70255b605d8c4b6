"""This process's bank index (reclaim.bank.BankIndex), kept in step with the bank's change log.

Each web process holds one: at start it loads the saved index (BANK_INDEX_DIR, memory-mapped
segment files) and catches up from the change cursor it was saved at, or builds from the log
if there is none. Before each match it reads the BankClock's tick count (one row by its key):
only when the count moved does it read the changes since its cursor and apply them, turning
rows into the core's plain Added and Removed values. An added or withdrawn hash counts from
the very next query, with no rebuild (the platforms' feed is published in batches,
bank.publish_due; matching here does not wait for it). Received hashes are made active by the
worker's job (bank.activate_received), never by a match.
"""

import json
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from reclaim.bank import Added, BankIndex, Change, Removed, SignalType
from reclaim.files import write_atomically
from reclaim.web.protection.models import ACTIVE, BankChange, BankClock, BankEntry

CURSOR_FILE = "cursor.json"
SYNC_BATCH = 50_000  # changes read and applied at a time


class SavedBankIndex(BankIndex):
    """The core's index, saved with the cursor file that lets a restart catch up."""

    def save(self, folder: Path) -> int:
        """Save the PDQ segments, then the cursor they reflect; return that cursor."""
        cursor = super().save(folder)
        # Written after the segments: if the process dies in between, the older cursor only
        # makes the restart apply some changes again, which changes nothing.
        write_atomically(folder / CURSOR_FILE, json.dumps({"cursor": cursor}).encode())
        return cursor


@dataclass
class _Follower:
    """The index and the clock tick it last caught up at (-1: never)."""

    index: BankIndex
    ticks: int = -1


_follower: _Follower | None = None
_start_lock = threading.Lock()
_sync_lock = threading.Lock()  # one catch-up at a time; queries never wait for it


def current() -> BankIndex:
    """Return this process's index, caught up with the change log if the bank changed."""
    global _follower
    with _start_lock:
        if _follower is None:
            _follower = _Follower(_load(settings.BANK_INDEX_DIR))
        follower = _follower
    catch_up(follower)
    return follower.index


def catch_up(follower: _Follower) -> None:
    """Apply the log's changes since the cursor, if the clock ticked since the last time.

    The tick is read before the changes: a change that commits in between is applied now
    and its tick seen next time, so nothing is ever skipped (at worst read once more).
    """
    ticks = _ticks()
    if ticks <= follower.ticks:  # the usual case: one query, no change read
        return
    with _sync_lock:
        if ticks <= follower.ticks:  # another thread caught up while this one waited
            return
        while True:
            rows = list(
                BankChange.objects.filter(id__gt=follower.index.cursor)
                .order_by("id")
                .select_related("entry")[:SYNC_BATCH]
            )
            if not rows:
                break
            follower.index.apply([_change(row) for row in rows], cursor=rows[-1].id)
        follower.ticks = ticks


def reset() -> None:
    """Forget this process's index (tests start each from an empty database)."""
    global _follower
    with _start_lock:
        _follower = None


def _ticks() -> int:
    ticks = BankClock.objects.filter(id=1).values_list("ticks", flat=True).first()
    return 0 if ticks is None else ticks


def _change(row: BankChange) -> Change:
    entry = row.entry
    kind = Added if row.status == ACTIVE else Removed
    return kind(entry.id, SignalType(entry.signal_type), entry.value)


def _load(folder: Path) -> BankIndex:
    cursor_file = folder / CURSOR_FILE
    if not cursor_file.exists():
        return SavedBankIndex()
    cursor = int(json.loads(cursor_file.read_text())["cursor"])
    index = SavedBankIndex.load(folder, cursor)
    # MD5s are small: read them again from the bank rather than keep a second file.
    digests = BankEntry.objects.filter(signal_type=SignalType.VIDEO_MD5, status=ACTIVE)
    index.apply([Added(e.id, SignalType.VIDEO_MD5, e.value) for e in digests])
    return index
