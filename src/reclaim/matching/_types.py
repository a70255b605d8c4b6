"""What every PDQ index shares: the Match value, the PdqIndex interface, and input checks.

MatchingError (ReclaimError)   input to an index is malformed, or a radius is out of range

Hashes travel inside the matchers as rows of four uint64 words, most significant word first,
so that row k is ``bytes.fromhex(hash.hex)`` read as four big-endian 64-bit numbers. The
Hamming distance of two rows is the popcount of their XOR, whatever the word order.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from reclaim.errors import ReclaimError
from reclaim.hashing import PdqHash

PDQ_BYTES = 32
WORDS_PER_HASH = 4
HASH_BITS = 256

Words = NDArray[np.uint64]
Ids = NDArray[np.int64]


class MatchingError(ReclaimError):
    """Input to an index is malformed, or a radius is out of range; the message says which."""


@dataclass(frozen=True, slots=True)
class Match:
    """One bank entry within the radius: its id and its Hamming distance to the query."""

    id: int
    distance: int


class PdqIndex(Protocol):
    """A bank of PDQ hashes under integer ids, searched by Hamming radius."""

    max_radius: int

    def add(self, ids: Sequence[int] | NDArray[np.int64], hashes: NDArray[np.uint8]) -> None:
        """Add hashes (n x 32 bytes, big-endian) under ids; an id already present is replaced."""
        ...

    def remove(self, ids: Iterable[int]) -> None:
        """Withdraw ids from the next query on; unknown ids are ignored."""
        ...

    def query(self, hash: PdqHash | bytes, radius: int = 31) -> list[Match]:
        """Return the entries within radius of hash, sorted by (distance, id)."""
        ...

    def query_many(self, hashes: NDArray[np.uint8], radius: int = 31) -> list[list[Match]]:
        """Return query(hash, radius) for each row of hashes (n x 32 bytes)."""
        ...

    def snapshot(self) -> "PdqIndex":
        """Return a copy that answers as this index does now, whatever changes it later."""
        ...

    def __len__(self) -> int:
        """Return the number of live entries."""
        ...


def words_from_bytes(hashes: object) -> Words:
    """Return an n x 4 uint64 array from an n x 32 uint8 array; MatchingError otherwise."""
    if not isinstance(hashes, np.ndarray) or hashes.dtype != np.uint8:
        raise MatchingError("hashes are a numpy array of uint8 (n x 32 bytes)")
    if hashes.ndim != 2 or hashes.shape[1] != PDQ_BYTES:
        raise MatchingError(f"hashes are n x 32 bytes, not an array of shape {hashes.shape}")
    big_endian = np.ascontiguousarray(hashes).view(">u8")
    return big_endian.astype(np.uint64)


def query_words(hash: PdqHash | bytes) -> Words:
    """Return a 1 x 4 uint64 array for one hash; MatchingError if it is not 32 bytes."""
    if isinstance(hash, PdqHash):
        raw = bytes.fromhex(hash.hex)
    elif isinstance(hash, bytes | bytearray) and len(hash) == PDQ_BYTES:
        raw = bytes(hash)
    else:
        raise MatchingError("a query is a PdqHash or its 32 bytes")
    return words_from_bytes(np.frombuffer(raw, dtype=np.uint8).reshape(1, PDQ_BYTES))


def ids_array(ids: Iterable[int] | NDArray[np.integer[Any]], count: int | None = None) -> Ids:
    """Return ids as a 1-d int64 array (of length count, if given); MatchingError otherwise."""
    try:
        values = np.asarray(ids if isinstance(ids, np.ndarray) else list(ids))
    except (TypeError, ValueError):
        raise MatchingError("ids are a flat sequence of integers") from None
    if values.size == 0:
        values = values.astype(np.int64).reshape(0)
    if values.ndim != 1 or values.dtype.kind not in "iu":
        raise MatchingError("ids are a flat sequence of integers")
    if values.dtype.kind == "u" and values.size and int(values.max()) > np.iinfo(np.int64).max:
        raise MatchingError("ids fit in a signed 64-bit integer")
    if count is not None and values.size != count:
        raise MatchingError(f"{values.size} ids for {count} hashes")
    return values.astype(np.int64)


def last_of_each(ids: Ids) -> NDArray[np.intp] | None:
    """Return the positions of the last occurrence of each distinct id, in id order.

    Return None when ids are already distinct and ascending (a bulk load, usually): then
    every position is kept, and callers skip copying what may be gigabytes.
    """
    if is_ascending(ids):
        return None
    reversed_first = np.unique(ids[::-1], return_index=True)[1]
    return ids.size - 1 - reversed_first


def is_ascending(ids: Ids) -> bool:
    """Return whether ids are strictly ascending (so also distinct)."""
    return bool(np.all(ids[1:] > ids[:-1]))


def check_radius(radius: int, max_radius: int) -> int:
    """Return radius if 0 <= radius <= max_radius; MatchingError otherwise."""
    if isinstance(radius, bool) or not isinstance(radius, int | np.integer):
        raise MatchingError(f"a radius is a whole number of bits, not {radius!r}")
    if not 0 <= radius <= max_radius:
        raise MatchingError(f"this index answers radii 0 to {max_radius}, not {radius}")
    return int(radius)


def distances(rows: Words, queries: Words) -> NDArray[np.int64]:
    """Return the Hamming distance of each row (n x 4) to the query row beside it (n x 4)."""
    bits = np.bitwise_count(rows ^ queries)
    # Four column additions: .sum(axis=1) over rows this short is three times slower.
    total: NDArray[np.int64] = bits[:, 0].astype(np.int64) + bits[:, 1] + bits[:, 2] + bits[:, 3]
    return total


def scan(columns: Words, queries: Words) -> NDArray[np.int64]:
    """Return the q x n distances of queries (q x 4) to every entry of columns (4 x n).

    Entries are stored column-wise for this: numpy's loops then run along the n entries, not
    along four words at a time (which is five times slower).
    """
    bits = np.bitwise_count(columns[None, :, :] ^ queries[:, :, None])
    total: NDArray[np.int64] = bits.sum(axis=1, dtype=np.int64)
    return total


def group_matches(
    query_rows: NDArray[np.intp], ids: Ids, dists: NDArray[np.int64], queries: int
) -> list[list[Match]]:
    """Return one list of matches per query, each sorted by (distance, id)."""
    order = np.lexsort((ids, dists, query_rows))
    counts = np.bincount(query_rows, minlength=queries)
    found = [Match(i, d) for i, d in zip(ids[order].tolist(), dists[order].tolist(), strict=True)]
    bounds = np.concatenate(([0], np.cumsum(counts))).tolist()
    return [found[bounds[q] : bounds[q + 1]] for q in range(queries)]
