"""The bank's match index in this process, kept in step with the bank's change log.

Each web process holds one: at start it loads the saved index (BANK_INDEX_DIR, memory-mapped
segment files) and catches up from the change cursor it was saved at, or builds from the
active entries if there is none. Before each match it applies the changes since its cursor, so
an added or withdrawn hash counts from the very next query, with no rebuild (the platforms'
feed is published in batches, bank.publish_due; matching here does not wait for it).

No lock is held while a query runs: changes are applied under the lock, and queries search a
snapshot of the indexes taken under it after the last change (IndexView), so one platform's
long video query never holds up another platform's query or a withdrawal.
"""

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from reclaim.files import write_atomically
from reclaim.hashing import MIN_QUALITY, VpdqFrame
from reclaim.matching import Md5Index, MihPdqIndex, match_video
from reclaim.web.protection import bank
from reclaim.web.protection.models import (
    ACTIVE,
    IMAGE_PDQ,
    VIDEO_MD5,
    VIDEO_VPDQ,
    BankChange,
    BankEntry,
)
from reclaim.web.protection.signals import Signal

FRAME_BITS = 20  # a vPDQ frame's id is its entry's id << 20 plus its number (up to ~12 days)
CURSOR_FILE = "cursor.json"
SYNC_BATCH = 50_000  # changes read and applied at a time


@dataclass(frozen=True)
class Hit:
    """A bank entry a signal matched, and how far it was (0 for exact digests)."""

    entry_id: int
    signal_type: str
    distance: int
    fraction: float | None = None  # for videos by vPDQ: the share of frames that matched


@dataclass(frozen=True)
class IndexView:
    """The indexes as they were after a change: searched with no lock, never changed."""

    images: MihPdqIndex
    frames: MihPdqIndex
    videos: Md5Index

    def match(self, signal: Signal, radius: int) -> list[Hit]:
        """Return the active entries ``signal`` matches within ``radius`` bits."""
        if signal.signal_type == IMAGE_PDQ:
            found = self.images.query(bytes.fromhex(signal.value), radius)
            return [Hit(m.id, IMAGE_PDQ, m.distance) for m in found]
        if signal.signal_type == VIDEO_MD5:
            return [Hit(i, VIDEO_MD5, 0) for i in self.videos.query(signal.value)]
        videos = match_video(signal.frames(), self.frames, _owner, radius)
        return [Hit(video, VIDEO_VPDQ, 0, fraction) for video, fraction in videos]


class BankIndex:
    """Images (PDQ), video frames (vPDQ) and video digests (MD5) of the active bank."""

    def __init__(self) -> None:
        self.images = MihPdqIndex()
        self.frames = MihPdqIndex()
        self.videos = Md5Index()
        self.cursor = 0
        self._lock = threading.Lock()  # held to change the indexes, never during a query
        self._view: IndexView | None = None  # taken again after each change, when first asked

    def sync(self) -> None:
        """Apply the log's changes since the cursor (activating what was received first)."""
        bank.activate_received()
        with self._lock:
            while True:
                changes = list(
                    BankChange.objects.filter(id__gt=self.cursor)
                    .order_by("id")
                    .select_related("entry")[:SYNC_BATCH]
                )
                if not changes:
                    return
                latest = {change.entry_id: change for change in changes}  # the last one counts
                self._apply(
                    [c.entry for c in latest.values()], {i: c.status for i, c in latest.items()}
                )
                self.cursor = changes[-1].id

    def apply(self, entries: list[BankEntry], statuses: dict[int, str]) -> None:
        """Apply changes of these entries' statuses (by entry id), as sync does."""
        with self._lock:
            self._apply(entries, statuses)

    def match(self, signal: Signal, radius: int) -> list[Hit]:
        """Return the active entries ``signal`` matches within ``radius`` bits (no lock held)."""
        return self.view().match(signal, radius)

    def view(self) -> IndexView:
        """Return the indexes as they are now, to search without holding the lock."""
        view = self._view
        if view is None:
            with self._lock:  # a snapshot copies one byte an entry, once after each change
                if self._view is None:
                    self._view = IndexView(
                        self.images.snapshot(), self.frames.snapshot(), self.videos.snapshot()
                    )
                view = self._view
        return view

    def save(self, folder: Path) -> None:
        """Save the PDQ indexes and the cursor (a restart then only catches up)."""
        with self._lock:
            self.images.save(folder / "images")
            self.frames.save(folder / "frames")
            write_atomically(folder / CURSOR_FILE, json.dumps({"cursor": self.cursor}).encode())

    def _apply(self, entries: list[BankEntry], statuses: dict[int, str]) -> None:
        """Apply a batch of changes in bulk: removals first, then additions (which replace).

        Called with the lock held; the next query takes a new view.
        """
        self._view = None
        active = [e for e in entries if statuses[e.id] == ACTIVE]
        gone = [e for e in entries if statuses[e.id] != ACTIVE]
        for kind, chosen in ((IMAGE_PDQ, gone), (VIDEO_MD5, gone), (VIDEO_VPDQ, gone)):
            ids = [e.id for e in chosen if e.signal_type == kind]
            if kind == IMAGE_PDQ:
                self.images.remove(ids)
            elif kind == VIDEO_MD5:
                self.videos.remove(ids)
            else:
                self.frames.remove(
                    i for e in chosen if e.signal_type == kind for i in _frame_ids(e)
                )
        pictures = [e for e in active if e.signal_type == IMAGE_PDQ]
        if pictures:
            self.images.add([e.id for e in pictures], _rows([e.value for e in pictures]))
        digests = [e for e in active if e.signal_type == VIDEO_MD5]
        if digests:
            self.videos.add([e.id for e in digests], [e.value for e in digests])
        for video in (e for e in active if e.signal_type == VIDEO_VPDQ):
            frames = [VpdqFrame.parse(line) for line in video.value.splitlines()]
            # Frames with too little detail match too much: the bank's side is filtered too.
            good = [
                (i, f)
                for i, f in zip(_frame_ids(video), frames, strict=True)
                if f.quality >= MIN_QUALITY
            ]
            if good:
                self.frames.add([i for i, _ in good], _rows([f.hash.hex for _, f in good]))


def _frame_ids(entry: BankEntry) -> list[int]:
    return [(entry.id << FRAME_BITS) + n for n in range(len(entry.value.splitlines()))]


def _owner(frame_id: int) -> int:
    return frame_id >> FRAME_BITS


def _rows(hexes: list[str]) -> "np.ndarray":  # type: ignore[type-arg]
    return np.frombuffer(b"".join(bytes.fromhex(h) for h in hexes), dtype=np.uint8).reshape(-1, 32)


_index: BankIndex | None = None
_start_lock = threading.Lock()


def current() -> BankIndex:
    """Return this process's index, caught up with the feed."""
    global _index
    with _start_lock:
        if _index is None:
            _index = _load(settings.BANK_INDEX_DIR)
    _index.sync()
    return _index


def reset() -> None:
    """Forget this process's index (tests start each from an empty database)."""
    global _index
    with _start_lock:
        _index = None


def _load(folder: Path) -> BankIndex:
    index = BankIndex()
    cursor_file = folder / CURSOR_FILE
    if cursor_file.exists():
        index.images = MihPdqIndex.load(folder / "images")
        index.frames = MihPdqIndex.load(folder / "frames")
        index.cursor = int(json.loads(cursor_file.read_text())["cursor"])
        # MD5s are small: read them again from the bank rather than keep a second file.
        for entry in BankEntry.objects.filter(signal_type=VIDEO_MD5, status=ACTIVE):
            index.videos.add([entry.id], [entry.value])
    return index
