"""Suppression: no count from 1 to 4 can be read, or worked out from totals, in any table.

The audit here is independent of the core's: it rebuilds the equations a reader sees from the
published tables alone and asks a linear program (scipy's HiGHS) for the least and the most
each hidden count could be, given what its mark says (1 to 4 for "fewer than 5", 1 or more
for "withheld", as 0 is never hidden). A hidden count whose least and most are the same has
been disclosed.
"""

import random

import numpy as np
import pytest
from scipy.optimize import linprog

from reclaim.figures import (
    PARTS,
    SUBTOTAL,
    TOTAL,
    Figures,
    Line,
    Mark,
    Table,
    address_counts,
    build_figures,
    case_counts,
    exposed_counts,
    removal_times,
    suppress,
)
from tests.core.figures_data import AS_OF, addresses, cases

Key = tuple[str, str, str]  # table, row, column


def audit(equations: list[list[tuple[Key, int]]], cells: dict[Key, tuple[Mark, float]]) -> set[Key]:
    """Return the hidden cells a reader can pin to one value; ``cells``: key to (mark, value)."""
    hidden = sorted(key for key, (mark, _) in cells.items() if mark != Mark.SHOWN)
    if not hidden:
        return set()
    column = {key: index for index, key in enumerate(hidden)}
    rows, right = [], []
    for equation in equations:
        row = np.zeros(len(hidden))
        constant = 0.0
        for key, sign in equation:
            if key in column:
                row[column[key]] += sign
            else:
                constant -= sign * cells[key][1]
        if row.any():
            rows.append(row)
            right.append(constant)
    bounds = [(1, 4) if cells[key][0] == Mark.FEWER_THAN_5 else (1, None) for key in hidden]
    equations_matrix, right_side = (np.array(rows), right) if rows else (None, None)
    true = np.array([cells[key][1] for key in hidden])
    # Cheap first: vertices for random objectives (withheld counts capped, which only shrinks
    # what is possible); a cell whose value differs from the truth at one of them is free.
    capped = [(low, high if high is not None else 10**6) for low, high in bounds]
    unsettled = set(range(len(hidden)))
    rng = np.random.default_rng(15)
    for _ in range(8):
        result = linprog(
            rng.choice((-1.0, 1.0), len(hidden)),
            A_eq=equations_matrix,
            b_eq=right_side,
            bounds=capped,
            method="highs",
        )
        assert result.status == 0
        unsettled -= {index for index in unsettled if abs(result.x[index] - true[index]) > 0.5}
    pinned = set()
    for index in sorted(unsettled):  # then the least and the most, one cell at a time
        goal = np.zeros(len(hidden))
        goal[index] = 1
        ends = []
        for sign in (1, -1):
            result = linprog(
                sign * goal, A_eq=equations_matrix, b_eq=right_side, bounds=bounds, method="highs"
            )
            assert result.status in (0, 3)  # solved, or unbounded (no news at all)
            ends.append(sign * result.fun if result.status == 0 else -sign * np.inf)
        if ends[1] - ends[0] < 0.5:
            pinned.add(hidden[index])
    return pinned


def published(tables: list[Table], shared_total: str) -> dict[Key, tuple[Mark, float]]:
    """Return every cell as a reader sees it, the total rows of all tables as one row."""
    cells: dict[Key, tuple[Mark, float]] = {}
    for table in tables:
        for row in table.rows:
            for column, cell in zip(table.columns, row.cells, strict=True):
                name = shared_total if row.kind == TOTAL else table.key
                cells[name, row.key, column.key] = (cell.mark, float(cell.value or 0))
    return cells


def table_equations(table: Table, total: str) -> list[list[tuple[Key, int]]]:
    """Return what adds up in a table: data rows (or months) to subtotals, those to the total."""
    equations = []
    subtotals = [row for row in table.rows if row.kind == SUBTOTAL]
    for column in table.columns:
        if subtotals:
            for year in subtotals:
                months = [row for row in table.data_rows if row.key.startswith(year.key + "-")]
                equations.append(
                    [((table.key, m.key, column.key), 1) for m in months]
                    + [((table.key, year.key, column.key), -1)]
                )
            tops = subtotals
        else:
            tops = list(table.data_rows)
        equations.append(
            [((table.key, row.key, column.key), 1) for row in tops]
            + [((total, "total", column.key), -1)]
        )
    return equations


def outcome_equations(table: Table, total: str) -> list[list[tuple[Key, int]]]:
    """Return, for every row, that its outcomes add up to its addresses reported."""
    return [
        [(((total if row.kind == TOTAL else table.key), row.key, part), 1) for part in PARTS]
        + [(((total if row.kind == TOTAL else table.key), row.key, "reported"), -1)]
        for row in table.rows
    ]


def make_figures(seed: int, size: int) -> Figures:
    found = addresses(size, seed)
    return build_figures(
        case_counts(cases(size // 3, seed)), address_counts(found, AS_OF), removal_times(found)
    )


@pytest.mark.parametrize(("seed", "size"), [(1, 60), (2, 150), (3, 400), (4, 90)])
def test_no_hidden_address_count_can_be_worked_out(seed: int, size: int) -> None:
    figures = make_figures(seed, size)
    tables = [
        figures.addresses_by_platform,
        figures.addresses_by_country,
        figures.addresses_by_month,
    ]
    totals = {tuple(t.rows[-1].cells) for t in tables}
    assert len(totals) == 1  # one total, hidden the same way everywhere
    cells = published(tables, "all")
    equations = [
        eq for t in tables for eq in table_equations(t, "all") + outcome_equations(t, "all")
    ]
    assert any(mark != Mark.SHOWN for mark, _ in cells.values())
    assert audit(equations, cells) == set()


@pytest.mark.parametrize(("seed", "size"), [(5, 30), (6, 120)])
def test_no_hidden_case_count_can_be_worked_out(seed: int, size: int) -> None:
    table = make_figures(seed, size).cases_by_month
    cells = published([table], "cases")
    assert any(mark != Mark.SHOWN for mark, _ in cells.values())
    assert audit(table_equations(table, "cases"), cells) == set()


def test_counts_from_1_to_4_are_hidden_and_0_and_5_shown() -> None:
    marks = suppress([0, 1, 2, 3, 4, 5, 6], [])
    assert marks == [Mark.SHOWN, *[Mark.FEWER_THAN_5] * 4, Mark.SHOWN, Mark.SHOWN]


def test_a_lone_hidden_count_in_a_row_with_a_total_takes_another_with_it() -> None:
    # total 12 = 3 + 9: showing 9 and 12 would give the 3 away
    marks = suppress([12, 3, 9], [Line(0, (1, 2))])
    assert marks == [Mark.SHOWN, Mark.FEWER_THAN_5, Mark.WITHHELD]


def test_the_smallest_other_count_is_withheld() -> None:
    marks = suppress([40, 2, 30, 8], [Line(0, (1, 2, 3))])
    assert marks == [Mark.SHOWN, Mark.FEWER_THAN_5, Mark.SHOWN, Mark.WITHHELD]


def test_a_count_pinned_by_its_range_is_protected() -> None:
    # 10 = 1 + 1 + 8: two "fewer than 5" adding up to 2 can only be 1 and 1
    values, lines = [10, 1, 1, 8], [Line(0, (1, 2, 3))]
    marks = suppress(values, lines)
    assert marks[3] == Mark.WITHHELD
    assert exposed_counts(values, lines, marks) == set()
    # a year of "fewer than 5" over four months of "fewer than 5": each month would be 1
    values, lines = [4, 1, 1, 1, 1], [Line(0, (1, 2, 3, 4))]
    marks = suppress(values, lines)
    assert marks == [Mark.WITHHELD, *[Mark.FEWER_THAN_5] * 4]
    assert exposed_counts(values, lines, [Mark.FEWER_THAN_5] * 5) == {0, 1, 2, 3, 4}


def test_a_hidden_count_fixed_across_rows_and_columns_is_found() -> None:
    # a 2 x 2 table with row and column totals; hiding only one cell and one total of its row
    # leaves the cell recoverable from its column
    #   a=3 b=20 | r1=23
    #   c=30 d=40| r2=70
    #   c1=33 c2=60 | g=93
    values = [3, 20, 23, 30, 40, 70, 33, 60, 93]
    lines = [
        Line(2, (0, 1)),
        Line(5, (3, 4)),
        Line(6, (0, 3)),
        Line(7, (1, 4)),
        Line(8, (2, 5)),
        Line(8, (6, 7)),
    ]
    marks = [Mark.FEWER_THAN_5, Mark.SHOWN, Mark.WITHHELD] + [Mark.SHOWN] * 6
    assert 0 in exposed_counts(values, lines, marks)
    settled = suppress(values, lines)
    assert exposed_counts(values, lines, settled) == set()
    hidden = [index for index, mark in enumerate(settled) if mark != Mark.SHOWN]
    assert len(hidden) >= 4  # at least a rectangle: the least that protects one cell


def test_random_tables_leave_nothing_exposed() -> None:
    rng = random.Random(15)
    for _ in range(20):
        width, height = rng.randrange(2, 5), rng.randrange(2, 6)
        grid = [
            [rng.choice((0, 1, 2, 3, 4, 5, 6, 9, 14, 30)) for _ in range(width)]
            for _ in range(height)
        ]
        values = [v for row in grid for v in row]
        row_totals = [sum(row) for row in grid]
        column_totals = [sum(column) for column in zip(*grid, strict=True)]
        values += row_totals + column_totals + [sum(row_totals)]
        rt, ct, g = height * width, height * width + height, len(values) - 1
        lines = [Line(rt + r, tuple(r * width + c for c in range(width))) for r in range(height)]
        lines += [Line(ct + c, tuple(r * width + c for r in range(height))) for c in range(width)]
        lines += [Line(g, tuple(range(rt, rt + height))), Line(g, tuple(range(ct, ct + width)))]
        marks = suppress(values, lines)
        keys = {index: ("t", str(index), "") for index in range(len(values))}
        cells = {keys[i]: (mark, float(values[i])) for i, mark in enumerate(marks)}
        equations = [
            [(keys[p], 1) for p in line.parts] + [(keys[line.whole], -1)] for line in lines
        ]
        assert audit(equations, cells) == set(), (grid, marks)


def test_the_audit_finds_a_count_given_away() -> None:
    """The audit can fail: one hidden count beside a shown total and a shown count is found."""
    cells = {
        ("t", "a", ""): (Mark.FEWER_THAN_5, 3.0),
        ("t", "b", ""): (Mark.SHOWN, 9.0),
        ("t", "total", ""): (Mark.SHOWN, 12.0),
    }
    equations = [[(("t", "a", ""), 1), (("t", "b", ""), 1), (("t", "total", ""), -1)]]
    assert audit(equations, cells) == {("t", "a", "")}
    cells["t", "b", ""] = (Mark.WITHHELD, 9.0)
    assert audit(equations, cells) == set()
