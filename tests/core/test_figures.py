"""Figures against counts computed here, by brute force over generated records."""

import datetime
import statistics
from collections import Counter

import numpy as np
import pytest

from reclaim.figures import (
    SUBTOTAL,
    TOTAL,
    AddressCounts,
    AddressRecord,
    Cell,
    Figures,
    FiguresError,
    Mark,
    Month,
    Table,
    address_counts,
    build_figures,
    case_counts,
    percentiles,
    removal_times,
)
from tests.core.figures_data import AS_OF, addresses, cases

ADDRESSES = addresses(3000)
CASES = cases(1200)


@pytest.fixture(scope="module")
def figures() -> Figures:
    return build_figures(
        case_counts(CASES), address_counts(ADDRESSES, AS_OF), removal_times(ADDRESSES)
    )


def outcome(address: AddressRecord) -> str:
    if address.removed_at:
        return "removed"
    if address.refused_at:
        return "refused"
    return "still_up" if address.still_up else "waiting"


def brute_force(key: object) -> dict[object, Counter[str]]:
    """Return, for each group of addresses, every column's count, counted one by one."""
    groups: dict[object, Counter[str]] = {}
    for address in ADDRESSES:
        for group in (key(address), "total"):  # type: ignore[operator]
            counts = groups.setdefault(group, Counter())
            counts["reported"] += 1
            counts[outcome(address)] += 1
            counts["reappeared"] += 1 if address.reappearances else 0
            counts["reappearances"] += address.reappearances
    return groups


def assert_cell_tells_truth(cell: Cell, true: int) -> None:
    if cell.mark == Mark.SHOWN:
        assert cell.value == true
    elif cell.mark == Mark.FEWER_THAN_5:
        assert cell.value is None and 1 <= true <= 4
    else:
        assert cell.mark == Mark.WITHHELD and cell.value is None and true >= 5


def assert_table_matches(table: Table, truth: dict[object, Counter[str]], key: object) -> None:
    for row in table.rows:
        group = "total" if row.kind == TOTAL else key(row)  # type: ignore[operator]
        for column, cell in zip(table.columns, row.cells, strict=True):
            assert_cell_tells_truth(cell, truth.get(group, Counter())[column.key])


def test_addresses_by_platform_match_a_count_by_hand(figures: Figures) -> None:
    truth = brute_force(lambda address: address.platform)
    table = figures.addresses_by_platform
    assert {row.key for row in table.data_rows} == set(truth) - {"total"}
    assert_table_matches(table, truth, lambda row: row.key)


def test_addresses_by_country_match_a_count_by_hand(figures: Figures) -> None:
    truth = brute_force(lambda address: address.country)
    assert_table_matches(figures.addresses_by_country, truth, lambda row: row.key)


def test_addresses_by_month_and_year_match_a_count_by_hand(figures: Figures) -> None:
    truth = brute_force(lambda address: address.reported_at.strftime("%Y-%m"))
    truth.update(brute_force(lambda address: str(address.reported_at.year)))
    table = figures.addresses_by_month
    assert [row.key for row in table.rows if row.kind == SUBTOTAL] == ["2023", "2024", "2025"]
    assert len(table.data_rows) == 12 + 12 + 5  # every month to May 2025, none left out
    assert_table_matches(table, truth, lambda row: row.key)


def test_cases_opened_and_closed_per_month_match_a_count_by_hand(figures: Figures) -> None:
    opened = Counter(case.opened.label for case in CASES)
    closed = Counter(case.closed.label for case in CASES if case.closed)
    for case in CASES:
        opened[str(case.opened.year)] += 1
        opened["total"] += 1
        if case.closed:
            closed[str(case.closed.year)] += 1
            closed["total"] += 1
    for row in figures.cases_by_month.rows:
        assert_cell_tells_truth(row.cells[0], opened[row.key])
        assert_cell_tells_truth(row.cells[1], closed[row.key])


def test_small_counts_are_there_and_hidden(figures: Figures) -> None:
    marks = Counter(cell.mark for t in figures.tables() for row in t.rows for cell in row.cells)
    assert marks[Mark.FEWER_THAN_5] > 5 and marks[Mark.WITHHELD] > 0


def test_removal_times_match_statistics_and_numpy(figures: Figures) -> None:
    for row in figures.removal_times.rows:
        minutes = [
            int((a.removed_at - a.reported_at).total_seconds() // 60)
            for a in ADDRESSES
            if a.removed_at and (row.kind == TOTAL or a.platform == row.key)
        ]
        median, p90, _ = row.cells
        if len(minutes) < 5:
            assert median.mark == p90.mark == Mark.TOO_FEW and median.value is None
            continue
        p90_by_statistics = statistics.quantiles(minutes, n=10, method="inclusive")[8]
        for shown, exact in (
            (median.value, statistics.median(minutes)),
            (p90.value, p90_by_statistics),
            (p90.value, float(np.percentile(minutes, 90))),
        ):
            assert shown == pytest.approx(exact / 60, abs=0.05 + 1e-9)  # hours to one decimal


def test_share_within_the_legal_clock_matches_a_count_by_hand(figures: Figures) -> None:
    for row in figures.removal_times.rows:
        mine = [a for a in ADDRESSES if row.kind == TOTAL or a.platform == row.key]
        due = [a for a in mine if a.deadline and (a.removed_at or a.deadline <= AS_OF)]
        met = [a for a in due if a.removed_at and a.deadline and a.removed_at <= a.deadline]
        cell = row.cells[2]
        if len(due) < 5:
            assert cell.mark == Mark.TOO_FEW
        else:
            assert cell.value == round(100 * len(met) / len(due), 1)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 7, 10, 11, 100, 101])
def test_percentiles_agree_with_statistics_quantiles(size: int) -> None:
    values = [(index * 7919) % 613 for index in range(size)]
    median, p90 = percentiles(Counter(values), (0.5, 0.9)) or (None, None)
    assert median == pytest.approx(statistics.median(values))
    if size > 1:
        assert p90 == pytest.approx(statistics.quantiles(values, n=10, method="inclusive")[8])
    assert p90 == pytest.approx(float(np.percentile(values, 90)))


def test_percentiles_of_nothing_are_none() -> None:
    assert percentiles({}, (0.5,)) is None
    assert percentiles({3: 0}, (0.5,)) is None


def test_yearly_summary_reads_the_same_numbers_as_the_tables(figures: Figures) -> None:
    summary = figures.summary(2024)
    assert summary is not None
    year_row = next(row for row in figures.addresses_by_month.rows if row.key == "2024")
    reported = sum(1 for a in ADDRESSES if a.reported_at.year == 2024)
    removed = sum(1 for a in ADDRESSES if a.reported_at.year == 2024 and a.removed_at)
    opened = sum(1 for case in CASES if case.opened.year == 2024)
    assert summary.addresses_reported == year_row.cells[0] == Cell(reported)
    assert summary.addresses_removed == Cell(removed)
    assert summary.share_removed == Cell(round(100 * removed / reported, 1))
    due = [
        a
        for a in ADDRESSES
        if a.reported_at.year == 2024 and a.deadline and (a.removed_at or a.deadline <= AS_OF)
    ]
    met = [a for a in due if a.removed_at and a.deadline and a.removed_at <= a.deadline]
    assert summary.share_within_clock == Cell(round(100 * len(met) / len(due), 1))
    assert summary.sentence() == (
        f"In 2024 we opened {opened:,} cases and reported {reported:,} addresses; "
        f"{removed:,} of them have been removed ({100 * removed / reported:.1f}%)."
    )


def test_a_share_of_a_hidden_count_is_hidden() -> None:
    few = [a for a in ADDRESSES if a.reported_at.year == 2023][:3]
    figures = build_figures([], address_counts(few, AS_OF), removal_times(few))
    summary = figures.summary(2023)
    assert summary is not None and summary.addresses_reported.mark == Mark.FEWER_THAN_5
    assert summary.share_removed.mark == Mark.TOO_FEW and summary.share_removed.value is None
    assert "fewer than 5" in summary.sentence()


def test_counted_rows_from_a_database_give_the_same_figures(figures: Figures) -> None:
    """Rows split and shuffled as a GROUP BY might return them: the figures do not change."""
    rows: list[AddressCounts] = []
    for row in address_counts(ADDRESSES, AS_OF):
        first = AddressCounts(row.month, row.platform, row.country, row.removed, row.removed)
        rest = AddressCounts(
            row.month,
            row.platform,
            row.country,
            row.reported - row.removed,
            0,
            row.refused,
            row.still_up,
            row.waiting,
            row.reappeared,
            row.reappearances,
            row.clock_due,
            row.clock_met,
        )
        rows += [rest, first]
    again = build_figures(reversed(case_counts(CASES)), rows, reversed(removal_times(ADDRESSES)))
    assert again == figures


def test_months_are_counted_where_the_helpline_is() -> None:
    late = datetime.datetime(2024, 1, 31, 23, 30, tzinfo=datetime.UTC)
    record = AddressRecord("X", "gb", late)
    athens = datetime.timezone(datetime.timedelta(hours=2))
    assert address_counts([record], AS_OF)[0].month == Month(2024, 1)
    assert address_counts([record], AS_OF, athens)[0].month == Month(2024, 2)


def test_removed_before_reported_counts_as_no_time() -> None:
    reported = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    record = AddressRecord("X", "gb", reported, removed_at=reported - datetime.timedelta(hours=1))
    assert record.removal_minutes() == 0


def test_outcomes_must_add_up_to_the_addresses_reported() -> None:
    with pytest.raises(FiguresError, match="add up"):
        AddressCounts(Month(2024, 1), "X", "gb", reported=5, removed=3)
    with pytest.raises(FiguresError, match="not a month"):
        Month.parse("2024-13")
    assert Month.parse("2024-03").label == "2024-03"


def test_the_years_table_holds_the_summaries_cells(figures: Figures) -> None:
    table = figures.years
    assert figures.tables()[0] == table
    assert [row.key for row in table.rows] == ["2023", "2024", "2025"]
    for row, summary in zip(table.rows, figures.summaries, strict=True):
        assert row.cells[1:3] == (summary.addresses_reported, summary.addresses_removed)
        assert row.cells[3] == summary.share_removed


def test_a_hidden_figure_cannot_carry_its_value() -> None:
    with pytest.raises(FiguresError):
        Cell(3, Mark.FEWER_THAN_5)
    with pytest.raises(FiguresError):
        Cell(None)
