"""Percentiles of counted values, by linear interpolation between the closest ranks.

The method is the one numpy.percentile uses by default ("linear") and
statistics.quantiles(method="inclusive") uses: Hyndman and Fan's type 7. For n sorted values
x[0] <= ... <= x[n-1] and a fraction p, the position is h = (n - 1) * p and the percentile
x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]). The median is p = 0.5 (the
mean of the two middle values when n is even); the 90th percentile is p = 0.9.

Values come counted ({value: how many}), as a database's GROUP BY gives them, so 450,000
removal times cost one sort of their distinct values.
"""

import math
from collections.abc import Mapping, Sequence


def percentiles(counts: Mapping[int, int], fractions: Sequence[float]) -> list[float] | None:
    """Return the percentiles at ``fractions`` (each 0 to 1) of counted values; None if none."""
    values = sorted((value, count) for value, count in counts.items() if count > 0)
    size = sum(count for _, count in values)
    if size == 0:
        return None
    positions = [(size - 1) * fraction for fraction in fractions]
    neighbours = [(math.floor(p), min(math.floor(p) + 1, size - 1)) for p in positions]
    found = _ranked(values, sorted({rank for pair in neighbours for rank in pair}))
    return [
        found[low] + (position - low) * (found[high] - found[low])
        for position, (low, high) in zip(positions, neighbours, strict=True)
    ]


def _ranked(values: list[tuple[int, int]], ranks: list[int]) -> dict[int, int]:
    """Return the value at each 0-based rank (ascending) in the sorted, counted values: one walk."""
    found: dict[int, int] = {}
    seen, wanted = 0, iter(ranks)
    rank = next(wanted, None)
    for value, count in values:
        seen += count
        while rank is not None and rank < seen:
            found[rank] = value
            rank = next(wanted, None)
    return found
