"""The pack's report as PDF, with text shaping (HarfBuzz) so that Arabic, Urdu, Polish and
other scripts render correctly, using the Noto fonts found on the machine."""

from pathlib import Path
from typing import TYPE_CHECKING

from fpdf import FPDF
from fpdf.fonts import FontFace

from reclaim.errors import ReclaimError
from reclaim.packs._report import capture_facts, incident_facts

if TYPE_CHECKING:
    from reclaim.packs._report import Report

FONT_FOLDERS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/noto"))
FONTS = {  # family name in the PDF: file name; the first is the main font, the rest fallbacks
    "noto-sans": "NotoSans-Regular.ttf",
    "noto-naskh": "NotoNaskhArabic-Regular.ttf",
    "noto-nastaliq": "NotoNastaliqUrdu-Regular.ttf",
}
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


def write_pdf(path: Path, report: "Report") -> None:
    """Write the report as PDF: what it covers, timeline, exhibits, captures, custody."""
    pdf = FPDF(format="A4")
    for family, font in find_fonts().items():
        pdf.add_font(family, fname=str(font))
    pdf.set_font("noto-sans", size=10)
    pdf.set_fallback_fonts(["noto-naskh", "noto-nastaliq"])
    pdf.set_text_shaping(True)
    pdf.add_page()
    pdf.set_font(size=16)
    pdf.multi_cell(0, 9, report.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(size=9)
    for line in (
        f"Exported (UTC): {report.exported_utc}",
        f"Covers: {report.scope}",
        f"Signing key fingerprint: {report.fingerprint}",
    ):
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    _timeline(pdf, report)
    _table(
        pdf,
        "Exhibits",
        ("Exhibit", "Name", "Kind", "Bytes", "Added (UTC)", "Incident", "SHA-256"),
        [
            (
                e.number,
                e.name,
                e.kind,
                str(e.size),
                e.added_utc,
                report.incident_number(e.incident),
                e.sha256,
            )
            for e in report.exhibits
        ],
        (14, 34, 16, 14, 30, 18, 64),
    )
    captures = report.captures()
    if captures:
        _table(
            pdf,
            "Captures and messages",
            ("Exhibit", "Details"),
            [
                (row.number, "\n".join(f"{k}: {v}" for k, v in capture_facts(row)))
                for row in captures
            ],
            (20, 170),
        )
    _custody(pdf, report)
    pdf.output(str(path))


def _timeline(pdf: FPDF, report: "Report") -> None:
    pdf.ln(4)
    pdf.set_font(size=12)
    pdf.cell(0, 8, "Timeline", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(size=8)
    if not report.timeline:
        pdf.multi_cell(
            0, 5, "No incidents are linked to these exhibits.", new_x="LMARGIN", new_y="NEXT"
        )
    for number, entry in enumerate(report.timeline, 1):
        facts = [*incident_facts(entry.incident), ("Exhibits", ", ".join(entry.exhibits) or "none")]
        _table(pdf, f"Incident {number}", ("", ""), [(k, v) for k, v in facts], (45, 145), level=10)


def _custody(pdf: FPDF, report: "Report") -> None:
    counts = ", ".join(f"{action}: {count}" for action, count in report.custody_counts())
    first, last = report.custody[0], report.custody[-1]
    summary = (
        f"{len(report.custody)} entries, from {first.at_utc} to {last.at_utc} (UTC). {counts}."
    )
    _table(
        pdf,
        "Custody log",
        ("#", "When (UTC)", "When (local)", "Action", "Item"),
        [(str(c.seq), c.at_utc, c.at_local, c.action, c.item or "") for c in report.custody],
        (10, 40, 45, 35, 60),
        summary=summary,
    )


def _table(
    pdf: FPDF,
    heading: str,
    header: tuple[str, ...],
    rows: list[tuple[str, ...]],
    widths: tuple[int, ...],
    level: int = 12,
    summary: str = "",
) -> None:
    pdf.ln(4)
    pdf.set_font(size=level)
    pdf.cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(size=7)
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
        for row in rows:
            table.row(row)
