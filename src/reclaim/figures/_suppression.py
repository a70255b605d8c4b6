"""Which counts to hide so that no small number can be seen or worked out.

The rule (docs/figures.md says it for people):
1. Primary: a count from 1 to 4 is hidden and shown as "fewer than 5". 0 is shown: it says
   that nothing happened, which names nobody.
2. Secondary: tables carry totals (a row's outcomes add up to its addresses reported; months add
   up to their year, years and rows to the grand total). A hidden count must not be recoverable
   from them, so more counts are withheld until
   - no hidden count is fixed by the published equations, taken in any combination (exact
     elimination: a hidden count is fixed when some combination of the equations leaves it
     alone, so that every solution gives it the same value), and
   - no hidden count is pinned by what a reader knows of its range (1 to 4 for "fewer than
     5", 1 or more for "withheld": 0 is never hidden): ranges are narrowed line by line
     until nothing changes, and a range of one value is a disclosure (four months of "fewer
     than 5" in a year of "fewer than 5" would otherwise each be 1).
   Each round withholds, for each exposed count, the smallest shown non-zero count of the
   shortest line it is in (a part before the line's total), so the fewest people's numbers
   are withheld; where a line has none left, a "fewer than 5" in it (its total first) is
   shown as "withheld" instead, which says less about its size.
3. Derived figures (shares, percentiles) are hidden when made from fewer than 5 records or
   from a hidden count (``share`` and the removal times in _tables).

Why this ends: each round hides at least one more count or widens one's range, and once every
non-zero count linked to an exposed one is withheld, nothing bounds them from above and no
solution of the equations is unique, so nothing is exposed.

Counts live in one flat list; a ``Line`` says that some of them add up to another. Tables that
share a total (the grand totals of addresses by platform, by country and by month) are
suppressed together, so a total is hidden everywhere or nowhere.
"""

import enum
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from reclaim.figures._records import FiguresError

SMALLEST_SHOWN = 5  # counts from 1 to SMALLEST_SHOWN - 1 are hidden
_NARROWING_ROUNDS = 20  # ranges settle in two or three rounds; this only bounds the work


class Mark(enum.StrEnum):
    """How a figure is shown: its value, or why not."""

    SHOWN = "shown"
    FEWER_THAN_5 = "fewer-than-5"  # a count from 1 to 4
    WITHHELD = "withheld"  # a count (1 or more) hidden so that another cannot be worked out
    TOO_FEW = "too-few"  # a share or percentile of fewer than 5 records, or of a hidden count


@dataclass(frozen=True)
class Line:
    """Counts ``parts`` (indexes) that add up to the count ``whole`` (an index)."""

    whole: int
    parts: tuple[int, ...]


def suppress(values: Sequence[int], lines: Sequence[Line]) -> list[Mark]:
    """Return how each count is shown, so that no count from 1 to 4 can be seen or worked out."""
    if min(values, default=0) < 0:
        raise FiguresError("a count below zero")
    marks = [Mark.FEWER_THAN_5 if 0 < value < SMALLEST_SHOWN else Mark.SHOWN for value in values]
    while True:
        hidden = {cell for cell, mark in enumerate(marks) if mark != Mark.SHOWN}
        fixed = _fixed_by_equations(hidden, lines)
        pinned = _pinned_by_ranges(values, lines, marks) - fixed
        chosen = {_cover(cell, values, lines, marks, True) for cell in sorted(fixed)}
        chosen |= {_cover(cell, values, lines, marks, False) for cell in sorted(pinned)}
        if not chosen - {None}:
            return marks  # nothing exposed (see "Why this ends" above)
        for cell in chosen - {None}:
            if cell is not None:
                marks[cell] = Mark.WITHHELD


def exposed_counts(values: Sequence[int], lines: Sequence[Line], marks: Sequence[Mark]) -> set[int]:
    """Return the hidden counts a reader could work out from the shown ones and the lines."""
    return _exposed(values, lines, marks)


def _exposed(values: Sequence[int], lines: Sequence[Line], marks: Sequence[Mark]) -> set[int]:
    hidden = {cell for cell, mark in enumerate(marks) if mark != Mark.SHOWN}
    if not hidden:
        return set()
    return _fixed_by_equations(hidden, lines) | _pinned_by_ranges(values, lines, marks)


def _fixed_by_equations(hidden: set[int], lines: Sequence[Line]) -> set[int]:
    """Return the hidden counts that every solution of the lines gives the same value.

    Exact Gauss-Jordan elimination over the hidden counts (sparse rows of fractions): a count
    is fixed when some combination of lines mentions it alone, that is, when its pivot row in
    the reduced form has no other entry.
    """
    pivots: dict[int, dict[int, Fraction]] = {}
    for line in lines:
        row: dict[int, Fraction] = {}
        for cell, sign in [*((part, 1) for part in line.parts), (line.whole, -1)]:
            if cell in hidden:
                row[cell] = row.get(cell, Fraction(0)) + sign
        _add_row({cell: value for cell, value in row.items() if value}, pivots)
    return {cell for cell, row in pivots.items() if len(row) == 1}


def _add_row(row: dict[int, Fraction], pivots: dict[int, dict[int, Fraction]]) -> None:
    """Reduce ``row`` by the pivot rows and, if anything is left, make it a pivot row too."""
    for cell in [cell for cell in row if cell in pivots]:
        factor = row.get(cell, Fraction(0))
        if factor:
            _subtract(row, pivots[cell], factor)
    if not row:
        return
    pivot = min(row)
    scale = row[pivot]
    row = {cell: value / scale for cell, value in row.items()}
    for other in pivots.values():
        factor = other.get(pivot, Fraction(0))
        if factor:
            _subtract(other, row, factor)
    pivots[pivot] = row


def _subtract(row: dict[int, Fraction], pivot_row: dict[int, Fraction], factor: Fraction) -> None:
    for cell, value in pivot_row.items():
        left = row.get(cell, Fraction(0)) - factor * value
        if left:
            row[cell] = left
        else:
            row.pop(cell, None)


def _pinned_by_ranges(
    values: Sequence[int], lines: Sequence[Line], marks: Sequence[Mark]
) -> set[int]:
    low = {cell: 1.0 for cell, mark in enumerate(marks) if mark != Mark.SHOWN}
    high = {
        cell: SMALLEST_SHOWN - 1.0 if mark == Mark.FEWER_THAN_5 else math.inf
        for cell, mark in enumerate(marks)
        if mark != Mark.SHOWN
    }
    touched = [line for line in lines if line.whole in low or any(p in low for p in line.parts)]
    for _ in range(_NARROWING_ROUNDS):
        if not any([_narrow(line, values, low, high) for line in touched]):
            break
    return {cell for cell in low if high[cell] - low[cell] < 1}


def _narrow(
    line: Line, values: Sequence[int], low: dict[int, float], high: dict[int, float]
) -> bool:
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


def _cover(
    cell: int, values: Sequence[int], lines: Sequence[Line], marks: Sequence[Mark], fixed: bool
) -> int | None:
    """Return a count to withhold so that ``cell`` is less exposed, or None if none is left.

    The smallest shown non-zero count of the shortest line ``cell`` is in; for a count pinned
    only by its range, else a "fewer than 5" of those lines (shown as "withheld" it says less);
    else the nearest shown non-zero count through lines of hidden counts (the equations that
    fixed it run through them); for a pinned count, else the nearest "fewer than 5".
    """
    mine = sorted(
        (line for line in lines if cell == line.whole or cell in line.parts),
        key=lambda line: len(line.parts),
    )
    for line in mine:
        chosen = _smallest_shown(line.parts, values, marks)
        if chosen is None:
            chosen = _smallest_shown((line.whole,), values, marks)
        if chosen is not None:
            return chosen
    if not fixed:
        for line in mine:
            for candidate in (line.whole, *line.parts):
                if marks[candidate] == Mark.FEWER_THAN_5:
                    return candidate
    nearest = _nearest(cell, lines, marks, lambda cells: _smallest_shown(cells, values, marks))
    if nearest is None and not fixed:
        nearest = _nearest(cell, lines, marks, lambda cells: _first_fewer(cells, marks))
    return nearest


def _nearest(
    cell: int,
    lines: Sequence[Line],
    marks: Sequence[Mark],
    pick: Callable[[Sequence[int]], int | None],
) -> int | None:
    """Return what ``pick`` picks from the lines nearest ``cell``, reached via hidden counts."""
    reached, frontier = {cell}, {cell}
    while frontier:
        near = [line for line in lines if line.whole in frontier or frontier & set(line.parts)]
        counts = {c for line in near for c in (line.whole, *line.parts)}
        chosen = pick(sorted(counts))
        if chosen is not None:
            return chosen
        frontier = {c for c in counts - reached if marks[c] != Mark.SHOWN}
        reached |= counts
    return None


def _first_fewer(cells: Sequence[int], marks: Sequence[Mark]) -> int | None:
    return next((cell for cell in cells if marks[cell] == Mark.FEWER_THAN_5), None)


def _smallest_shown(
    cells: Sequence[int], values: Sequence[int], marks: Sequence[Mark]
) -> int | None:
    shown = [cell for cell in cells if marks[cell] == Mark.SHOWN and values[cell] > 0]
    return min(shown, key=lambda cell: (values[cell], cell)) if shown else None
