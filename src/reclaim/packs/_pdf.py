"""The pack's report as PDF, with text shaping (HarfBuzz) so that Arabic, Urdu, Polish and
other scripts render correctly, using the Noto fonts found on the machine."""

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fpdf import FPDF
from fpdf.fonts import FontFace, TTFFont

from reclaim.errors import ReclaimError
from reclaim.packs._bidi import BidiFPDF
from reclaim.packs._report import request_rows

if TYPE_CHECKING:
    from reclaim.packs._report import Report

FONT_FOLDERS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/noto"))
FONTS = {  # family name in the PDF: file name; the first is the main font, the rest fallbacks
    "noto-sans": "NotoSans-Regular.ttf",
    "noto-naskh": "NotoNaskhArabic-Regular.ttf",
    "noto-nastaliq": "NotoNastaliqUrdu-Regular.ttf",
}
TABLE_SIZE = 7  # points, the type of every table
FONT_HELP = "install Noto fonts (Debian and Ubuntu: apt-get install fonts-noto-core)"


class ReportFontError(ReclaimError):
    """The fonts the PDF report needs are not installed."""


def find_fonts() -> dict[str, Path]:
    """Return the font files of FONTS found on this machine; raise ReportFontError if any lack."""
    found = {}
    for family, name in FONTS.items():
        paths = [folder / name for folder in FONT_FOLDERS if (folder / name).is_file()]
        if not paths:
            raise ReportFontError(f"the PDF report needs {name}: {FONT_HELP}")
        found[family] = paths[0]
    return found


class _WidthsRemembered(TTFFont):
    """A font that shapes each piece of text once a process to learn its width.

    fpdf2 wraps a line by asking HarfBuzz for the width of each character, one call per
    character, in every table cell twice (once to measure the row, once to draw it): most of
    a report's time went there, and a report asks for the same few characters over and over
    (digits and the letters of hashes, dates and exhibit numbers). The width depends only on
    the font file, the text, the size and what HarfBuzz is told (direction, script, language,
    features), so it is kept under those. Drawing still shapes every line.
    """

    __slots__ = ()  # fpdf2's fonts are slotted: this one only changes a method

    def shaped_text_width(
        self, text: str, font_size_pt: float, text_shaping_params: dict[str, Any] | None
    ) -> tuple[int, float]:
        given = text_shaping_params or {}
        features = given.get("features") or {}
        key = (
            str(self.ttffile),
            self.collection_font_number,
            text,
            font_size_pt,
            given.get("fragment_direction"),
            given.get("script"),
            given.get("language"),
            tuple(sorted(features.items())),
        )
        width = _WIDTHS.get(key)
        if width is None:
            width = super().shaped_text_width(text, font_size_pt, text_shaping_params)
            if len(_WIDTHS) >= WIDTHS_KEPT:
                _WIDTHS.clear()  # a bound on memory; the next report fills it again
            _WIDTHS[key] = width
        return width


WIDTHS_KEPT = 100_000  # about 20 MB at most
_WIDTHS: dict[tuple[Any, ...], tuple[int, float]] = {}


class _ReportPDF(BidiFPDF):
    """The report's PDF, which reads a fallback font only when a character needs it.

    fpdf2 reads and embeds every font added, used or not. Noto Nastaliq Urdu alone cost
    about 40 ms per report and 570 KB to read, so a report in English carries neither
    Arabic-script font, and one in Arabic carries Naskh only unless a character needs Nastaliq.
    """

    def __init__(self, fallbacks: Sequence[tuple[str, Path]]) -> None:
        super().__init__(format="A4")  # fpdf2 orders mixed Arabic and English by two levels
        self._unread = list(fallbacks)  # in the order they are tried
        self._read: list[str] = []

    def add_font(self, *args: Any, **kwargs: Any) -> None:
        """Add the font as fpdf2 does; it then remembers the widths it shapes."""
        super().add_font(*args, **kwargs)
        for font in self.fonts.values():
            if type(font) is TTFFont:
                font.__class__ = _WidthsRemembered

    def get_fallback_font(self, char: str, style: str = "") -> str | None:
        found = super().get_fallback_font(char, style)
        while found is None and self._unread:
            family, font = self._unread.pop(0)
            self.add_font(family, fname=str(font))
            self._read.append(family)
            self.set_fallback_fonts(self._read)
            found = super().get_fallback_font(char, style)
        return found


def write_pdf(path: Path, report: "Report") -> None:
    """Write the report as PDF: what it covers, timeline, exhibits, details, custody."""
    pdf = _started_pdf()
    pdf.set_font(size=16)
    pdf.multi_cell(0, 9, report.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(size=8)
    # A label and what the person typed are never one line: a line starting in English would
    # set the direction of an Arabic or Urdu sentence after it, and put its words out of order.
    # So each line of a text is a cell of its own, whose direction its own first letter sets,
    # as a paragraph's does in Unicode's algorithm; BidiFPDF then puts the words of each line
    # in order by all the levels that algorithm gives them.
    _rows(pdf, report.header(), (45, 145))
    _timeline(pdf, report)
    _exhibits(pdf, report)
    if report.notes():
        _table(pdf, "Notes on exhibits", ("Exhibit", "Note"), report.notes(), (30, 160))
    if report.details:
        widths = (25, 17, 48, 100)
        header = ("Exhibits", "Kind", "Detail", "")
        rows = _details_rows(pdf, report, widths[0])
        _table(pdf, "Capture and message details", header, rows, widths)
    if report.requests:
        asked = request_rows(report)
        _table(pdf, "Removal requests", ("Request", "Detail", ""), asked, (45, 45, 100))
    _table(
        pdf,
        "Custody log",
        ("#", "When", "Action", "Item"),
        report.custody_rows(),
        (8, 68, 26, 88),
        summary=report.custody_summary(),
    )
    pdf.output(str(path))


def _started_pdf() -> "_ReportPDF":
    """Return the report's PDF on its first page, in the main font, shaping text."""
    main, *fallbacks = find_fonts().items()
    pdf = _ReportPDF(fallbacks)
    pdf.alias_nb_pages("")  # by default fpdf2 prints "{nb}" in any text as the page count
    pdf.add_font(main[0], fname=str(main[1]))
    pdf.set_font(main[0], size=10)
    pdf.set_text_shaping(True)
    pdf.add_page()
    return pdf


def _timeline(pdf: FPDF, report: "Report") -> None:
    pdf.ln(4)
    pdf.set_font(size=12)
    pdf.cell(0, 8, "Timeline", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(size=8)
    if not report.timeline:
        pdf.multi_cell(
            0, 5, "No incidents are linked to these exhibits.", new_x="LMARGIN", new_y="NEXT"
        )
    widths = (45, 145)
    for number, entry in enumerate(report.timeline, 1):
        *facts, (label, listed) = entry.facts(report.time_zone)
        if entry.exhibits:
            listed = "\n".join(_fitting_lines(pdf, entry.exhibits, widths[1]))
        _table(pdf, f"Incident {number}", ("", ""), [*facts, (label, listed)], widths, level=10)


def _details_rows(pdf: FPDF, report: "Report", width: float) -> list[tuple[str, ...]]:
    """Return the rows of the details table: the exhibits' numbers run down the first column
    (``width`` mm), beside the kind and the facts they share."""
    rows: list[tuple[str, ...]] = []
    for entry in report.details:
        numbers = _fitting_lines(pdf, entry.exhibits, width)
        facts = list(entry.facts)
        for n in range(max(len(numbers), len(facts))):
            label, text = facts[n] if n < len(facts) else ("", "")
            number = numbers[n] if n < len(numbers) else ""
            rows.append((number, entry.kind if n == 0 else "", label, text))
    return rows


def _fitting_lines(pdf: FPDF, numbers: Sequence[str], width: float) -> list[str]:
    """Return exhibit numbers as lines ("JS-1, JS-2,") that each fit a column ``width`` mm wide
    in the tables' type.

    fpdf2 cannot carry one table row onto the next page: a cell listing every exhibit of a
    long case (hundreds of messages from one sender) was taller than a page, and the export
    failed. A row for each line lets the list run on over as many pages as it needs.
    """
    room = width - 2 * pdf.c_margin
    size = pdf.font_size_pt
    pdf.set_font(size=TABLE_SIZE)
    lines: list[str] = []
    line = ""
    for n, number in enumerate(numbers):
        piece = number if n == len(numbers) - 1 else number + ","
        longer = f"{line} {piece}" if line else piece
        if line and pdf.get_string_width(longer) > room:
            lines.append(line)
            longer = piece
        line = longer
    pdf.set_font(size=size)
    return [*lines, line] if line else lines


def _rows(pdf: FPDF, rows: Sequence[tuple[str, str]], widths: tuple[int, int]) -> None:
    """Write label and text side by side, each line its own paragraph, without borders."""
    with pdf.table(
        col_widths=widths,
        text_align="LEFT",
        line_height=5,
        borders_layout="NONE",
        first_row_as_headings=False,
    ) as table:
        for row in _line_by_line(rows):
            table.row(row)


def _line_by_line(rows: Sequence[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Return the rows with a row for each line of their last cell (the others left blank).

    Only the last cell holds several lines: what the person typed (notes, addresses, people)
    and the chosen incidents under what the pack covers.
    """
    out = []
    for row in rows:
        *first, text = row
        for n, line in enumerate(text.split("\n") or [""]):
            out.append((*(first if n == 0 else ["" for _ in first]), line))
    return out


def _exhibits(pdf: FPDF, report: "Report") -> None:
    _table(
        pdf,
        "Exhibits",
        ("Exhibit", "Name", "Kind", "Type", "Bytes", "Added", "Incident", "SHA-256"),
        [
            (
                e.number,
                e.name,
                e.kind,
                e.media_type,
                str(e.size),
                e.added(report.time_zone),
                report.incident_number(e.incident),
                e.sha256,
            )
            for e in report.exhibits
        ],
        (13, 30, 13, 24, 13, 27, 14, 56),
    )


def _table(
    pdf: FPDF,
    heading: str,
    header: tuple[str, ...],
    rows: Sequence[tuple[str, ...]],
    widths: tuple[int, ...],
    level: int = 12,
    summary: str = "",
) -> None:
    pdf.ln(4)
    pdf.set_font(size=level)
    pdf.cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(size=TABLE_SIZE)
    if summary:
        pdf.multi_cell(0, 4, summary, new_x="LMARGIN", new_y="NEXT")
    plain = FontFace(emphasis="", fill_color=(230, 230, 230))  # the fonts have no bold here
    with pdf.table(
        col_widths=widths,
        text_align="LEFT",
        line_height=4,
        headings_style=plain,
        first_row_as_headings=any(header),
    ) as table:
        if any(header):
            table.row(header)
        for row in _line_by_line(rows):
            table.row(row)
