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
    return [_at(values, size, fraction) for fraction in fractions]


def _at(values: list[tuple[int, int]], size: int, fraction: float) -> float:
    position = (size - 1) * fraction
    below = math.floor(position)
    low, high = _ranked(values, below), _ranked(values, min(below + 1, size - 1))
    return low + (position - below) * (high - low)


def _ranked(values: list[tuple[int, int]], rank: int) -> int:
    """Return the value at 0-based ``rank`` in the sorted, counted values."""
    seen = 0
    for value, count in values:
        seen += count
        if rank < seen:
            return value
    raise IndexError(rank)
