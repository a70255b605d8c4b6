"""The bank's match index, fed plain change values: an entry added, or an entry removed.

Whoever keeps the bank (the web app, from its change log) turns its records into Added and
Removed values and applies them in batches; an added or withdrawn hash counts from the very
next query, with no rebuild.

No lock is held while a query runs: changes are applied under the lock, and queries search a
snapshot of the indexes taken under it after the last change (IndexView), so one platform's
long video query never holds up another platform's query or a withdrawal.
"""

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from reclaim.bank._signals import Signal, SignalType
from reclaim.hashing import MIN_QUALITY, VpdqFrame
from reclaim.matching import Md5Index, MihPdqIndex, match_video

FRAME_BITS = 20  # a vPDQ frame's id is its entry's id << 20 plus its number (up to ~12 days)
IMAGES_FOLDER, FRAMES_FOLDER = "images", "frames"


@dataclass(frozen=True)
class Added:
    """An entry that became active: its hash is matched from the next query."""

    entry_id: int
    signal_type: SignalType
    value: str  # as Signal.value: PDQ or MD5 hex, vPDQ frames one a line

    def frame_ids(self) -> list[int]:
        """Return the ids its vPDQ frames have in the frame index."""
        return _frame_ids(self.entry_id, self.value)


@dataclass(frozen=True)
class Removed:
    """An entry that stopped being active (withdrawn or deleted): it is matched no more."""

    entry_id: int
    signal_type: SignalType
    value: str  # needed for vPDQ, to know its frames

    def frame_ids(self) -> list[int]:
        """Return the ids its vPDQ frames have in the frame index."""
        return _frame_ids(self.entry_id, self.value)


Change = Added | Removed


@dataclass(frozen=True)
class Hit:
    """A bank entry a signal matched, and how far it was (0 for exact digests)."""

    entry_id: int
    signal_type: SignalType
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
        if signal.signal_type == SignalType.IMAGE_PDQ:
            found = self.images.query(bytes.fromhex(signal.value), radius)
            return [Hit(m.id, SignalType.IMAGE_PDQ, m.distance) for m in found]
        if signal.signal_type == SignalType.VIDEO_MD5:
            return [Hit(i, SignalType.VIDEO_MD5, 0) for i in self.videos.query(signal.value)]
        videos = match_video(signal.frames(), self.frames, owner_of_frame, radius)
        return [Hit(video, SignalType.VIDEO_VPDQ, 0, fraction) for video, fraction in videos]


class BankIndex:
    """Images (PDQ), video frames (vPDQ) and video digests (MD5) of the active bank.

    ``cursor`` is the position in the feeder's change log the index reflects: the feeder
    passes it with each batch, and a saved index resumes from it.
    """

    def __init__(
        self,
        images: MihPdqIndex | None = None,
        frames: MihPdqIndex | None = None,
        cursor: int = 0,
    ) -> None:
        self.images = images if images is not None else MihPdqIndex()
        self.frames = frames if frames is not None else MihPdqIndex()
        self.videos = Md5Index()
        self.cursor = cursor
        # Frames each video added here holds, so that a replaced video leaves none behind
        # (a loaded index does not know them: a Removed's own value says how many).
        self._frame_counts: dict[int, int] = {}
        self._lock = threading.Lock()  # held to change the indexes, never during a query
        self._view: IndexView | None = None  # taken again after each change, when first asked

    @classmethod
    def load(cls, folder: Path, cursor: int) -> "BankIndex":
        """Return the index saved in ``folder`` at ``cursor``, without its MD5s (not saved)."""
        images = MihPdqIndex.load(folder / IMAGES_FOLDER)
        frames = MihPdqIndex.load(folder / FRAMES_FOLDER)
        return cls(images, frames, cursor)

    def apply(self, changes: Iterable[Change], cursor: int | None = None) -> None:
        """Apply a batch of changes in bulk; move the cursor to ``cursor`` if given.

        An entry's last change in the batch counts. Removals go first, then additions
        (which replace an entry's hash). The next query takes a new view.
        """
        latest = list({change.entry_id: change for change in changes}.values())
        with self._lock:
            self._view = None
            self._remove([c for c in latest if isinstance(c, Removed)])
            self._add([c for c in latest if isinstance(c, Added)])
            if cursor is not None:
                self.cursor = cursor

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

    def save(self, folder: Path) -> int:
        """Save the PDQ indexes (memory-mapped segments); return the cursor they reflect."""
        with self._lock:
            self.images.save(folder / IMAGES_FOLDER)
            self.frames.save(folder / FRAMES_FOLDER)
            return self.cursor

    def _remove(self, gone: list[Removed]) -> None:
        """Take removed entries out of their index (called with the lock held)."""
        self.images.remove(c.entry_id for c in gone if c.signal_type == SignalType.IMAGE_PDQ)
        self.videos.remove([c.entry_id for c in gone if c.signal_type == SignalType.VIDEO_MD5])
        videos = [c for c in gone if c.signal_type == SignalType.VIDEO_VPDQ]
        self._remove_frames([(c.entry_id, len(c.frame_ids())) for c in videos])

    def _remove_frames(self, videos: list[tuple[int, int]]) -> None:
        """Take these videos' frames out: the more of the count given and the count known."""
        counts = [(i, max(n, self._frame_counts.pop(i, 0))) for i, n in videos]
        self.frames.remove((i << FRAME_BITS) + n for i, count in counts for n in range(count))

    def _add(self, added: list[Added]) -> None:
        """Put added entries in their index (called with the lock held)."""
        pictures = [c for c in added if c.signal_type == SignalType.IMAGE_PDQ]
        if pictures:
            self.images.add([c.entry_id for c in pictures], _rows([c.value for c in pictures]))
        digests = [c for c in added if c.signal_type == SignalType.VIDEO_MD5]
        if digests:
            self.videos.add([c.entry_id for c in digests], [c.value for c in digests])
        videos = [c for c in added if c.signal_type == SignalType.VIDEO_VPDQ]
        self._remove_frames([(c.entry_id, 0) for c in videos])  # a replaced one's old frames
        for video in videos:
            self._frame_counts[video.entry_id] = len(video.frame_ids())
            frames = [VpdqFrame.parse(line) for line in video.value.splitlines()]
            # Frames with too little detail match too much: the bank's side is filtered too.
            good = [
                (i, f)
                for i, f in zip(video.frame_ids(), frames, strict=True)
                if f.quality >= MIN_QUALITY
            ]
            if good:
                self.frames.add([i for i, _ in good], _rows([f.hash.hex for _, f in good]))


def owner_of_frame(frame_id: int) -> int:
    """Return the entry id a vPDQ frame id belongs to."""
    return frame_id >> FRAME_BITS


def _frame_ids(entry_id: int, value: str) -> list[int]:
    return [(entry_id << FRAME_BITS) + n for n in range(len(value.splitlines()))]


def _rows(hexes: list[str]) -> NDArray[np.uint8]:
    return np.frombuffer(b"".join(bytes.fromhex(h) for h in hexes), dtype=np.uint8).reshape(-1, 32)
