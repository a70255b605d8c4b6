"""The languages Reclaim speaks, with the facts a page needs to show each one."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    """A language: its code, its name in itself, and its writing direction."""

    code: str
    native_name: str
    english_name: str
    right_to_left: bool = False

    @property
    def direction(self) -> str:
        """Return the HTML ``dir`` value: ``"rtl"`` or ``"ltr"``."""
        return "rtl" if self.right_to_left else "ltr"


# The first five: English, then four of the main languages most spoken in England and Wales
# after English (ONS, Census 2021, "Main language"): Polish and Romanian, the first two, and
# Urdu and Arabic, the most spoken of those written right to left.
LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", "English"),
    Language("pl", "Polski", "Polish"),
    Language("ro", "Română", "Romanian"),
    Language("ur", "اردو", "Urdu", right_to_left=True),
    Language("ar", "العربية", "Arabic", right_to_left=True),
)
ORIGINAL_LANGUAGE = "en"
LANGUAGE_CODES: tuple[str, ...] = tuple(language.code for language in LANGUAGES)


def language(code: str) -> Language:
    """Return the language with this code; raise KeyError for one Reclaim does not speak."""
    for candidate in LANGUAGES:
        if candidate.code == code:
            return candidate
    raise KeyError(code)
