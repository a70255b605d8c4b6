"""Charts drawn on the server as SVG text: no script, no font to fetch, readable without sight.

Every chart is an ``<svg role="img">`` named by its ``<title>`` and ``<desc>`` (through
aria-labelledby), sized only in viewBox units so it scales down to a 390 px screen, and comes
as a ``Chart`` holding the table it was drawn from, for the table shown beside it: the same
cells, hidden the same way. A hidden value is drawn as a dashed outline, never as a length,
and labelled in words. Every label is escaped (platform and country names come from content).
Numbers are set left to right even on a right-to-left page; ``rtl=True`` mirrors a bar chart.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from reclaim.figures._records import FiguresError
from reclaim.figures._suppression import Mark
from reclaim.figures._tables import HOURS, PERCENT, Cell, Table

WIDTH = 400  # viewBox units: about one unit per CSS pixel on a 390 px phone
MARGIN = 8
VALUE_ROOM = 96  # room right of the longest bar for its value or its mark
BAR_ROW = 36  # a label line and a bar
BAR_HEIGHT = 14
PLOT_HEIGHT = 160
HIDDEN_HEIGHT = 12  # a hidden month's outline: a fixed size that stands for no value
LABEL_CHARS = 56  # a longer label is cut short with "…" in the chart (the table has it whole)
INK, BAR, FAINT = "#1a1a1a", "#1d4f91", "#5c5c5c"  # 4.5:1 or more on white
_CHART_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _plain_number(value: float) -> str:
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"


@dataclass(frozen=True)
class ChartWords:
    """The words a chart shows, in the page's language (the web layer passes gettext's)."""

    fewer_than_5: str = "fewer than 5"
    withheld: str = "withheld"
    too_few: str = "too few to show"
    hidden_key: str = "Dashed outline: a value hidden to protect the people counted"
    number: Callable[[float], str] = field(default=_plain_number)

    def mark(self, mark: Mark) -> str:
        """Return the words for why a value is hidden."""
        return {Mark.FEWER_THAN_5: self.fewer_than_5, Mark.WITHHELD: self.withheld}.get(
            mark, self.too_few
        )


@dataclass(frozen=True)
class Chart:
    """An SVG chart and the table it was drawn from (shown beside it, same numbers)."""

    svg: str
    table: Table
    column: str

    def table_rows(self) -> list[tuple[str, Cell]]:
        """Return (label, cell) for each bar, in the order drawn."""
        position = self.table.index(self.column)
        return [(row.label, row.cells[position]) for row in self.table.data_rows]


def bar_chart(
    table: Table,
    column: str,
    *,
    title: str,
    description: str,
    chart_id: str,
    words: ChartWords | None = None,
    rtl: bool = False,
) -> Chart:
    """Return a horizontal bar chart of one column: one bar per data row, label above it."""
    words = words or ChartWords()
    position, unit = table.index(column), table.columns[table.index(column)].unit
    rows = table.data_rows
    largest = max((_number(row.cells[position]) for row in rows), default=0.0) or 1.0
    room = WIDTH - 2 * MARGIN - VALUE_ROOM
    parts = []
    for number, row in enumerate(rows):
        top = MARGIN + number * BAR_ROW
        cell = row.cells[position]
        label = row.label if len(row.label) <= LABEL_CHARS else row.label[: LABEL_CHARS - 1] + "…"
        parts.append(_text(label, _side(MARGIN, 0, rtl), top + 12, rtl=rtl))
        if cell.value is None:
            width, bar = 24.0, _rect(_side(MARGIN, 24, rtl), top + 16, 24, BAR_HEIGHT, hidden=True)
            said = words.mark(cell.mark)
        else:
            width = room * _number(cell) / largest
            bar = _rect(_side(MARGIN, width, rtl), top + 16, width, BAR_HEIGHT)
            said = _said(cell, unit, words)
        parts.append(bar)
        end = MARGIN + width + 4
        parts.append(_number_text(said, WIDTH - end if rtl else end, top + 27, rtl=rtl))
    height = MARGIN * 2 + max(1, len(rows)) * BAR_ROW
    return Chart(_svg(chart_id, title, description, height, parts), table, column)


def month_chart(
    table: Table,
    column: str,
    *,
    title: str,
    description: str,
    chart_id: str,
    words: ChartWords | None = None,
) -> Chart:
    """Return a column chart of one column by month: one column per month, years marked below."""
    words = words or ChartWords()
    position = table.index(column)
    rows = table.data_rows
    unit = table.columns[position].unit
    top = max(
        (row.cells[position] for row in rows if row.cells[position].shown),
        key=_number,
        default=Cell(0),
    )
    largest = _number(top) or 1.0
    left, base = 48, MARGIN + 14 + PLOT_HEIGHT
    step = (WIDTH - left - MARGIN) / max(1, len(rows))
    parts = [
        _line(left, base, WIDTH - MARGIN, base),
        _number_text(words.number(0), left - 4, base + 4, anchor="end"),
        _number_text(_said(top, unit, words), left - 4, MARGIN + 18, anchor="end"),
        _line(left, MARGIN + 14, WIDTH - MARGIN, MARGIN + 14, faint=True),
    ]
    hidden_any = False
    for number, row in enumerate(rows):
        cell, x = row.cells[position], left + number * step
        if cell.value is None:
            hidden_any = True
            parts.append(
                _rect(x + 1, base - HIDDEN_HEIGHT, max(step - 2, 1), HIDDEN_HEIGHT, hidden=True)
            )
        else:
            height = PLOT_HEIGHT * _number(cell) / largest
            parts.append(_rect(x + 1, base - height, max(step - 2, 1), height))
        if row.key.endswith("-01") or number == 0:
            parts.append(_number_text(row.key[:4], x, base + 16))
    height = base + 28
    if hidden_any:
        parts.append(_text(words.hidden_key, MARGIN, height, size=11))
        height += 8
    return Chart(_svg(chart_id, title, description, height + MARGIN, parts), table, column)


def _svg(chart_id: str, title: str, description: str, height: float, parts: list[str]) -> str:
    if not _CHART_ID.fullmatch(chart_id):
        raise FiguresError(
            f"{chart_id!r} is not a chart id (a letter, then letters, digits, - or _)"
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:g}" width="100%" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" direction="ltr" '
        f'font-family="sans-serif" font-size="12" class="figure-chart">'
        f'<title id="{chart_id}-title">{_escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{_escape(description)}</desc>' + "".join(parts) + "</svg>"
    )


def _number(cell: Cell) -> float:
    return float(cell.value) if cell.value is not None else 0.0


def _said(cell: Cell, unit: str, words: ChartWords) -> str:
    value = cell.value if cell.value is not None else 0
    if unit == PERCENT:
        return words.number(float(value)) + "%"
    if unit == HOURS:
        return words.number(float(value)) + " h"
    return words.number(int(value))


def _side(x: float, width: float, rtl: bool) -> float:
    """Return where something of ``width`` starting ``x`` from the start side begins, in x."""
    return WIDTH - x - width if rtl else x


def _escape(text: str) -> str:
    return escape(_NOT_XML.sub("", text))


def _rect(x: float, y: float, width: float, height: float, hidden: bool = False) -> str:
    look = (
        f'fill="none" stroke="{FAINT}" stroke-dasharray="3 2" class="bar hidden"'
        if hidden
        else f'fill="{BAR}" class="bar"'
    )
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" {look}/>'


def _line(x1: float, y1: float, x2: float, y2: float, faint: bool = False) -> str:
    colour = FAINT if faint else INK
    dash = ' stroke-dasharray="2 3"' if faint else ""
    return f'<line x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" stroke="{colour}"{dash}/>'


def _text(text: str, x: float, y: float, rtl: bool = False, size: int = 12) -> str:
    """Return a label: set in the page's direction, starting at ``x`` (right edge when rtl)."""
    direction = "rtl" if rtl else "ltr"
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" direction="{direction}" text-anchor="start" '
        f'font-size="{size}" fill="{INK}">{_escape(text)}</text>'
    )


def _number_text(text: str, x: float, y: float, rtl: bool = False, anchor: str = "") -> str:
    """Return a number or mark, always set left to right so 1,234 never reads as 4,321."""
    anchor = anchor or ("end" if rtl else "start")
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" direction="ltr" unicode-bidi="embed" '
        f'text-anchor={quoteattr(anchor)} fill="{INK}">{_escape(text)}</text>'
    )
