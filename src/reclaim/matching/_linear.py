"""The brute-force PDQ index: every query compares against every live entry.

It is the reference the fast index is tested against, so it stays as plain as it can be:
two arrays, rewritten whole on every change. Hashes are kept column-wise (4 x n) for scan().
"""

from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

from reclaim.hashing import MATCH_DISTANCE_BITS, PdqHash
from reclaim.matching._types import (
    HASH_BITS,
    WORDS_PER_HASH,
    Match,
    check_radius,
    group_matches,
    ids_array,
    last_of_each,
    query_words,
    scan,
    words_from_bytes,
)


class LinearPdqIndex:
    """A PDQ index that scans every entry with XOR and popcount: slow, simple, exact."""

    def __init__(self, max_radius: int = MATCH_DISTANCE_BITS) -> None:
        self.max_radius = check_radius(max_radius, HASH_BITS)
        self._ids = np.zeros(0, dtype=np.int64)
        self._columns = np.zeros((WORDS_PER_HASH, 0), dtype=np.uint64)

    def add(self, ids: Sequence[int] | NDArray[np.int64], hashes: NDArray[np.uint8]) -> None:
        """Add hashes (n x 32 bytes, big-endian) under ids; an id already present is replaced."""
        words = words_from_bytes(hashes)
        new_ids = ids_array(ids, len(words))
        last = last_of_each(new_ids)
        if last is not None:
            new_ids, words = new_ids[last], words[last]
        self.remove(new_ids)
        self._ids = np.concatenate((self._ids, new_ids))
        self._columns = np.concatenate((self._columns, words.T), axis=1)

    def remove(self, ids: Iterable[int]) -> None:
        """Withdraw ids from the next query on; unknown ids are ignored."""
        keep = ~np.isin(self._ids, ids_array(ids))
        self._ids, self._columns = self._ids[keep], self._columns[:, keep]

    def query(self, hash: PdqHash | bytes, radius: int = MATCH_DISTANCE_BITS) -> list[Match]:
        """Return the entries within radius of hash, sorted by (distance, id)."""
        return self._search(query_words(hash), radius)[0]

    def query_many(
        self, hashes: NDArray[np.uint8], radius: int = MATCH_DISTANCE_BITS
    ) -> list[list[Match]]:
        """Return query(hash, radius) for each row of hashes (n x 32 bytes)."""
        return self._search(words_from_bytes(hashes), radius)

    def snapshot(self) -> "LinearPdqIndex":
        """Return a copy that answers as this index does now, whatever changes it later.

        Every change makes new arrays rather than altering these, so the copy shares them.
        """
        copy = LinearPdqIndex(self.max_radius)
        copy._ids, copy._columns = self._ids, self._columns
        return copy

    def __len__(self) -> int:
        """Return the number of live entries."""
        return len(self._ids)

    def _search(self, queries: NDArray[np.uint64], radius: int) -> list[list[Match]]:
        check_radius(radius, self.max_radius)
        rows, found, dists = [], [], []
        for row, query in enumerate(queries):
            d = scan(self._columns, query[None, :])[0]
            near = np.flatnonzero(d <= radius)
            rows.append(np.full(len(near), row, dtype=np.intp))
            found.append(self._ids[near])
            dists.append(d[near])
        if not rows:
            return []
        return group_matches(
            np.concatenate(rows), np.concatenate(found), np.concatenate(dists), len(queries)
        )
