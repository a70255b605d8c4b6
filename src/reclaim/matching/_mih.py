"""The fast PDQ index: exact multi-index hashing, changed in place like a log-structured tree.

Entries live in immutable segments (each with its own chunk tables, see _segment.py) and in a
small memtable of recent additions searched by brute force. Removing or replacing an id marks
its old row withdrawn, and searches skip withdrawn rows, so every change counts from the very
next query. A full memtable becomes a segment of its own; segments of similar size merge, four
at a time, so a bank fed in small batches keeps a few segments per size tier rather than
thousands; compact() merges everything into one segment and drops withdrawn rows.

Not thread-safe: callers serialise changes and queries (one writer, as the web app does). To
query without holding up the writer, query a snapshot(): later changes leave it alone.
"""

import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from reclaim.hashing import MATCH_DISTANCE_BITS, PdqHash
from reclaim.matching import _store
from reclaim.matching._memtable import Memtable
from reclaim.matching._segment import Found, Segment
from reclaim.matching._types import (
    Ids,
    Match,
    MatchingError,
    Words,
    check_radius,
    group_matches,
    ids_array,
    last_of_each,
    query_words,
    words_from_bytes,
)

# Past 64 bits the Hamming balls the probes enumerate grow too large to be worth it.
MAX_RADIUS_BITS = 64
# Brute force over a full memtable of this many rows costs about 0.07 ms a query (measured);
# a batch of at least this many additions becomes a segment at once.
MEMTABLE_ROWS = 16_384
# Segments whose live rows fall in the same power-of-MERGE_FANOUT tier merge when there are
# this many of them: a few segments per tier, each entry rewritten once per tier.
MERGE_FANOUT = 4
# Queries searched together: shares numpy's per-call work; past 8, the larger temporary
# arrays fall out of cache and cost more than they share (measured at 1 and 10 million).
QUERY_BLOCK = 8


class MihPdqIndex:
    """An exact PDQ index by multi-index hashing; results identical to LinearPdqIndex."""

    def __init__(
        self, max_radius: int = MATCH_DISTANCE_BITS, *, memtable_rows: int = MEMTABLE_ROWS
    ) -> None:
        self.max_radius = check_radius(max_radius, MAX_RADIUS_BITS)
        if memtable_rows < 1:
            raise MatchingError("a memtable holds at least one row")
        self.memtable_rows = memtable_rows
        self._segments: list[Segment] = []
        self._memtable = Memtable()

    def add(self, ids: Sequence[int] | NDArray[np.int64], hashes: NDArray[np.uint8]) -> None:
        """Add hashes (n x 32 bytes, big-endian) under ids; an id already present is replaced.

        A batch of memtable_rows or more becomes a segment of its own at once.
        """
        words = words_from_bytes(hashes)
        new_ids = ids_array(ids, len(words))
        last = last_of_each(new_ids)
        if last is not None:
            new_ids, words = new_ids[last], np.take(words, last, axis=0)
        if len(new_ids) >= self.memtable_rows:
            segment = Segment.build(_new_name(), new_ids, words, self.max_radius)
            self._withdraw(new_ids)  # after the build: if it fails, nothing has changed
            self._add_segment(segment)
            return
        self._withdraw(new_ids)
        self._memtable.append(new_ids, words)
        if self._memtable.size >= self.memtable_rows:
            self.flush()

    def remove(self, ids: Iterable[int]) -> None:
        """Withdraw ids from the next query on; unknown ids are ignored."""
        self._withdraw(ids_array(ids))

    def query(self, hash: PdqHash | bytes, radius: int = MATCH_DISTANCE_BITS) -> list[Match]:
        """Return the entries within radius of hash, sorted by (distance, id)."""
        return self._search(query_words(hash), radius)[0]

    def query_many(
        self, hashes: NDArray[np.uint8], radius: int = MATCH_DISTANCE_BITS
    ) -> list[list[Match]]:
        """Return query(hash, radius) for each row of hashes (n x 32 bytes)."""
        return self._search(words_from_bytes(hashes), radius)

    def __len__(self) -> int:
        """Return the number of live entries."""
        return sum(s.live_rows for s in self._segments) + self._memtable.live_rows

    @property
    def segment_rows(self) -> list[int]:
        """Return the row count of each segment, withdrawn rows included, oldest first."""
        return [s.rows for s in self._segments]

    def snapshot(self) -> "MihPdqIndex":
        """Return a copy that answers as this index does now, whatever changes it later.

        Segments share their entries and tables (which never change) and copy only their
        withdrawn rows, one byte an entry; the memtable's live rows are copied. Queries on the
        copy may run in other threads while this index changes.
        """
        copy = MihPdqIndex(self.max_radius, memtable_rows=self.memtable_rows)
        copy._segments = [segment.snapshot() for segment in self._segments]
        copy._memtable.append(*self._memtable.live())  # live() returns copies
        return copy

    def flush(self) -> None:
        """Turn the memtable's live entries into a segment of their own."""
        ids, words = self._memtable.live()
        if len(ids):
            self._add_segment(Segment.build(_new_name(), ids, words, self.max_radius))
        self._memtable = Memtable()

    def compact(self) -> None:
        """Merge every segment and the memtable into one segment, dropping withdrawn rows."""
        if self._memtable.size == 0 and [s.dead_count for s in self._segments] in ([], [0]):
            return  # already one segment, nothing withdrawn
        ids, words = _gather([*self._segments, self._memtable])
        self._segments, self._memtable = [], Memtable()
        if len(ids):
            self._segments = [Segment.build(_new_name(), ids, words, self.max_radius)]

    def save(self, folder: Path) -> None:
        """Write the index into folder; a crash mid-save leaves the previous save loadable."""
        saved = _store.Saved(
            self.max_radius, self.memtable_rows, self._segments, self._memtable.live()
        )
        _store.save(folder, saved)

    @classmethod
    def load(cls, folder: Path) -> "MihPdqIndex":
        """Return the index saved in folder, its segments memory-mapped (read on demand)."""
        saved = _store.load(folder)
        index = cls(saved.max_radius, memtable_rows=saved.memtable_rows)
        index._segments = saved.segments
        index._memtable.append(*saved.memtable)
        return index

    def _withdraw(self, ids: Ids) -> None:
        for segment in self._segments:
            segment.withdraw(ids)
        self._memtable.withdraw(ids)

    def _add_segment(self, segment: Segment) -> None:
        self._segments.append(segment)
        while group := self._full_tier():
            merged = Segment.build(_new_name(), *_gather(group), self.max_radius)
            self._segments = [s for s in self._segments if s not in group] + [merged]

    def _full_tier(self) -> list[Segment]:
        """Return MERGE_FANOUT segments of one size tier, or [] if no tier has that many."""
        tiers: dict[int, list[Segment]] = {}
        for segment in self._segments:
            tier, size = 0, self.memtable_rows * MERGE_FANOUT
            while segment.live_rows >= size:
                tier, size = tier + 1, size * MERGE_FANOUT
            tiers.setdefault(tier, []).append(segment)
        return next((g[:MERGE_FANOUT] for g in tiers.values() if len(g) >= MERGE_FANOUT), [])

    def _search(self, queries: Words, radius: int) -> list[list[Match]]:
        check_radius(radius, self.max_radius)
        found: list[Found] = []
        for start in range(0, len(queries), QUERY_BLOCK):
            block = queries[start : start + QUERY_BLOCK]
            parts: list[Segment | Memtable] = [*self._segments, self._memtable]
            for part in parts:
                asked, ids, dists = part.search(block, radius)
                found.append((asked + start, ids, dists))
        if not found:
            return []
        asked, ids, dists = (np.concatenate(column) for column in zip(*found, strict=True))
        return group_matches(asked, ids, dists, len(queries))


def _gather(parts: Sequence[Segment | Memtable]) -> tuple[Ids, Words]:
    """Return the live ids and words of all parts, end to end."""
    lives = [part.live() for part in parts]
    return np.concatenate([i for i, _ in lives]), np.concatenate([w for _, w in lives])


def _new_name() -> str:
    return uuid.uuid4().hex
