"""The PDF report prints what the person typed as typed: the words of a line that mixes Arabic
or Urdu with English and numbers in the order a reader sees them (Unicode's bidirectional
algorithm, every level), shaped, and no text replaced."""

import unicodedata
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest

from reclaim.locker import Incident
from reclaim.packs import _pdf, export_pack
from reclaim.packs._bidi import BidiFPDF
from reclaim.packs._pdf import write_pdf
from reclaim.packs._report import build_report
from tests import pdf_text

from ..lockers import SHARED_PASSPHRASE, copy_locker

# Each expected order below was worked out by hand, left to right as the line is seen.
# An Arabic run inside an English line: its words swap places around the number.
LATIN_ARABIC = "Posted: نشر 25 صور on Monday"  # "posted 25 pictures"
LATIN_ARABIC_SEEN = ["Posted:", "صور", "25", "نشر", "on", "Monday"]
# An Arabic line: read from the right, "John Smith 25" is one left-to-right run (the number
# follows English letters), and "3" sits alone between Arabic words.
ARABIC_LATIN = "أرسل John Smith 25 صورة يوم 3 مايو"  # "John Smith sent 25 pictures on 3 May"
ARABIC_LATIN_SEEN = ["مايو", "3", "يوم", "صورة", "John", "Smith", "25", "أرسل"]
# An Arabic sentence that starts with an English name is, by the algorithm's first-letter rule
# (as dir="auto" in the HTML report), an English line: the Arabic after it turns around "25".
NAME_FIRST = "John Smith أرسل 25 رسالة"  # "John Smith sent 25 messages"
NAME_FIRST_SEEN = ["John", "Smith", "رسالة", "25", "أرسل"]
# An Urdu title with Urdu digits inside an English line.
LATIN_URDU = "Title: فورم پر ۲۵ تصویریں shared by @someone"  # "25 pictures on a forum"
LATIN_URDU_SEEN = ["Title:", "تصویریں", "۲۵", "پر", "فورم", "shared", "by", "@someone"]
# Long lines that wrap: each number follows an Arabic word, so it belongs to the Arabic run.
LONG_LATIN = " ".join(f"then نشر {n} صور" for n in range(10, 40))
LONG_ARABIC = " ".join(f"نشر {n} صور then" for n in range(40, 70))
PAGE_COUNT = "Code {nb} sent"  # fpdf2 replaces "{nb}" with the page count unless told not to
SUMMARY = "\n".join(
    (PAGE_COUNT, LATIN_ARABIC, ARABIC_LATIN, NAME_FIRST, LATIN_URDU, LONG_LATIN, LONG_ARABIC)
)
VALUE_X = (10 + 45) * 72 / 25.4  # the report's margin and label column, in mm, as points


@pytest.fixture(scope="module")
def lines(tmp_path_factory: pytest.TempPathFactory) -> list[list[pdf_text.Run]]:
    """Return the report's lines of summary text, top to bottom, each run left to right."""
    root = tmp_path_factory.mktemp("case")
    box, _ = copy_locker(root / "locker", SHARED_PASSPHRASE)
    box.add_incident(Incident("shared", SUMMARY))
    pack = export_pack(box, root / "pack", "JS", "Case")
    found: dict[tuple[int, float], list[pdf_text.Run]] = defaultdict(list)
    for page, runs in enumerate(pdf_text.runs(pack / "report.pdf")):
        for run in runs:
            if run.x > VALUE_X:
                found[(page, -round(run.y, 1))].append(run)
    return [sorted(runs, key=lambda run: run.x) for _, runs in sorted(found.items())]


def seen(line: list[pdf_text.Run]) -> list[str]:
    """Return a line's words left to right; an Arabic or Urdu word's glyphs, drawn from the
    right, are read back in the order they were typed."""
    words = "".join(run.text for run in line).split()
    return [word[::-1] if _is_arabic(word) else word for word in words]


def _is_arabic(word: str) -> bool:
    return any(unicodedata.bidirectional(c) == "AL" for c in word)


def line_of(lines: list[list[pdf_text.Run]], word: str) -> list[str]:
    """Return the words, left to right, of the line that holds ``word`` (in one line only)."""
    for line in lines:
        drawn = "".join(run.text for run in line)
        if word in drawn or word[::-1] in drawn:  # an Arabic word is drawn from the right
            return seen(line)
    raise AssertionError(f"no line holds {word}")


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Posted:", LATIN_ARABIC_SEEN),
        ("مايو", ARABIC_LATIN_SEEN),
        ("رسالة", NAME_FIRST_SEEN),
        ("Title:", LATIN_URDU_SEEN),
    ],
    ids=["arabic-in-english", "english-in-arabic", "arabic-after-english-name", "urdu-in-english"],
)
def test_mixed_line_is_drawn_in_the_order_it_is_read(
    lines: list[list[pdf_text.Run]], word: str, expected: list[str]
) -> None:
    assert line_of(lines, word) == expected


def test_arabic_letters_are_still_joined_and_digits_left_to_right(
    lines: list[list[pdf_text.Run]],
) -> None:
    line = next(line for line in lines if "Posted: " in line[0].text)
    glyphs = {run.text: run.glyphs for run in line}
    # Drawn from the right, "نشر" reads back as "رشن": its ر joins the ش (a final form), while
    # the ر of "صور" stands alone after و, which never joins forward: two different glyphs.
    assert "رشن" in glyphs and "روص" in glyphs and "25" in glyphs
    assert glyphs["رشن"][0] != glyphs["روص"][0]


def _latin_line_seen(typed: list[str]) -> list[str]:
    """In an English line, each stretch of Arabic words and their numbers turns around."""
    out: list[str] = []
    stretch: list[str] = []
    for word in typed:
        if word == "then":
            out += [*reversed(stretch), word]
            stretch = []
        else:
            stretch.append(word)
    return out + stretch[::-1]


@pytest.mark.parametrize(
    ("text", "line_seen"),
    [(LONG_LATIN, _latin_line_seen), (LONG_ARABIC, lambda typed: typed[::-1])],
    ids=["english-line", "arabic-line"],
)
def test_a_long_mixed_line_wraps_in_typed_order_and_each_line_reads_right(
    lines: list[list[pdf_text.Run]], text: str, line_seen: Callable[[list[str]], list[str]]
) -> None:
    typed = text.split()
    number = next(word for word in typed if word.isdigit())  # found in this long line only
    start = next(n for n, line in enumerate(lines) if number in seen(line))
    position, wrapped = 0, 0
    for line in lines[start:]:
        if position == len(typed):
            break
        words = seen(line)
        # Lines are cut in typed order: this line holds the next words typed, in seen order.
        assert words == line_seen(typed[position : position + len(words)])
        position, wrapped = position + len(words), wrapped + 1
    assert position == len(typed) and wrapped >= 3


def test_text_that_looks_like_a_page_count_placeholder_is_printed_as_typed(
    lines: list[list[pdf_text.Run]],
) -> None:
    assert line_of(lines, "Code") == ["Code", "{nb}", "sent"]


@pytest.mark.parametrize(
    ("summary", "fonts"),
    [
        ("Posted on a forum on Monday", {b"NotoSans"}),
        (LATIN_ARABIC, {b"NotoSans", b"NotoNaskhArabic"}),
        # U+2212 MINUS SIGN: of the three fonts only Nastaliq has it, found after Naskh.
        ("Posted 3 \N{MINUS SIGN} 1 times", {b"NotoSans", b"NotoNaskhArabic", b"NotoNastaliqUrdu"}),
    ],
)
def test_a_fallback_font_is_read_and_embedded_only_when_a_character_needs_it(
    tmp_path: Path, summary: str, fonts: set[bytes]
) -> None:
    report = build_report(
        "Case", "SHA256:x", "the whole case", [Incident("shared", summary)], [], []
    )
    write_pdf(tmp_path / "report.pdf", report)
    pdf = (tmp_path / "report.pdf").read_bytes()
    names = {b"NotoSans", b"NotoNaskhArabic", b"NotoNastaliqUrdu"}
    assert {name for name in names if b"/FontName /MPDFAA+" + name in pdf} == fonts


class _ShapedEachTime(_pdf._ReportPDF):
    add_font = BidiFPDF.add_font  # fpdf2's own fonts, which shape every width they are asked


def test_a_remembered_width_is_the_width_shaping_gives_at_every_size_and_in_every_script(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The report's fonts keep each width HarfBuzz gives (packs/_pdf.py). Asked in turn at the
    report's sizes, for English, Arabic, Urdu and mixed text, they answer what shaping anew
    answers, the first time and every time after."""
    _pdf._WIDTHS.clear()
    kept = _pdf._started_pdf()
    monkeypatch.setattr(_pdf, "_ReportPDF", _ShapedEachTime)
    shaped = _pdf._started_pdf()
    texts = ["Case", "JS-12, JS-13", LATIN_ARABIC, ARABIC_LATIN, LATIN_URDU, "۲۵ تصویریں"]
    try:
        for size in (16, 7, 12, 8, 16, 7):
            for text in texts:
                kept.set_font(size=size)
                shaped.set_font(size=size)
                assert kept.get_string_width(text) == shaped.get_string_width(text), (size, text)
    finally:
        kept.output(), shaped.output()  # which closes the font files fpdf2 opened
    assert _pdf._WIDTHS, "widths were kept"


def test_remembered_widths_lay_every_report_out_as_shaping_each_time_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each width HarfBuzz gives is kept for the process (packs/_pdf.py): a report laid out
    with kept widths, the first time and again once they are all kept, is the report fpdf2
    lays out by shaping every width anew: every run in the same place with the same glyphs.
    The summary mixes scripts, directions and wrapped lines; the report uses four sizes."""
    report = build_report(
        "Case", "SHA256:x", "the whole case", [Incident("shared", SUMMARY)], [], []
    )
    _pdf._WIDTHS.clear()
    write_pdf(tmp_path / "first.pdf", report)
    assert _pdf._WIDTHS, "widths were kept"
    write_pdf(tmp_path / "again.pdf", report)
    monkeypatch.setattr(_pdf, "_ReportPDF", _ShapedEachTime)
    write_pdf(tmp_path / "shaped.pdf", report)
    shaped = pdf_text.runs(tmp_path / "shaped.pdf")
    assert pdf_text.runs(tmp_path / "first.pdf") == shaped
    assert pdf_text.runs(tmp_path / "again.pdf") == shaped
