"""How a segment of the multi-index cuts the 256 bits into chunks, and how far it probes each.

Multi-index hashing (Norouzi, Punjani and Fleet, "Fast Exact Search in Hamming Space with
Multi-Index Hashing", 2014) rests on the pigeonhole principle: cut the hash into m disjoint
chunks and give chunk i a probe radius t_i. If a bank hash differs from the query in more than
t_i bits of every chunk i, it differs in at least sum(t_i + 1) bits in all. So when
sum(t_i + 1) > r, every hash within r has some chunk within t_i of the query's chunk: probing
each chunk's Hamming ball of radius t_i finds all of them, and the full 256-bit distance of
each candidate sorts out the rest. A chunk with t_i = -1 is not probed at all.

A chunk of b bits probed to radius t costs ball(b, t) = sum(C(b, k), k <= t) bucket look-ups
and brings about rows * ball(b, t) / 2**b random candidates to check. Wider chunks mean fewer
candidates but bigger tables (one offset per possible value, 2**b of them).

The arithmetic at 10 million random hashes and radius 31 (tables are 4-byte positions):
- 12 chunks of 21-22 bits (4 x 22 + 8 x 21): radius 2 on the four 22-bit chunks and four
  21-bit ones, 1 on the other four, 8 x 3 + 4 x 2 = 32 > 31. Look-ups 4 x 254 + 4 x 232 +
  4 x 22 = 2,032; candidates about 4 x 254 x 2.38 + 4 x 232 x 4.77 + 4 x 22 x 4.77 = 7,270;
  101 bytes per entry, 1.0 GB in all.
- 11 chunks of 23-24 bits (3 x 24 + 8 x 23): radius 2 on ten chunks and 1 on one 23-bit chunk
  (a 23-bit chunk saves more candidates by dropping to 1 than a 24-bit one),
  10 x 3 + 2 = 32 > 31. Look-ups 7 x 277 + 3 x 301 + 24 = 2,866; candidates about
  7 x 330 + 3 x 179 + 29 = 2,880; 131 bytes per entry, 1.3 GB in all.
- 10 chunks of 25-26 bits need radius 3 on two chunks: 8,016 look-ups, and 2.9 GB.
Look-ups and candidates are both random reads, so the planner weighs them equally and picks 11
chunks: 5,750 reads against 9,300. Measured on one segment of 10 million (bench machine,
one core): 0.28 ms a query with 11 chunks, 0.5 to 1.1 ms with 12. At 1 million the planner picks 13
chunks of 19-20 bits (0.16 ms); 12 chunks of 21-22 bits measured 0.12 ms but take 222 bytes
per entry, past MAX_BYTES_PER_ROW.
"""

import heapq
from functools import cache
from itertools import combinations
from math import comb

import numpy as np
from numpy.typing import NDArray

from reclaim.matching._types import HASH_BITS

# Relative price of one bucket look-up and one candidate check: both are a random read.
PROBE_COST = 1.0
CANDIDATE_COST = 1.0
# Memory per entry: 32 bytes of hash, 8 of id, 4 per chunk in `order`, 4 per table slot
# (2**b + 1 per chunk) shared among the entries. The aim is 1.5 GB for 10 million hashes.
MAX_BYTES_PER_ROW = 150
MIN_CHUNKS, MAX_CHUNKS = 8, 128


def split_widths(chunks: int) -> tuple[int, ...]:
    """Return the widths of `chunks` contiguous chunks covering 256 bits, wider ones first."""
    base, extra = divmod(HASH_BITS, chunks)
    return (base + 1,) * extra + (base,) * (chunks - extra)


def ball_size(width: int, radius: int) -> int:
    """Return how many values lie within radius of a width-bit value (0 for radius -1)."""
    return sum(comb(width, k) for k in range(radius + 1))


def _cost(width: int, radius: int, rows: int) -> float:
    ball = ball_size(width, radius)
    return ball * (PROBE_COST + CANDIDATE_COST * rows / (1 << width))


def probe_radii(widths: tuple[int, ...], rows: int, radius: int) -> tuple[int, ...]:
    """Return the cheapest chunk radii t_i (-1: not probed) with sum(t_i + 1) > radius.

    Each step raises the chunk whose next radius adds least cost; the marginal costs of a
    chunk grow with its radius, so these greedy steps reach the cheapest assignment.
    """
    radii = [-1] * len(widths)
    steps = [(_cost(w, 0, rows), i) for i, w in enumerate(widths)]
    heapq.heapify(steps)
    for _ in range(radius + 1):
        _, i = heapq.heappop(steps)
        radii[i] += 1
        if radii[i] < widths[i]:
            w, t = widths[i], radii[i]
            heapq.heappush(steps, (_cost(w, t + 1, rows) - _cost(w, t, rows), i))
    return tuple(radii)


def bytes_per_row(widths: tuple[int, ...], rows: int) -> float:
    """Return the memory a segment of rows entries cut into these chunks takes per entry."""
    slots = sum((1 << w) + 1 for w in widths)
    return 40 + 4 * len(widths) + 4 * slots / max(rows, 1)


def choose_widths(rows: int, max_radius: int) -> tuple[int, ...]:
    """Return the chunk widths with the least cost at max_radius within MAX_BYTES_PER_ROW.

    A segment too small for any cut to fit (a few hundred rows) takes the leanest one.
    """
    cuts = [split_widths(chunks) for chunks in range(MIN_CHUNKS, MAX_CHUNKS + 1)]
    fitting = [w for w in cuts if bytes_per_row(w, rows) <= MAX_BYTES_PER_ROW]
    if not fitting:
        return min(cuts, key=lambda widths: bytes_per_row(widths, rows))
    return min(fitting, key=lambda widths: _total_cost(widths, rows, max_radius))


def _total_cost(widths: tuple[int, ...], rows: int, radius: int) -> float:
    radii = probe_radii(widths, rows, radius)
    return sum(_cost(w, t, rows) for w, t in zip(widths, radii, strict=True))


@cache
def ball_masks(width: int, radius: int) -> NDArray[np.int64]:
    """Return every XOR mask of at most radius set bits among width bits (read-only)."""
    masks = [
        sum(1 << bit for bit in bits)
        for k in range(radius + 1)
        for bits in combinations(range(width), k)
    ]
    array = np.array(masks, dtype=np.int64)
    array.flags.writeable = False
    return array
