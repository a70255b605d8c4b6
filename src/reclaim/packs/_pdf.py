"""The pack's report as PDF, with text shaping (HarfBuzz) so that Arabic, Urdu, Polish and
other scripts render correctly, using the Noto fonts found on the machine."""

from pathlib import Path
from typing import TYPE_CHECKING

from fpdf import FPDF
from fpdf.fonts import FontFace

from reclaim.errors import ReclaimError

if TYPE_CHECKING:
    from reclaim.locker import CustodyEntry
    from reclaim.packs._export import Exhibit

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


def write_pdf(
    path: Path,
    title: str,
    exhibits: "list[Exhibit]",
    custody: "list[CustodyEntry]",
    key_fingerprint: str,
) -> None:
    """Write the report: title, key fingerprint, exhibit table and custody summary."""
    pdf = FPDF(format="A4")
    for family, font in find_fonts().items():
        pdf.add_font(family, fname=str(font))
    pdf.set_font("noto-sans", size=10)
    pdf.set_fallback_fonts(["noto-naskh", "noto-nastaliq"])
    pdf.set_text_shaping(True)
    pdf.add_page()
    pdf.set_font(size=16)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(size=9)
    pdf.multi_cell(
        0, 6, f"Signing key fingerprint: {key_fingerprint}", new_x="LMARGIN", new_y="NEXT"
    )
    _table(
        pdf,
        "Exhibits",
        ("Exhibit", "Name", "Type", "Bytes", "Added (UTC)", "SHA-256"),
        [(e.number, e.name, e.media_type, str(e.size), e.added_utc, e.sha256) for e in exhibits],
        (14, 38, 26, 16, 32, 64),
    )
    _table(
        pdf,
        "Custody log",
        ("#", "When (UTC)", "Action", "Item"),
        [(str(c.seq), c.at_utc, c.action, c.item or "") for c in custody],
        (10, 45, 40, 95),
    )
    pdf.output(str(path))


def _table(
    pdf: FPDF,
    heading: str,
    header: tuple[str, ...],
    rows: list[tuple[str, ...]],
    widths: tuple[int, ...],
) -> None:
    pdf.ln(4)
    pdf.set_font(size=12)
    pdf.cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(size=7)
    plain = FontFace(emphasis="", fill_color=(230, 230, 230))  # the fonts have no bold here
    with pdf.table(
        col_widths=widths, text_align="LEFT", line_height=4, headings_style=plain
    ) as table:
        table.row(header)
        for row in rows:
            table.row(row)
