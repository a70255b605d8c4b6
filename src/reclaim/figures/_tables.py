"""Figure tables: rows of cells, each a value or the reason it is hidden.

``build_figures`` turns counted rows (``_records``) into every table the statistics page and
the CSV export show, suppressed together (``_suppression``), and the yearly summaries read from
the same tables, so a number in an annual report is the number in the table.
"""

import itertools
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from reclaim.figures._quantiles import percentiles
from reclaim.figures._records import AddressCounts, CaseCounts, FiguresError, Month, RemovalTimes
from reclaim.figures._suppression import SMALLEST_SHOWN, Line, Mark, suppress

ROW, SUBTOTAL, TOTAL = "row", "subtotal", "total"
COUNT, HOURS, PERCENT = "count", "hours", "percent"
NOT_KNOWN = "Not known"
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Cell:
    """A figure as published: its value when shown, None with the reason when hidden."""

    value: int | float | None
    mark: Mark = Mark.SHOWN

    def __post_init__(self) -> None:
        if (self.mark == Mark.SHOWN) == (self.value is None):
            raise FiguresError("a figure is either shown with its value or hidden without it")

    @property
    def shown(self) -> bool:
        """Return whether the value may be published."""
        return self.mark == Mark.SHOWN


@dataclass(frozen=True)
class Column:
    """A table's column: a key the web layer can translate by, an English label, a unit."""

    key: str
    label: str
    unit: str = COUNT


@dataclass(frozen=True)
class Row:
    """A table's row: one month, platform or country; a year's subtotal; or the total."""

    key: str
    label: str
    cells: tuple[Cell, ...]
    kind: str = ROW


@dataclass(frozen=True)
class Table:
    """One figure table, with the columns and rows a chart beside it draws from."""

    key: str
    title: str
    row_header: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]

    def index(self, column_key: str) -> int:
        """Return the position of the column called ``column_key``."""
        return [column.key for column in self.columns].index(column_key)

    @property
    def data_rows(self) -> tuple[Row, ...]:
        """Return the rows that are neither subtotals nor the total (the bars of a chart)."""
        return tuple(row for row in self.rows if row.kind == ROW)


@dataclass(frozen=True)
class YearSummary:
    """The figures of one year a helpline puts in its annual report, read from the tables."""

    year: int
    cases_opened: Cell
    addresses_reported: Cell
    addresses_removed: Cell
    share_removed: Cell  # percent of the addresses reported that year removed by now
    share_within_clock: Cell  # percent removed within the legal clock, of those it ran out on

    def sentence(self) -> str:
        """Return the summary in English as an annual report says it."""
        return (
            f"In {self.year} we opened {english(self.cases_opened)} cases and reported "
            f"{english(self.addresses_reported)} addresses; {english(self.addresses_removed)} "
            f"of them have been removed ({english(self.share_removed)})."
        )


@dataclass(frozen=True)
class Figures:
    """Every figure table and the yearly summaries, suppressed together."""

    cases_by_month: Table
    addresses_by_platform: Table
    addresses_by_country: Table
    addresses_by_month: Table
    removal_times: Table
    summaries: tuple[YearSummary, ...] = field(default=())

    @property
    def years(self) -> Table:
        """Return the yearly summaries as a table: one row a year, the same cells."""
        rows = tuple(
            Row(
                str(s.year),
                str(s.year),
                (
                    s.cases_opened,
                    s.addresses_reported,
                    s.addresses_removed,
                    s.share_removed,
                    s.share_within_clock,
                ),
            )
            for s in self.summaries
        )
        return Table("years", "Each year", "Year", YEAR_COLUMNS, rows)

    def tables(self) -> tuple[Table, ...]:
        """Return every table, in the order the statistics page shows them."""
        return (
            self.years,
            self.cases_by_month,
            self.addresses_by_month,
            self.addresses_by_platform,
            self.addresses_by_country,
            self.removal_times,
        )

    def summary(self, year: int) -> YearSummary | None:
        """Return the summary of ``year``, or None if nothing happened in it."""
        return next((summary for summary in self.summaries if summary.year == year), None)


ENGLISH_MARKS = {
    Mark.FEWER_THAN_5: "fewer than 5",
    Mark.WITHHELD: "withheld",
    Mark.TOO_FEW: "too few to show",
}


def english(cell: Cell, unit: str = COUNT) -> str:
    """Return a cell as English text: "22,227", "90.0%", "31.5 hours" or why it is hidden."""
    if cell.value is None:
        return ENGLISH_MARKS.get(cell.mark, "none")
    if isinstance(cell.value, float) and unit != HOURS:
        return f"{cell.value:.1f}%"
    if unit == HOURS:
        return f"{cell.value:,.1f} hours"
    return f"{cell.value:,}"


CASE_COLUMNS = (Column("opened", "Cases opened"), Column("closed", "Cases closed"))
ADDRESS_COLUMNS = (
    Column("reported", "Addresses reported"),
    Column("removed", "Removed"),
    Column("refused", "Refused"),
    Column("still_up", "Still up"),
    Column("waiting", "No outcome yet"),
    Column("reappeared", "Came back"),
    Column("reappearances", "Times back"),
)
PARTS = ("removed", "refused", "still_up", "waiting")  # add up to "reported"
YEAR_COLUMNS = (
    Column("cases_opened", "Cases opened"),
    Column("addresses_reported", "Addresses reported"),
    Column("addresses_removed", "Addresses removed"),
    Column("share_removed", "Share removed", PERCENT),
    Column("share_within_clock", "Removed within the legal clock", PERCENT),
)
TIME_COLUMNS = (
    Column("median_hours", "Median time to removal", HOURS),
    Column("p90_hours", "90th percentile time to removal", HOURS),
    Column("within_clock", "Removed within the legal clock", PERCENT),
)


class _Grid:
    """Counts of several tables in one flat list, with the lines that add them up."""

    def __init__(self) -> None:
        self.values: list[int] = []
        self.lines: list[Line] = []
        self.marks: list[Mark] = []

    def add(self, counts: Sequence[int]) -> tuple[int, ...]:
        """Add a row of counts; return where they are kept."""
        start = len(self.values)
        self.values.extend(counts)
        return tuple(range(start, len(self.values)))

    def add_up(self, whole: Sequence[int], parts: Sequence[Sequence[int]]) -> None:
        """Say that, column by column, the ``parts`` rows add up to the ``whole`` row."""
        for column, total in enumerate(whole):
            self.lines.append(Line(total, tuple(part[column] for part in parts)))

    def settle(self) -> None:
        """Decide once which counts are hidden."""
        self.marks = suppress(self.values, self.lines)

    def cells(self, indexes: Sequence[int]) -> tuple[Cell, ...]:
        """Return the counts at ``indexes`` as published: hidden ones carry no value."""
        return tuple(
            Cell(self.values[i] if self.marks[i] == Mark.SHOWN else None, self.marks[i])
            for i in indexes
        )


@dataclass(frozen=True)
class _Placed:
    """A row whose counts are in a grid: kind, key, label and where its counts are."""

    kind: str
    key: str
    label: str
    indexes: tuple[int, ...]


def build_figures(
    cases: Iterable[CaseCounts],
    addresses: Iterable[AddressCounts],
    times: Iterable[RemovalTimes],
    country_names: Mapping[str, str] | None = None,
) -> Figures:
    """Return every figure table from counted rows, suppressed, with yearly summaries.

    Country codes are shown by their names in ``country_names`` when given.
    """
    cases, addresses = list(cases), list(addresses)
    names = dict(country_names or {})
    case_grid, grid = _Grid(), _Grid()
    width = len(ADDRESS_COLUMNS)
    case_rows = _monthly(case_grid, _case_months(cases), 2, None)
    by_month, by_platform, by_country = _address_groups(addresses)
    total = grid.add(
        [sum(column) for column in zip(*by_month.values(), strict=True)]
        if by_month
        else [0] * width
    )
    month_rows = _monthly(grid, by_month, width, total)
    platform_rows = _grouped(grid, by_platform, total, {})
    country_rows = _grouped(grid, by_country, total, names)
    whole, parts = _column("reported"), [_column(key) for key in PARTS]
    for row in [*month_rows, *platform_rows, *country_rows]:
        if row.kind != TOTAL:
            grid.lines.append(Line(row.indexes[whole], tuple(row.indexes[p] for p in parts)))
    grid.lines.append(Line(total[whole], tuple(total[p] for p in parts)))
    case_grid.settle()
    grid.settle()
    cases_table = _table(
        case_grid,
        "cases_by_month",
        "Cases opened and closed, by month",
        "Month",
        CASE_COLUMNS,
        case_rows,
    )
    month_table = _table(
        grid,
        "addresses_by_month",
        "Addresses, by month reported",
        "Month",
        ADDRESS_COLUMNS,
        month_rows,
    )
    return Figures(
        cases_by_month=cases_table,
        addresses_by_platform=_table(
            grid,
            "addresses_by_platform",
            "Addresses, by platform",
            "Platform",
            ADDRESS_COLUMNS,
            platform_rows,
        ),
        addresses_by_country=_table(
            grid,
            "addresses_by_country",
            "Addresses, by country",
            "Country",
            ADDRESS_COLUMNS,
            country_rows,
        ),
        addresses_by_month=month_table,
        removal_times=_removal_times(times, addresses),
        summaries=_summaries(cases_table, month_table, addresses),
    )


def _column(key: str) -> int:
    return [column.key for column in ADDRESS_COLUMNS].index(key)


def _address_groups(
    rows: Iterable[AddressCounts],
) -> tuple[dict[Month, list[int]], dict[str, list[int]], dict[str, list[int]]]:
    """Return the address columns summed by month, by platform and by country, in one pass."""
    by_month: dict[Month, list[int]] = {}
    by_platform: dict[str, list[int]] = {}
    by_country: dict[str, list[int]] = {}
    for row in rows:
        counts = (
            row.reported,
            row.removed,
            row.refused,
            row.still_up,
            row.waiting,
            row.reappeared,
            row.reappearances,
        )  # in the order of ADDRESS_COLUMNS
        _add(by_month, row.month, counts)
        _add(by_platform, row.platform, counts)
        _add(by_country, row.country, counts)
    return by_month, by_platform, by_country


def _add(group: dict[K, list[int]], key: K, counts: Sequence[int]) -> None:
    sums = group.get(key)
    if sums is None:
        group[key] = list(counts)
        return
    for position, count in enumerate(counts):
        sums[position] += count


def _case_months(rows: Iterable[CaseCounts]) -> dict[Month, list[int]]:
    months: dict[Month, list[int]] = {}
    for row in rows:
        sums = months.setdefault(row.month, [0, 0])
        sums[0] += row.opened
        sums[1] += row.closed
    return months


def _grouped(
    grid: _Grid, groups: dict[str, list[int]], total: tuple[int, ...], names: Mapping[str, str]
) -> list[_Placed]:
    """Add one row per platform or country, most addresses first, then the total."""
    rows = [
        _Placed(ROW, key, names.get(key, key) or NOT_KNOWN, grid.add(counts))
        for key, counts in sorted(groups.items(), key=lambda item: (-item[1][0], item[0]))
    ]
    grid.add_up(total, [row.indexes for row in rows])
    return [*rows, _Placed(TOTAL, "total", "Total", total)]


def _monthly(
    grid: _Grid, months: dict[Month, list[int]], width: int, total: tuple[int, ...] | None
) -> list[_Placed]:
    """Add every month from the first to the last, each year's subtotal, and the total."""
    if not months:
        return [] if total is None else [_Placed(TOTAL, "total", "Total", total)]
    every = _months_between(min(months), max(months))
    rows: list[_Placed] = []
    subtotals: list[tuple[int, ...]] = []
    for year, in_year in itertools.groupby(every, key=lambda month: month.year):
        counts = [months.get(month, [0] * width) for month in in_year]
        placed = [
            _Placed(ROW, m.label, m.label, grid.add(c))
            for m, c in zip(_in_year(every, year), counts, strict=True)
        ]
        subtotal = grid.add([sum(column) for column in zip(*counts, strict=True)])
        grid.add_up(subtotal, [row.indexes for row in placed])
        subtotals.append(subtotal)
        rows += [*placed, _Placed(SUBTOTAL, str(year), f"{year} total", subtotal)]
    if total is None:
        total = grid.add([sum(grid.values[row[c]] for row in subtotals) for c in range(width)])
    grid.add_up(total, subtotals)
    return [*rows, _Placed(TOTAL, "total", "Total", total)]


def _months_between(first: Month, last: Month) -> list[Month]:
    months = [first]
    while months[-1] < last:
        months.append(months[-1].next())
    return months


def _in_year(months: list[Month], year: int) -> list[Month]:
    return [month for month in months if month.year == year]


def _table(
    grid: _Grid,
    key: str,
    title: str,
    row_header: str,
    columns: tuple[Column, ...],
    placed: list[_Placed],
) -> Table:
    rows = tuple(Row(row.key, row.label, grid.cells(row.indexes), row.kind) for row in placed)
    return Table(key, title, row_header, columns, rows)


def _removal_times(times: Iterable[RemovalTimes], addresses: list[AddressCounts]) -> Table:
    """Return median and 90th-percentile hours to removal, and the share in time, by platform."""
    minutes: dict[str, dict[int, int]] = {}
    everyone: dict[int, int] = {}
    for row in times:
        platform = minutes.setdefault(row.platform, {})
        platform[row.minutes] = platform.get(row.minutes, 0) + row.count
        everyone[row.minutes] = everyone.get(row.minutes, 0) + row.count
    clocks: dict[str, list[int]] = {}
    for address in addresses:
        due_met = clocks.setdefault(address.platform, [0, 0])
        due_met[0] += address.clock_due
        due_met[1] += address.clock_met
    everyone_clock = [sum(pair[0] for pair in clocks.values()), sum(p[1] for p in clocks.values())]
    rows = [
        Row(name, name or NOT_KNOWN, _time_cells(minutes.get(name, {}), clocks.get(name, [0, 0])))
        for name in sorted(minutes.keys() | clocks.keys())
    ]
    rows.append(Row("total", "All platforms", _time_cells(everyone, everyone_clock), TOTAL))
    return Table(
        "removal_times", "Time to removal, by platform", "Platform", TIME_COLUMNS, tuple(rows)
    )


def _time_cells(minutes: dict[int, int], clock: list[int]) -> tuple[Cell, ...]:
    removed = sum(minutes.values())
    found = percentiles(minutes, (0.5, 0.9)) if removed >= SMALLEST_SHOWN else None
    hours = [Cell(round(value / 60, 1)) for value in found] if found else [_too_few(), _too_few()]
    return (*hours, share(Cell(clock[1]), Cell(clock[0])))


def _too_few() -> Cell:
    return Cell(None, Mark.TOO_FEW)


def share(part: Cell, whole: Cell) -> Cell:
    """Return part of whole as a percent to one decimal; hidden if either is, or whole < 5."""
    if part.value is None or whole.value is None or whole.value < SMALLEST_SHOWN:
        return _too_few()
    return Cell(round(100 * part.value / whole.value, 1))


def _summaries(
    cases: Table, addresses: Table, rows: list[AddressCounts]
) -> tuple[YearSummary, ...]:
    """Return one summary per year, read from the year subtotal rows of the monthly tables."""
    opened = {row.key: row.cells[0] for row in cases.rows if row.kind == SUBTOTAL}
    years = {row.key: row for row in addresses.rows if row.kind == SUBTOTAL}
    reported, removed = addresses.index("reported"), addresses.index("removed")
    clocks: dict[int, list[int]] = {}
    for row in rows:
        due_met = clocks.setdefault(row.month.year, [0, 0])
        due_met[0] += row.clock_due
        due_met[1] += row.clock_met
    summaries = []
    for year in sorted(opened.keys() | years.keys(), key=int):
        due, met = clocks.get(int(year), [0, 0])
        cells = years[year].cells if year in years else (Cell(0),) * len(addresses.columns)
        summaries.append(
            YearSummary(
                year=int(year),
                cases_opened=opened.get(year, Cell(0)),
                addresses_reported=cells[reported],
                addresses_removed=cells[removed],
                share_removed=share(cells[removed], cells[reported]),
                share_within_clock=share(Cell(met), Cell(due)),
            )
        )
    return tuple(summaries)
