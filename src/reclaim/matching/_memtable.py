"""The multi-index's memtable: recent additions, searched by brute force until they are flushed."""

import numpy as np

from reclaim.matching._segment import Found
from reclaim.matching._types import WORDS_PER_HASH, Ids, Words, scan

# A brute-force block compares at most this many (query, entry) pairs at once: 8 MB of words.
PAIRS_PER_BLOCK = 1 << 18


class Memtable:
    """Entries in arrival order, with room to grow; withdrawn rows stay until the flush."""

    def __init__(self) -> None:
        self.size = 0
        self.live_rows = 0
        self._ids = np.zeros(0, dtype=np.int64)
        self._columns = np.zeros((WORDS_PER_HASH, 0), dtype=np.uint64)  # 4 x n: see scan()
        self._alive = np.zeros(0, dtype=np.bool_)

    def append(self, ids: Ids, words: Words) -> None:
        """Add entries (ids distinct, none already live here)."""
        end = self.size + len(ids)
        if end > len(self._ids):
            self._grow(max(end, 2 * len(self._ids)))
        self._ids[self.size : end] = ids
        self._columns[:, self.size : end] = words.T
        self._alive[self.size : end] = True
        self.size, self.live_rows = end, self.live_rows + len(ids)

    def withdraw(self, ids: Ids) -> None:
        """Mark these ids withdrawn, where present and live."""
        if self.live_rows == 0 or ids.size == 0:
            return
        hit = self._alive[: self.size] & np.isin(self._ids[: self.size], ids)
        self._alive[: self.size] &= ~hit
        self.live_rows -= int(hit.sum())

    def live(self) -> tuple[Ids, Words]:
        """Return the ids and words (n x 4) of the entries not withdrawn."""
        keep = np.flatnonzero(self._alive[: self.size])
        return self._ids[keep], np.ascontiguousarray(self._columns[:, keep].T)

    def search(self, queries: Words, radius: int) -> Found:
        """Return every live entry within radius of each query, by comparing with all."""
        ids, alive = self._ids[: self.size], self._alive[: self.size]
        columns = self._columns[:, : self.size]
        block = max(1, PAIRS_PER_BLOCK // max(1, self.size))
        asked, found, dists = [], [], []
        for start in range(0, len(queries) if self.live_rows else 0, block):
            d = scan(columns, queries[start : start + block])
            query_row, row = np.nonzero((d <= radius) & alive)
            asked.append(start + query_row)
            found.append(ids[row])
            dists.append(d[query_row, row])
        if not asked:
            return _nothing()
        return np.concatenate(asked), np.concatenate(found), np.concatenate(dists)

    def _grow(self, capacity: int) -> None:
        ids = np.zeros(capacity, dtype=np.int64)
        columns = np.zeros((WORDS_PER_HASH, capacity), dtype=np.uint64)
        alive = np.zeros(capacity, dtype=np.bool_)
        ids[: self.size] = self._ids[: self.size]
        columns[:, : self.size] = self._columns[:, : self.size]
        alive[: self.size] = self._alive[: self.size]
        self._ids, self._columns, self._alive = ids, columns, alive


def _nothing() -> Found:
    return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
