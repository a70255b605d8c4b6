"""fpdf2, but laying out mixed right-to-left and left-to-right text by every level of Unicode's
bidirectional algorithm (UAX #9), not by two.

fpdf2 2.8 computes each character's embedding level right (its fpdf.bidi agrees with the
unicode-bidi crate on random mixed text, isolates included), then keeps only the direction: it
cuts a paragraph where the direction changes and, on each line, reverses the right-to-left runs
one by one. That is right while there are two levels and wrong with three. In
"Posted: نشر 25 صور on Monday" the 25 (level 2) sits in an Arabic run (level 1) in an English
line (level 0): the Arabic words must swap places around the number, and fpdf2 leaves them in
typed order, so the sentence reads backwards.

So here a paragraph is cut where the level changes; each piece is still shaped by HarfBuzz in
its own direction (Arabic letters join, digits stay left to right), and each line fpdf2 wrapped,
in logical order as UAX #9 says, is put in visual order by rule L2 from those levels. fpdf2 has
no public hook for either step: the two methods overridden are private, and
tests/core/test_pack_pdf_text.py fails if a new fpdf2 changes them.
"""

from collections.abc import Sequence
from itertools import groupby
from typing import Any, TypeVar

from fpdf import FPDF
from fpdf.bidi import BidiParagraph, auto_detect_base_direction
from fpdf.enums import TextDirection
from fpdf.line_break import Fragment, TextLine

LEVEL = "embedding_level"  # our key in a fragment's text-shaping parameters
Item = TypeVar("Item")


class BidiFPDF(FPDF):
    """FPDF that orders each line of shaped text by its characters' embedding levels."""

    def _preload_bidirectional_text(self, text: str, markdown: bool) -> Sequence[Fragment]:
        """Return the text's fragments, cut where the embedding level changes."""
        alias = self.str_alias_nb_pages
        if not self.text_shaping or markdown or (alias and alias in text):
            return super()._preload_bidirectional_text(text, markdown)  # not used by the report
        direction = self.text_shaping["direction"] or auto_detect_base_direction(text)
        self.text_shaping["paragraph_direction"] = direction
        paragraph = BidiParagraph(text, base_direction=direction, preserve_bn_chars=True)
        characters = paragraph.get_characters_with_embedding_level()  # rules up to L1 applied
        fragments: list[Fragment] = []
        for level, run in groupby(characters, key=lambda character: character.embedding_level):
            rtl = level % 2 == 1
            self.text_shaping["fragment_direction"] = (
                TextDirection.RTL if rtl else TextDirection.LTR
            )
            self.text_shaping[LEVEL] = level
            fragments += self._preload_font_styles("".join(c.character for c in run), markdown)
        del self.text_shaping[LEVEL]
        return tuple(fragments)

    def _render_styled_text_line(self, text_line: TextLine, *args: Any, **kwargs: Any) -> bool:
        """Draw one wrapped line, its fragments in the order rule L2 gives."""
        result: bool = super()._render_styled_text_line(_Line(*text_line), *args, **kwargs)
        return result


class _Line(TextLine):
    """A wrapped line whose fragments are put in visual order by their embedding levels."""

    __slots__ = ()

    def get_ordered_fragments(self) -> list[Fragment]:
        """Return the fragments left to right (fpdf2's order for text we did not cut)."""
        levels = [(f.text_shaping_parameters or {}).get(LEVEL) for f in self.fragments]
        known = [level for level in levels if isinstance(level, int)]
        if len(known) < len(levels):
            return super().get_ordered_fragments()
        return visual_order(self.fragments, known)


def visual_order(items: Sequence[Item], levels: Sequence[int]) -> list[Item]:
    """Return one line's items left to right, by rule L2 of UAX #9.

    From the highest level on the line down to the lowest odd one, every run of items at that
    level or higher is reversed.
    """
    odd = [level for level in levels if level % 2]
    if not odd:
        return list(items)
    pairs = list(zip(levels, items, strict=True))
    for level in range(max(levels), min(odd) - 1, -1):
        pairs = _reverse_runs_from(pairs, level)
    return [item for _, item in pairs]


def _reverse_runs_from(pairs: list[tuple[int, Item]], level: int) -> list[tuple[int, Item]]:
    out: list[tuple[int, Item]] = []
    for high, group in groupby(pairs, key=lambda pair: pair[0] >= level):
        run = list(group)
        out += reversed(run) if high else run
    return out
