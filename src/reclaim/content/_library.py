"""The whole content library, loaded and cross-checked from a content folder."""

from dataclasses import dataclass, replace
from pathlib import Path

from reclaim.content._documents import (
    Document,
    Kind,
    Translation,
    document_kinds,
    folder_of,
    read_document,
    read_translation,
    read_translation_meta,
)
from reclaim.content._fields import ContentError, Table
from reclaim.content._helplines import DIRECTORY_FILE, HELPLINES_FOLDER, Helpline, read_helpline
from reclaim.content._markup import LinkTarget
from reclaim.content._under18 import Under18, read_under_18
from reclaim.languages import LANGUAGE_CODES, ORIGINAL_LANGUAGE

INDEX_FILE = "index.toml"


@dataclass(frozen=True)
class Library:
    """Every document in every language, the helplines directory and the under-18 services."""

    documents: dict[tuple[Kind, str], dict[str, Document]]
    order: dict[Kind, tuple[str, ...]]
    helplines: tuple[Helpline, ...]
    helpline_translations: dict[str, Translation]
    under_18: Under18

    def document(self, kind: Kind, slug: str, language: str) -> Document:
        """Return one document in one language; raise KeyError if there is none."""
        return self.documents[(kind, slug)][language]

    def documents_of(self, kind: Kind, language: str) -> list[Document]:
        """Return every document of a kind in one language, in the index's order."""
        return [self.document(kind, slug, language) for slug in self.order[kind]]

    def countries(self) -> list[str]:
        """Return the country codes the helplines directory covers, sorted."""
        return sorted({helpline.country for helpline in self.helplines})

    def helplines_in(self, country: str) -> list[Helpline]:
        """Return the helplines of one country: emergency numbers last."""
        found = [helpline for helpline in self.helplines if helpline.country == country]
        return sorted(found, key=lambda helpline: helpline.emergency)

    def has_target(self, target: LinkTarget) -> bool:
        """Return True if an internal link target names something in the library."""
        if target.kind == "helplines":
            return target.value == "" or target.value in self.countries()
        return (target.kind, target.value) in self.documents


def load_library(root: Path) -> Library:
    """Return the library under ``root``; raise ContentError naming the first broken rule."""
    order = _read_order(root)
    documents: dict[tuple[Kind, str], dict[str, Document]] = {}
    for kind, slugs in order.items():
        _check_folder_matches(root, kind, slugs)
        for slug in slugs:
            documents[(kind, slug)] = _read_all_languages(root, kind, slug)
    helplines, translations = _read_helplines(root / HELPLINES_FOLDER)
    under_18 = read_under_18(root, helplines)
    library = Library(documents, order, helplines, translations, under_18)
    _check_internal_links(library)
    return library


def _load_toml(path: Path) -> Table:
    return Table.read(path, "missing (every page exists in every language)")


def _read_order(root: Path) -> dict[Kind, tuple[str, ...]]:
    table = _load_toml(root / INDEX_FILE)
    order = {
        kind: table.strings(folder_of(root, kind).name, allow_empty=True)
        for kind in document_kinds()
    }
    table.done()
    return order


def _check_folder_matches(root: Path, kind: Kind, slugs: tuple[str, ...]) -> None:
    folder = folder_of(root, kind)
    present = {path.name for path in folder.glob("*/")} if folder.is_dir() else set()
    if present != set(slugs) or len(slugs) != len(set(slugs)):
        raise ContentError(
            f"{root / INDEX_FILE}: '{folder.name}' must list each folder of {folder} once "
            f"(listed {sorted(slugs)}, found {sorted(present)})"
        )


def _read_all_languages(root: Path, kind: Kind, slug: str) -> dict[str, Document]:
    folder = folder_of(root, kind) / slug
    original = read_document(
        _load_toml(folder / f"{ORIGINAL_LANGUAGE}.toml"), kind, slug, ORIGINAL_LANGUAGE
    )
    found = {ORIGINAL_LANGUAGE: original}
    for code in LANGUAGE_CODES:
        if code != ORIGINAL_LANGUAGE:
            found[code] = read_translation(_load_toml(folder / f"{code}.toml"), original, code)
    return found


def _read_helplines(folder: Path) -> tuple[tuple[Helpline, ...], dict[str, Translation]]:
    table = _load_toml(folder / DIRECTORY_FILE)
    helplines = [read_helpline(entry) for entry in table.tables("helpline")]
    table.done()
    ids = [helpline.id for helpline in helplines]
    if len(set(ids)) != len(ids):
        raise table.error("helpline ids must be unique")
    words: _Words = {
        helpline_id: {"descriptions": {}, "names": {}, "areas": {}} for helpline_id in ids
    }
    translations: dict[str, Translation] = {}
    for code in LANGUAGE_CODES:
        texts = _load_toml(folder / f"{code}.toml")
        if code != ORIGINAL_LANGUAGE:
            translations[code] = read_translation_meta(texts)
        _read_helpline_words(texts, code, helplines, words)
        texts.done()
    found = tuple(
        replace(
            helpline,
            descriptions=words[helpline.id]["descriptions"],
            names=words[helpline.id]["names"],
            areas=words[helpline.id]["areas"],
        )
        for helpline in helplines
    )
    return found, translations


# For each helpline id: its descriptions, names and areas, each by language.
_Words = dict[str, dict[str, dict[str, str]]]


def _read_helpline_words(texts: Table, code: str, helplines: list[Helpline], words: _Words) -> None:
    """Add one language file's descriptions, names and areas to ``words``."""
    areas = {helpline.area: helpline.area for helpline in helplines}
    if code != ORIGINAL_LANGUAGE:
        areas = _read_areas(texts, set(areas))
    for helpline in helplines:
        entry = texts.table(helpline.id)
        if entry is None:
            raise texts.error(f"no description for helpline '{helpline.id}'")
        found = words[helpline.id]
        found["descriptions"][code] = entry.text("description")
        found["areas"][code] = areas[helpline.area]
        name = entry.optional_text("name")
        if name and code == ORIGINAL_LANGUAGE:
            raise entry.error("'name' belongs to translations: the original is the directory's")
        if name:
            found["names"][code] = name
        entry.done()


def _read_areas(texts: Table, areas: set[str]) -> dict[str, str]:
    """Return the ``[areas]`` table of a translation: each area of the directory, translated."""
    table = texts.table("areas")
    if table is None:
        raise texts.error("an [areas] table is missing: each area of the directory, translated")
    found = {area: table.text(area) for area in sorted(areas)}
    table.done()
    return found


def _check_internal_links(library: Library) -> None:
    for (kind, slug), by_language in library.documents.items():
        for target in by_language[ORIGINAL_LANGUAGE].links():
            if target.internal and not library.has_target(target):
                raise ContentError(
                    f"{kind} '{slug}' links to {target.kind}:{target.value}, which does not exist"
                )
