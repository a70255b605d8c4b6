"""The real content in content/: sourced, dated, and in every language."""

import re
from pathlib import Path
from urllib.parse import urlsplit

from reclaim.content import load_library
from reclaim.languages import LANGUAGE_CODES

REPO = Path(__file__).resolve().parents[1]
library = load_library(REPO / "content")


def test_every_page_exists_as_a_file_in_all_five_languages() -> None:
    assert LANGUAGE_CODES == ("en", "pl", "ro", "ur", "ar")
    for kind, slug in library.documents:
        folder = REPO / "content" / f"{kind}s" / slug
        assert sorted(path.stem for path in folder.glob("*.toml")) == sorted(LANGUAGE_CODES)


def test_every_document_has_sources_and_a_review_date() -> None:
    for documents in library.documents.values():
        for document in documents.values():
            assert document.sources and document.last_reviewed
            assert all(source.url.startswith("https://") for source in document.sources)


def test_the_guides_the_site_promises_are_there() -> None:
    assert set(library.order["guide"]) >= {
        "what-it-is",
        "not-your-fault",
        "asking-for-removal",
        "keeping-evidence",
        "reporting-to-police",
        "staying-safe-online",
        "coping",
        "families-and-friends",
        "for-parents-and-carers",
    }
    situations = ("shared", "threatened", "worried", "not-sure-its-me", "under-18", "helping")
    assert library.order["plan"] == situations
    assert library.order["walkthrough"] == ("police",)
    assert library.order["exercise"]


def test_every_helpline_has_a_source_a_check_date_and_a_description_in_every_language() -> None:
    assert len(library.helplines) >= 15
    for helpline in library.helplines:
        assert helpline.source.startswith("https://") and helpline.last_checked
        assert sorted(helpline.descriptions) == sorted(LANGUAGE_CODES)


def test_the_uk_directory_has_the_specialist_and_emergency_lines() -> None:
    gb = {helpline.name: helpline for helpline in library.helplines_in("gb")}
    assert gb["Revenge Porn Helpline"].dial == "+443456000459"
    assert gb["Childline"].dial == "+448001111"
    assert any(helpline.emergency and helpline.phone == "999" for helpline in gb.values())


# The one duration of the breathing exercise, as each language says it in the summary and in
# the counting steps (Polish declines it: "around three minutes" is genitive).
BREATHING_DURATION = {
    "en": ("about three minutes", "about three minutes"),
    "pl": ("około trzech minut", "mniej więcej trzy minuty"),
    "ro": ("cam trei minute", "cam trei minute"),
    "ur": ("تقریباً تین منٹ", "تقریباً تین منٹ"),
    "ar": ("نحو ثلاث دقائق", "نحو ثلاث دقائق"),
}


def test_breathing_exercise_gives_one_duration_in_every_language() -> None:
    for code, (in_summary, in_steps) in BREATHING_DURATION.items():
        document = library.documents[("exercise", "breathing")][code]
        steps = [
            text for section in document.sections for b in section.blocks for text in b.texts()
        ]
        assert in_summary in document.summary, code
        assert any(in_steps in text for text in steps), code
    english = library.documents[("exercise", "breathing")]["en"]
    every_text = [english.summary] + [
        text for section in english.sections for b in section.blocks for text in b.texts()
    ]
    durations = {m for text in every_text for m in re.findall(r"(\w+) minutes?", text)}
    assert durations == {"three"}


def _host(url: str) -> str:
    return urlsplit(url).netloc.removeprefix("www.")


# Every text file the site and the command line are made of: templates, modules, scripts.
_SOURCE_FILES = [
    path
    for path in (REPO / "src").rglob("*")
    if path.suffix in {".py", ".html", ".txt", ".js", ".css", ".md"}
]


def test_no_template_or_module_names_an_under_18_service_address() -> None:
    # content/under18.toml is the one list; a page or message that writes an address itself
    # is how the copies drifted apart before.
    hosts = {_host(service.website or "") for service in library.under_18.services}
    assert hosts == {"takeitdown.ncmec.org", "childline.org.uk", "iwf.org.uk"}
    assert len(_SOURCE_FILES) > 100
    found = [
        f"{path.relative_to(REPO)} names {host}"
        for path in _SOURCE_FILES
        for host in hosts
        if host in path.read_text(encoding="utf-8").lower()
    ]
    assert not found, "read them from content/under18.toml instead: " + "; ".join(found)
