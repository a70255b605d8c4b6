"""Interface translations (locale/): complete, marked for native review, and in step with the
strings the templates and Python actually use."""

import re
from pathlib import Path

import polib
import pytest

from reclaim.content import load_library
from reclaim.languages import LANGUAGE_CODES, ORIGINAL_LANGUAGE

REPO = Path(__file__).resolve().parents[1]
WEB = REPO / "src/reclaim/web"
TRANSLATED = [code for code in LANGUAGE_CODES if code != ORIGINAL_LANGUAGE]
REVIEW_HEADER = "X-Native-Review"
# Staff pages (the helpline console) may stay in English for now: their entries carry this
# comment and an empty msgstr.
STAFF_ONLY = "console (staff page): English for now"

_TRANSLATE = re.compile(r"""\{%\s*translate\s+(?:"([^"]*)"|'([^']*)')""")
_BLOCK = re.compile(
    r"\{%\s*blocktranslate(?P<args>[^%]*)%\}(?P<text>.*?)\{%\s*endblocktranslate\s*%\}", re.S
)
_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")
# _("...") in Python, also as literals written on several lines (joined by Python itself).
_PYTHON = re.compile(r"""\b_\(\s*((?:"[^"]*"\s*)+)\)""")
_PIECE = re.compile(r'"([^"]*)"')


def used_msgids() -> set[str]:
    """Return every string the templates and Python modules mark for translation."""
    found: set[str] = set()
    for template in WEB.rglob("*.html"):
        text = template.read_text()
        found |= {double or single for double, single in _TRANSLATE.findall(text)}
        for match in _BLOCK.finditer(text):
            body = _VARIABLE.sub(r"%(\1)s", match["text"])
            if "trimmed" in match["args"]:
                body = " ".join(line.strip() for line in body.strip().splitlines())
            found.add(body)
    for module in WEB.rglob("*.py"):
        for pieces in _PYTHON.findall(module.read_text()):
            found.add("".join(_PIECE.findall(pieces)))
    return found


def catalog(code: str) -> polib.POFile:
    return polib.pofile(str(REPO / "locale" / code / "LC_MESSAGES" / "django.po"))


def test_extraction_finds_the_interface_strings() -> None:
    used = used_msgids()
    assert "Exit this page" in used
    assert "Helplines in %(country_name)s" in used
    assert "Choose one answer." in used
    assert (
        "Line %(line)s could not be read as a hash. Choose the pictures again, or paste the "
        "lines exactly as the reclaim hash command prints them." in used
    ), "joined literals too"


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalog_translates_exactly_the_strings_in_use(code: str) -> None:
    entries = [entry for entry in catalog(code) if not entry.obsolete]
    assert {entry.msgid for entry in entries} == used_msgids()
    untranslated = [entry for entry in entries if not entry.msgstr.strip()]
    assert [entry.msgid for entry in untranslated if STAFF_ONLY not in entry.comment] == []
    assert [entry.msgid for entry in entries if entry.fuzzy] == []


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalog_keeps_placeholders(code: str) -> None:
    for entry in catalog(code):
        if not entry.msgstr and STAFF_ONLY in entry.comment:
            continue  # English for now: Django shows the msgid, placeholders and all
        placeholders = sorted(re.findall(r"%\(\w+\)s|\{n\}|<a href=\"[^\"]+\">", entry.msgid))
        found = sorted(re.findall(r"%\(\w+\)s|\{n\}|<a href=\"[^\"]+\">", entry.msgstr))
        assert found == placeholders, entry.msgid


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalog_says_whether_a_native_speaker_reviewed_it(code: str) -> None:
    assert catalog(code).metadata.get(REVIEW_HEADER, "").strip()
    assert catalog(code).metadata["Language"] == code


def test_every_content_translation_says_whether_a_native_speaker_reviewed_it() -> None:
    library = load_library(REPO / "content")
    for documents in library.documents.values():
        for code in TRANSLATED:
            translation = documents[code].translation
            assert translation is not None and translation.native_review
    assert set(library.helpline_translations) == set(TRANSLATED)
