"""Which counts to hide so that no small number can be seen or worked out.

The rule (docs/figures.md says it for people):
1. Primary: a count from 1 to 4 is hidden and shown as "fewer than 5". 0 is shown: it says
   that nothing happened, which names nobody.
2. Secondary: tables carry totals (a row's outcomes add up to its addresses reported; months add
   up to their year, years and rows to the grand total). A hidden count must not be recoverable
   from them, so more counts are withheld until
   - no hidden count is fixed by the published equations, taken in any combination (linear
     algebra: a hidden count is fixed exactly when every solution of the equations gives it
     the same value, i.e. its row of the null space is zero), and
   - no hidden count is pinned by what a reader knows of its range (1 to 4 for "fewer than
     5", 5 or more for "withheld", as only non-zero counts outside 1 to 4 are withheld):
     ranges are narrowed line by line until nothing changes, and a range of one value is a
     disclosure (a row of total 6 with a hidden 1 and a withheld 5 would otherwise give both).
   Each round withholds, for each exposed count, the smallest shown non-zero count of a line
   it is in (a part before the line's total), so the fewest people's numbers are withheld.
3. Derived figures (shares, percentiles) are hidden when made from fewer than 5 records or
   from a hidden count (``DerivedRule`` in _tables).

Counts live in one flat list; a ``Line`` says that some of them add up to another. Tables that
share a total (the grand totals of addresses by platform, by country and by month) are
suppressed together, so a total is hidden everywhere or nowhere.
"""

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SMALLEST_SHOWN = 5  # counts from 1 to SMALLEST_SHOWN - 1 are hidden
_NULL_TOLERANCE = 1e-9  # coefficients are 0 and ±1: the null space is far from this
_NARROWING_ROUNDS = 20  # ranges settle in two or three rounds; this only bounds the work


class Mark(enum.StrEnum):
    """How a figure is shown: its value, or why not."""

    SHOWN = "shown"
    FEWER_THAN_5 = "fewer-than-5"  # a count from 1 to 4
    WITHHELD = "withheld"  # a count hidden so that a smaller one cannot be worked out
    TOO_FEW = "too-few"  # a share or percentile of fewer than 5 records, or of a hidden count


@dataclass(frozen=True)
class Line:
    """Counts ``parts`` (indexes) that add up to the count ``whole`` (an index)."""

    whole: int
    parts: tuple[int, ...]


def suppress(values: Sequence[int], lines: Sequence[Line]) -> list[Mark]:
    """Return how each count is shown, so that no count from 1 to 4 can be seen or worked out."""
    marks = [Mark.FEWER_THAN_5 if 0 < value < SMALLEST_SHOWN else Mark.SHOWN for value in values]
    while exposed := _exposed(values, lines, marks):
        chosen = {_cover(cell, values, lines, marks) for cell in exposed} - {None}
        if not chosen:
            chosen = {_smallest_shown(range(len(values)), values, marks)} - {None}
        if not chosen:
            break  # every non-zero count is hidden: nothing more can be withheld
        for cell in chosen:
            if cell is not None:
                marks[cell] = Mark.WITHHELD
    return marks


def exposed_counts(values: Sequence[int], lines: Sequence[Line], marks: Sequence[Mark]) -> set[int]:
    """Return the hidden counts a reader could work out from the shown ones and the lines."""
    return _exposed(values, lines, marks)


def _exposed(values: Sequence[int], lines: Sequence[Line], marks: Sequence[Mark]) -> set[int]:
    hidden = [cell for cell, mark in enumerate(marks) if mark != Mark.SHOWN]
    if not hidden:
        return set()
    return _fixed_by_equations(hidden, lines) | _pinned_by_ranges(values, lines, marks)


def _fixed_by_equations(hidden: list[int], lines: Sequence[Line]) -> set[int]:
    column = {cell: index for index, cell in enumerate(hidden)}
    rows = []
    for line in lines:
        row = np.zeros(len(hidden))
        for cell in line.parts:
            if cell in column:
                row[column[cell]] += 1.0
        if line.whole in column:
            row[column[line.whole]] -= 1.0
        if row.any():
            rows.append(row)
    if not rows:
        return set()
    matrix = np.array(rows)
    _, singular, right = np.linalg.svd(matrix)
    rank = int((singular > _NULL_TOLERANCE * max(1.0, singular[0])).sum())
    null = right[rank:]  # rows span the null space; column k is hidden count k's coordinates
    free = np.abs(null).max(axis=0) if len(null) else np.zeros(len(hidden))
    return {cell for cell, room in zip(hidden, free, strict=True) if room < _NULL_TOLERANCE}


def _pinned_by_ranges(values: Sequence[int], lines: Sequence[Line], marks: Sequence[Mark]) -> set[int]:
    low = {cell: 1.0 if mark == Mark.FEWER_THAN_5 else float(SMALLEST_SHOWN)
           for cell, mark in enumerate(marks) if mark != Mark.SHOWN}  # fmt: skip
    high = {cell: SMALLEST_SHOWN - 1.0 if mark == Mark.FEWER_THAN_5 else math.inf
            for cell, mark in enumerate(marks) if mark != Mark.SHOWN}  # fmt: skip
    for _ in range(_NARROWING_ROUNDS):
        if not any([_narrow(line, values, low, high) for line in lines]):
            break
    return {cell for cell in low if high[cell] - low[cell] < 1}


def _narrow(line: Line, values: Sequence[int], low: dict[int, float], high: dict[int, float]) -> bool:
    """Narrow the hidden counts' ranges by one line; return whether any changed."""
    terms = [(cell, 1) for cell in line.parts] + [(line.whole, -1)]
    known = -sum(sign * values[cell] for cell, sign in terms if cell not in low)
    hidden = [(cell, sign) for cell, sign in terms if cell in low]
    changed = False
    for cell, sign in hidden:
        others = [(other, s) for other, s in hidden if other != cell]
        # sign * cell = known - (the others' signed sum), whose range is summed here
        rest_least = sum(low[c] if s > 0 else -high[c] for c, s in others)
        rest_most = sum(high[c] if s > 0 else -low[c] for c, s in others)
        least, most = known - rest_most, known - rest_least
        new_low, new_high = (least, most) if sign > 0 else (-most, -least)
        if new_low > low[cell]:
            low[cell], changed = float(math.ceil(new_low)), True
        if new_high < high[cell]:
            high[cell], changed = float(math.floor(new_high)), True
    return changed


def _cover(cell: int, values: Sequence[int], lines: Sequence[Line], marks: Sequence[Mark]) -> int | None:
    """Return a shown count to withhold so that ``cell`` is no longer exposed, or None."""
    for line in sorted((line for line in lines if cell == line.whole or cell in line.parts),
                       key=lambda line: len(line.parts)):  # fmt: skip
        chosen = _smallest_shown(line.parts, values, marks)
        if chosen is None:
            chosen = _smallest_shown((line.whole,), values, marks)
        if chosen is not None:
            return chosen
    return None


def _smallest_shown(cells: Sequence[int] | range, values: Sequence[int], marks: Sequence[Mark]) -> int | None:
    shown = [cell for cell in cells if marks[cell] == Mark.SHOWN and values[cell] > 0]
    return min(shown, key=lambda cell: (values[cell], cell)) if shown else None
