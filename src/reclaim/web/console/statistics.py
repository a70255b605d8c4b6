"""The statistics page: a helpline's figures for funders and regulators, with no personal data.

The database counts (GROUP BY month, platform and country, and removal times by platform and
whole minute: ``counted_rows``); ``reclaim.figures`` builds every table from those counts,
hides counts under 5 and whatever would reveal them, draws the charts and writes the CSV.
Nothing else is read: no case number, no address, no name leaves the database.

The figures are always built over everything the helpline holds, suppressed once; choosing a
year narrows what is shown (that year's months and its annual-report sentence), never what is
suppressed. Building one year on its own as well would let a reader subtract one set of
figures from the other and find a hidden count.

How an address counts (docs/console.md): it enters the figures when a removal request naming
it was sent (``sent_at``), in the helpline's month (RECLAIM_TIME_ZONE); its outcome is its
status now: removed; refused; still up (the latest re-check found it, or it came back); or no
outcome yet (sent, not re-checked since).
"""

import datetime
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Func, IntegerField, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reclaim import figures
from reclaim.web.console import storedfigures
from reclaim.web.console.cases import open_page
from reclaim.web.console.models import Case, CaseAddress, FiguresSnapshot, Helpline
from reclaim.web.console.permissions import Action
from reclaim.web.countries import COUNTRY_NAMES

Status = CaseAddress.Status
REMOVED = Q(status=Status.REMOVED)
REFUSED = Q(status=Status.REFUSED)
STILL_UP = Q(status__in=[Status.STILL_UP, Status.REAPPEARED])
WAITING = Q(status__in=[Status.TO_SEND, Status.SENT])
# The worker counts every helpline's figures this often (tasks.refresh_figures): counting reads
# every case and address, seconds at the Revenge Porn Helpline's size, too slow for a page.
FIGURES_REFRESH_MINUTES = 15
# Figures older than this (no worker running) are counted again by the page that shows them.
FIGURES_STALE_MINUTES = 60


class WholeMinutes(Func):
    """Whole minutes from ``earlier`` to ``later``, 0 when ``later`` came first (as the core)."""

    output_field = IntegerField()

    def __init__(self, later: Any, earlier: Any) -> None:
        super().__init__(later, earlier)

    def as_sql(  # type: ignore[override]  # (the stubs' params type; any vendor works)
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        (later, later_params), (earlier, earlier_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        params = [*later_params, *earlier_params]
        if connection.vendor == "postgresql":
            seconds = f"EXTRACT(EPOCH FROM ({later} - {earlier}))"
            return f"GREATEST(0, FLOOR({seconds} / 60))::integer", params
        # SQLite keeps times as text: julianday() reads them; rounded to the millisecond so
        # that a whole number of seconds stays whole despite the floating point.
        millis = f"CAST(ROUND((julianday({later}) - julianday({earlier})) * 86400000) AS INTEGER)"
        return f"MAX(0, {millis} / 60000)", params


def zone() -> zoneinfo.ZoneInfo:
    """Return the helpline's time zone: months are its months."""
    return zoneinfo.ZoneInfo(settings.RECLAIM_TIME_ZONE)


def month_start(moment: datetime.datetime, tz: datetime.tzinfo) -> datetime.datetime:
    """Return the start of the month ``moment`` is in, as lived in ``tz``."""
    local = moment.astimezone(tz)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def counted_rows(
    helpline_id: int, as_of: datetime.datetime, tz: datetime.tzinfo
) -> tuple[list[figures.CaseCounts], list[figures.AddressCounts], list[figures.RemovalTimes]]:
    """Return a helpline's cases, addresses and removal times as counted rows (four queries).

    Only whole months count, up to the end of the month before ``as_of``'s: the month under
    way holds few cases in its first days, and its small counts would have the year's and
    the grand totals withheld with them.
    """
    until = month_start(as_of, tz)
    return (
        _case_counts(helpline_id, until, tz),
        _address_counts(helpline_id, until, as_of, tz),
        _removal_times(helpline_id, until),
    )


def _case_counts(
    helpline_id: int, until: datetime.datetime, tz: datetime.tzinfo
) -> list[figures.CaseCounts]:
    cases = Case.objects.filter(helpline_id=helpline_id)
    counts: dict[tuple[figures.Month, str], list[int]] = {}
    for column, field in enumerate(("opened_at", "closed_at")):
        found = (
            cases.filter(**{f"{field}__lt": until})
            .annotate(month=TruncMonth(field, tzinfo=tz))
            .values("month", "country")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in found:
            key = (figures.Month.of(row["month"], tz), row["country"])
            counts.setdefault(key, [0, 0])[column] += row["n"]
    return [
        figures.CaseCounts(month, country, opened, closed)
        for (month, country), (opened, closed) in sorted(counts.items())
    ]


def _sent(helpline_id: int, until: datetime.datetime) -> QuerySet[CaseAddress]:
    return CaseAddress.objects.filter(helpline_id=helpline_id, sent_at__lt=until)


def _address_counts(
    helpline_id: int, until: datetime.datetime, as_of: datetime.datetime, tz: datetime.tzinfo
) -> list[figures.AddressCounts]:
    clock = Q(deadline__isnull=False)
    due = clock & (REMOVED | Q(deadline__lte=as_of))
    met = clock & REMOVED & Q(removed_at__lte=F("deadline"))
    found = (
        _sent(helpline_id, until)
        .annotate(month=TruncMonth("sent_at", tzinfo=tz))
        .values("month", "platform", "case__country")
        .annotate(
            reported=Count("pk"),
            removed=Count("pk", filter=REMOVED),
            refused=Count("pk", filter=REFUSED),
            still_up=Count("pk", filter=STILL_UP),
            waiting=Count("pk", filter=WAITING),
            reappeared=Count("pk", filter=Q(reappearances__gt=0)),
            reappearances=Sum("reappearances"),
            clock_due=Count("pk", filter=due),
            clock_met=Count("pk", filter=met),
        )
        .order_by()
    )
    return [_address_row(row, tz) for row in found]


def _address_row(row: Mapping[str, Any], tz: datetime.tzinfo) -> figures.AddressCounts:
    return figures.AddressCounts(
        month=figures.Month.of(row["month"], tz),
        platform=row["platform"],
        country=row["case__country"],
        reported=row["reported"],
        removed=row["removed"],
        refused=row["refused"],
        still_up=row["still_up"],
        waiting=row["waiting"],
        reappeared=row["reappeared"],
        reappearances=row["reappearances"] or 0,
        clock_due=row["clock_due"],
        clock_met=row["clock_met"],
    )


def _removal_times(helpline_id: int, until: datetime.datetime) -> list[figures.RemovalTimes]:
    found = (
        _sent(helpline_id, until)
        .filter(REMOVED, removed_at__isnull=False)
        .annotate(minutes=WholeMinutes(F("removed_at"), F("sent_at")))
        .values_list("platform", "minutes")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [figures.RemovalTimes(platform, minutes, n) for platform, minutes, n in found]


def build(helpline_id: int, as_of: datetime.datetime | None = None) -> figures.Figures:
    """Return every figure table of a helpline, suppressed, from the database's counts now."""
    return _named(_count(helpline_id, as_of or timezone.now()))


def _count(helpline_id: int, as_of: datetime.datetime) -> figures.Figures:
    """Return the figures counted now, countries by their codes (kept in any language)."""
    cases, addresses, times = counted_rows(helpline_id, as_of, zone())
    return figures.build_figures(cases, addresses, times)


def refresh(helpline_id: int, now: datetime.datetime | None = None) -> FiguresSnapshot:
    """Count a helpline's figures and keep them (the worker's job); return what is kept."""
    now = now or timezone.now()
    kept = storedfigures.to_json(_count(helpline_id, now))
    snapshot, _ = FiguresSnapshot.objects.update_or_create(
        helpline_id=helpline_id, defaults={"counted_at": now, "figures": kept}
    )
    return snapshot


def refresh_all(now: datetime.datetime | None = None) -> int:
    """Count and keep every helpline's figures; return how many helplines."""
    ids = list(Helpline.objects.order_by("pk").values_list("pk", flat=True))
    for helpline_id in ids:
        refresh(helpline_id, now)
    return len(ids)


def latest(helpline_id: int) -> tuple[figures.Figures, datetime.datetime]:
    """Return a helpline's figures as last counted, and when; counted now if none are kept
    or they are older than FIGURES_STALE_MINUTES."""
    now = timezone.now()
    snapshot = FiguresSnapshot.objects.filter(helpline_id=helpline_id).first()
    stale = now - datetime.timedelta(minutes=FIGURES_STALE_MINUTES)
    if snapshot is None or snapshot.counted_at < stale:
        snapshot = refresh(helpline_id, now)
    return _named(storedfigures.from_json(snapshot.figures)), snapshot.counted_at


def _named(built: figures.Figures) -> figures.Figures:
    """Return ``built`` with each country row named in the page's language."""
    names = {code: str(name) for code, name in COUNTRY_NAMES.items()}
    table = built.addresses_by_country
    rows = tuple(
        replace(row, label=names.get(row.key, row.label)) if row.kind == figures.ROW else row
        for row in table.rows
    )
    return replace(built, addresses_by_country=replace(table, rows=rows))


# --- What the page shows: translated words over the core's tables ---------------------------

TITLES = {
    "years": _("Each year"),
    "cases_by_month": _("Cases opened and closed, by month"),
    "addresses_by_month": _("Addresses, by month reported"),
    "addresses_by_platform": _("Addresses, by platform (all years)"),
    "addresses_by_country": _("Addresses, by the survivor's country (all years)"),
    "removal_times": _("Time to removal, by platform (all years)"),
}
# The column each table's chart draws.
CHARTED = {
    "years": "cases_opened",
    "cases_by_month": "opened",
    "addresses_by_month": "reported",
    "addresses_by_platform": "reported",
    "addresses_by_country": "reported",
    "removal_times": "median_hours",
}
COLUMN_LABELS = {
    "opened": _("Cases opened"),
    "closed": _("Cases closed"),
    "reported": _("Addresses reported"),
    "removed": _("Removed"),
    "refused": _("Refused"),
    "still_up": _("Still up"),
    "waiting": _("No outcome yet"),
    "reappeared": _("Came back"),
    "reappearances": _("Times back"),
    "cases_opened": _("Cases opened"),
    "addresses_reported": _("Addresses reported"),
    "addresses_removed": _("Addresses removed"),
    "share_removed": _("Share removed"),
    "share_within_clock": _("Removed within the legal clock"),
    "median_hours": _("Median hours to removal"),
    "p90_hours": _("90th percentile hours to removal"),
    "within_clock": _("Removed within the legal clock"),
}
ROW_HEADERS = {
    "Month": _("Month"),
    "Year": _("Year"),
    "Platform": _("Platform"),
    "Country": _("Country"),
}
MONTHLY = ("cases_by_month", "addresses_by_month")


@dataclass(frozen=True)
class ShownCell:
    """A cell as the page's table shows it: its text, and whether it is hidden."""

    text: str
    hidden: bool


@dataclass(frozen=True)
class ShownRow:
    label: str
    kind: str
    cells: tuple[ShownCell, ...]


@dataclass(frozen=True)
class Section:
    """One table on the page, its chart (SVG drawn by reclaim.figures) and its CSV link."""

    key: str
    title: str
    row_header: str
    columns: tuple[str, ...]
    rows: tuple[ShownRow, ...]
    svg: str


@dataclass(frozen=True)
class Shown:
    """The statistics page: the year chosen, the years there are, sentences and sections."""

    year: int | None
    years: tuple[int, ...]
    sentences: tuple[str, ...]
    sections: tuple[Section, ...]
    counted_at: datetime.datetime


def statistics_page(request: HttpRequest, year: int | None) -> Shown:
    """Return the member's helpline's statistics (audited), narrowed to ``year`` if given."""
    detail = {"page": "statistics", **({"year": str(year)} if year else {})}
    member = open_page(request, Action.VIEW_STATISTICS, detail)
    built, counted_at = latest(member.helpline_id)
    years = tuple(summary.year for summary in built.summaries)
    if year not in years:
        year = None
    chosen = [s for s in built.summaries if year is None or s.year == year]
    sections = tuple(_section(table, year) for table in built.tables())
    return Shown(year, years, tuple(sentence(s) for s in chosen), sections, counted_at)


def export(request: HttpRequest, key: str, year: int | None) -> tuple[str, str]:
    """Return one table as CSV text and its file name (audited); Http404 for no such table."""
    if key not in TITLES:
        raise Http404("no such table")
    detail = {"page": "statistics", "export": key, **({"year": str(year)} if year else {})}
    member = open_page(request, Action.VIEW_STATISTICS, detail)
    table = _narrowed(_table_of(latest(member.helpline_id)[0], key), year)
    labels = {column.key: str(COLUMN_LABELS[column.key]) for column in table.columns}
    labels["row_header"] = str(ROW_HEADERS.get(table.row_header, table.row_header))
    name = f"{key.replace('_', '-')}-{year or 'all-years'}.csv"
    return figures.to_csv(table, labels), name


def sentence(summary: figures.YearSummary) -> str:
    """Return a year's figures as its annual report says them, in the page's language."""
    return _(
        "In %(year)s we opened %(cases)s cases and reported %(reported)s addresses; "
        "%(removed)s of them have been removed (%(share)s). Removed within the legal clock: "
        "%(clock)s."
    ) % {
        "year": summary.year,
        "cases": cell_text(summary.cases_opened),
        "reported": cell_text(summary.addresses_reported),
        "removed": cell_text(summary.addresses_removed),
        "share": cell_text(summary.share_removed, figures.PERCENT),
        "clock": cell_text(summary.share_within_clock, figures.PERCENT),
    }


def cell_text(cell: figures.Cell, unit: str = figures.COUNT) -> str:
    """Return a cell as the page shows it: "22,227", "90.0%", "31.5", or why it is hidden."""
    if cell.value is None:
        return _mark_words(cell.mark)
    if unit == figures.PERCENT:
        return f"{cell.value:.1f}%"
    if unit == figures.HOURS:
        return f"{cell.value:,.1f}"
    return f"{int(cell.value):,}"


def _mark_words(mark: figures.Mark) -> str:
    if mark == figures.Mark.FEWER_THAN_5:
        return str(_("fewer than 5"))
    if mark == figures.Mark.WITHHELD:
        return str(_("withheld"))
    return str(_("too few to show"))


def _words() -> figures.ChartWords:
    return figures.ChartWords(
        fewer_than_5=_mark_words(figures.Mark.FEWER_THAN_5),
        withheld=_mark_words(figures.Mark.WITHHELD),
        too_few=_mark_words(figures.Mark.TOO_FEW),
        hidden_key=str(_("Dashed outline: a value hidden to protect the people counted")),
    )


def _table_of(built: figures.Figures, key: str) -> figures.Table:
    return next(table for table in built.tables() if table.key == key)


def _narrowed(table: figures.Table, year: int | None) -> figures.Table:
    """Return a monthly table's rows of ``year`` and its subtotal; other tables as they are."""
    if year is None or table.key not in MONTHLY:
        return table
    rows = tuple(
        row
        for row in table.rows
        if row.key.startswith(f"{year}-") or (row.kind == figures.SUBTOTAL and row.key == str(year))
    )
    return figures.Table(table.key, table.title, table.row_header, table.columns, rows)


def _section(table: figures.Table, year: int | None) -> Section:
    table = _narrowed(table, year)
    title = str(TITLES[table.key])
    if year is not None and table.key in MONTHLY:
        title = _("%(title)s, %(year)s") % {"title": title, "year": year}
    column = CHARTED[table.key]
    label = str(COLUMN_LABELS[column])
    description = _("%(column)s: the same figures are in the table that follows.") % {
        "column": label
    }
    draw = figures.month_chart if table.key in MONTHLY else figures.bar_chart
    chart = draw(
        table,
        column,
        title=f"{title}: {label}",
        description=description,
        chart_id=f"chart-{table.key.replace('_', '-')}",
        words=_words(),
    )
    return Section(
        key=table.key,
        title=title,
        row_header=str(ROW_HEADERS.get(table.row_header, table.row_header)),
        columns=tuple(str(COLUMN_LABELS[c.key]) for c in table.columns),
        rows=tuple(_row(row, table.columns) for row in table.rows),
        svg=chart.svg,
    )


def _row(row: figures.Row, columns: Iterable[figures.Column]) -> ShownRow:
    cells = tuple(
        ShownCell(cell_text(cell, column.unit), not cell.shown)
        for cell, column in zip(row.cells, columns, strict=True)
    )
    return ShownRow(_row_label(row), row.kind, cells)


def _row_label(row: figures.Row) -> str:
    if row.kind == figures.SUBTOTAL:
        return _("%(year)s total") % {"year": row.key}
    if row.kind == figures.TOTAL:
        return str(_("All platforms") if row.label == "All platforms" else _("Total"))
    if row.label == "Not known":
        return str(_("Not known"))
    return row.label
