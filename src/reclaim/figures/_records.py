"""What statistics are made of: plain rows with no name, no address and no free text.

Two ways in, giving the same figures:
- per record: ``CaseRecord`` and ``AddressRecord``, one per case and per reported address,
  folded by ``case_counts``, ``address_counts`` and ``removal_times`` in one linear pass;
- pre-aggregated: ``CaseCounts``, ``AddressCounts`` and ``RemovalTimes`` rows, as a database
  gives them from GROUP BY month, platform and country (the web layer's fast path).
"""

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from reclaim.errors import ReclaimError

MINUTE_SECONDS = 60


class FiguresError(ReclaimError):
    """A figure's input that cannot be counted (a month out of range, a negative count)."""


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, the unit every monthly figure is counted in."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1 <= self.year <= 9999:
            raise FiguresError(f"{self.year}-{self.month} is not a month")

    @classmethod
    def of(cls, moment: datetime.date, zone: datetime.tzinfo = datetime.UTC) -> "Month":
        """Return the month a date, or an aware time as lived in ``zone``, falls in."""
        if isinstance(moment, datetime.datetime):
            moment = moment.astimezone(zone)
        return cls(moment.year, moment.month)

    @classmethod
    def parse(cls, text: str) -> "Month":
        """Return the month written as "2024-03"; raise FiguresError for anything else."""
        year, _, month = text.strip().partition("-")
        if not (year.isdigit() and month.isdigit() and len(year) == 4 and len(month) == 2):
            raise FiguresError(f"{text!r} is not a month written as 2024-03")
        return cls(int(year), int(month))

    @property
    def label(self) -> str:
        """Return the month as "2024-03", the way tables and CSV files show it."""
        return f"{self.year:04d}-{self.month:02d}"

    def next(self) -> "Month":
        """Return the month after this one."""
        return Month(self.year + self.month // 12, self.month % 12 + 1)


@dataclass(frozen=True)
class CaseRecord:
    """One case as statistics see it: when it opened and closed, and the survivor's country."""

    opened: Month
    closed: Month | None = None
    country: str = ""  # ISO 3166-1 alpha-2, "" when not known


# An address's one current outcome; together they add up to the addresses reported.
REMOVED, REFUSED, STILL_UP, WAITING = "removed", "refused", "still_up", "waiting"
OUTCOMES = (REMOVED, REFUSED, STILL_UP, WAITING)


@dataclass(frozen=True)
class AddressRecord:
    """One reported address as statistics see it: where, when, what became of it. No URL."""

    platform: str  # the platform directory's name for it, "" when not recognised
    country: str  # the survivor's country, ISO 3166-1 alpha-2, "" when not known
    reported_at: datetime.datetime  # when the removal request naming it was sent
    removed_at: datetime.datetime | None = None
    refused_at: datetime.datetime | None = None
    still_up: bool = False  # the latest re-check found it there
    deadline: datetime.datetime | None = None  # the legal clock's end, when a law sets one
    reappearances: int = 0  # times a re-check found it back after it had gone

    @property
    def outcome(self) -> str:
        """Return its one current outcome: removed, else refused, else still up, else waiting."""
        if self.removed_at is not None:
            return REMOVED
        if self.refused_at is not None:
            return REFUSED
        return STILL_UP if self.still_up else WAITING

    def removal_minutes(self) -> int | None:
        """Return whole minutes from report to removal (0 if removed first), None if not removed."""
        if self.removed_at is None:
            return None
        seconds = (self.removed_at - self.reported_at).total_seconds()
        return max(0, int(seconds // MINUTE_SECONDS))

    def clock(self, as_of: datetime.datetime) -> tuple[bool, bool]:
        """Return (due, met): whether its legal clock has run out or it was removed, and in time.

        An address with no legal clock, or still inside it and not removed, is not yet due:
        it counts neither for nor against the share removed within the legal clock.
        """
        if self.deadline is None:
            return False, False
        removed = self.removed_at
        due = removed is not None or self.deadline <= as_of
        return due, removed is not None and removed <= self.deadline


@dataclass(frozen=True)
class CaseCounts:
    """Cases opened and closed in one month in one country (a GROUP BY row)."""

    month: Month
    country: str
    opened: int = 0
    closed: int = 0


@dataclass(frozen=True)
class AddressCounts:
    """Addresses reported in one month, on one platform, for one country (a GROUP BY row).

    ``removed``, ``refused``, ``still_up`` and ``waiting`` are the addresses' current
    outcomes and add up to ``reported``; ``reappeared`` counts addresses that came back at
    least once and ``reappearances`` the times they did; ``clock_due`` and ``clock_met`` are
    ``AddressRecord.clock`` summed.
    """

    month: Month
    platform: str
    country: str
    reported: int = 0
    removed: int = 0
    refused: int = 0
    still_up: int = 0
    waiting: int = 0
    reappeared: int = 0
    reappearances: int = 0
    clock_due: int = 0
    clock_met: int = 0

    def __post_init__(self) -> None:
        counts = (
            self.reported,
            self.removed,
            self.refused,
            self.still_up,
            self.waiting,
            self.reappeared,
            self.reappearances,
            self.clock_due,
            self.clock_met,
        )
        if min(counts) < 0:
            raise FiguresError("a count below zero")
        if self.removed + self.refused + self.still_up + self.waiting != self.reported:
            raise FiguresError("outcomes that do not add up to the addresses reported")


@dataclass(frozen=True)
class RemovalTimes:
    """How many addresses on one platform were removed this many whole minutes after report."""

    platform: str
    minutes: int
    count: int


def case_counts(cases: Iterable[CaseRecord]) -> list[CaseCounts]:
    """Return cases folded into one row per month and country, in one pass."""
    opened: Counter[tuple[Month, str]] = Counter()
    closed: Counter[tuple[Month, str]] = Counter()
    for case in cases:
        opened[case.opened, case.country] += 1
        if case.closed is not None:
            closed[case.closed, case.country] += 1
    keys = sorted(opened.keys() | closed.keys())
    return [
        CaseCounts(month, country, opened[month, country], closed[month, country])
        for month, country in keys
    ]


def address_counts(
    addresses: Iterable[AddressRecord],
    as_of: datetime.datetime,
    zone: datetime.tzinfo = datetime.UTC,
) -> list[AddressCounts]:
    """Return addresses folded into one row per month reported, platform and country.

    Months are taken in ``zone`` (the helpline's); ``as_of`` decides which legal clocks have
    run out. One pass over plain tuples, a dictionary of running totals.
    """
    totals: dict[tuple[int, int, str, str], list[int]] = {}
    for address in addresses:
        local = address.reported_at.astimezone(zone)
        key = (local.year, local.month, address.platform, address.country)
        row = totals.get(key)
        if row is None:
            row = totals[key] = [0] * 9
        due, met = address.clock(as_of)
        row[0] += 1
        row[_OUTCOME_FIELD[address.outcome]] += 1
        row[5] += address.reappearances > 0
        row[6] += address.reappearances
        row[7] += due
        row[8] += met
    return [
        AddressCounts(Month(year, month), platform, country, *row)
        for (year, month, platform, country), row in sorted(totals.items())
    ]


_OUTCOME_FIELD = {outcome: 1 + position for position, outcome in enumerate(OUTCOMES)}


def removal_times(addresses: Iterable[AddressRecord]) -> list[RemovalTimes]:
    """Return removed addresses' times to removal folded by platform and whole minute."""
    times: Counter[tuple[str, int]] = Counter()
    for address in addresses:
        minutes = address.removal_minutes()
        if minutes is not None:
            times[address.platform, minutes] += 1
    return [
        RemovalTimes(platform, minutes, count)
        for (platform, minutes), count in sorted(times.items())
    ]
