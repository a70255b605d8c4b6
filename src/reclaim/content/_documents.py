"""Documents (guides, plans, walk-throughs, exercises) and how one TOML file becomes one."""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, cast

from reclaim.content._fields import Table
from reclaim.content._markup import LinkTarget, MarkupError, link_targets

Kind = Literal["guide", "plan", "walkthrough", "exercise"]
KIND_FOLDERS: dict[Kind, str] = {
    "guide": "guides",
    "plan": "plans",
    "walkthrough": "walkthroughs",
    "exercise": "exercises",
}
TEXT_BLOCKS = ("paragraph", "note", "caution", "breathing")
ITEM_BLOCKS = ("list", "steps")
NATIVE_REVIEW_NEEDED = "needed"
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Source:
    """Where the facts of a document come from."""

    title: str
    url: str


@dataclass(frozen=True)
class Block:
    """One block of a section: text for paragraph-like types, items for lists."""

    type: str
    text: str = ""
    items: tuple[str, ...] = ()

    def texts(self) -> tuple[str, ...]:
        """Return every string of the block that a reader sees."""
        return self.items if self.type in ITEM_BLOCKS else (self.text,)


@dataclass(frozen=True)
class Section:
    """A titled part of a document; in a plan, one step of the checklist."""

    id: str
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Translation:
    """How a translation stands against its original."""

    from_reviewed: datetime.date
    native_review: str

    @property
    def needs_native_review(self) -> bool:
        """Return True until a native speaker has reviewed the translation."""
        return self.native_review == NATIVE_REVIEW_NEEDED


@dataclass(frozen=True)
class Document:
    """A guide, plan, walk-through or exercise in one language."""

    kind: Kind
    slug: str
    language: str
    title: str
    summary: str
    sections: tuple[Section, ...]
    sources: tuple[Source, ...]
    last_reviewed: datetime.date
    evidence_advice: bool = False
    translation: Translation | None = None

    @property
    def outdated(self) -> bool:
        """Return True when the original was reviewed after this translation was made."""
        return self.translation is not None and self.translation.from_reviewed < self.last_reviewed

    def links(self) -> Iterator[LinkTarget]:
        """Yield every link target in the document, in reading order."""
        for text in self._texts():
            yield from link_targets(text)

    def shape(self) -> tuple[object, ...]:
        """Return what a translation must share with its original: ids, block types, links."""
        sections = tuple(
            (section.id, tuple((block.type, len(block.items)) for block in section.blocks))
            for section in self.sections
        )
        return (sections, tuple(self.links()))

    def _texts(self) -> Iterator[str]:
        yield self.summary
        for section in self.sections:
            for block in section.blocks:
                yield from block.texts()


def read_document(table: Table, kind: Kind, slug: str, language: str) -> Document:
    """Return the document an original (English) file describes."""
    document = Document(
        kind=kind,
        slug=slug,
        language=language,
        title=table.text("title"),
        summary=table.text("summary"),
        last_reviewed=table.date("last_reviewed"),
        evidence_advice=table.flag("evidence_advice"),
        sources=tuple(read_source(source) for source in table.tables("sources")),
        sections=_read_sections(table),
    )
    table.done()
    _check_links(document, table)
    return document


def read_translation(table: Table, original: Document, language: str) -> Document:
    """Return a translation of ``original``, taking its sources and review date."""
    translation = read_translation_meta(table)
    document = replace(
        original,
        language=language,
        title=table.text("title"),
        summary=table.text("summary"),
        sections=_read_sections(table),
        translation=translation,
    )
    table.done()
    _check_links(document, table)
    if document.shape() != original.shape():
        raise table.error(
            "sections, block types, list lengths and links must match the original (en.toml)"
        )
    return document


def read_translation_meta(table: Table) -> Translation:
    """Return the ``[translation]`` table of a translated file; raise if it has none."""
    meta = table.table("translation")
    if meta is None:
        raise table.error("a translation needs a [translation] table")
    translation = Translation(meta.date("from_reviewed"), meta.text("native_review"))
    meta.done()
    return translation


def read_source(table: Table) -> Source:
    """Return the source a ``[[sources]]`` table names; its url must be https."""
    source = Source(table.text("title"), table.text("url"))
    table.done()
    if not source.url.startswith("https://"):
        raise table.error("a source url must start with https://")
    return source


def _read_sections(table: Table) -> tuple[Section, ...]:
    sections = tuple(_read_section(section) for section in table.tables("sections"))
    ids = [section.id for section in sections]
    if len(set(ids)) != len(ids):
        raise table.error("section ids must be unique")
    return sections


def _read_section(table: Table) -> Section:
    section_id = table.text("id")
    if not _ID.fullmatch(section_id):
        raise table.error(f"section id {section_id!r} must be a lower-case slug")
    section = Section(
        section_id, table.text("heading"), tuple(map(_read_block, table.tables("blocks")))
    )
    table.done()
    return section


def _read_block(table: Table) -> Block:
    block_type = table.text("type")
    if block_type in TEXT_BLOCKS:
        block = Block(block_type, text=table.text("text"))
    elif block_type in ITEM_BLOCKS:
        block = Block(block_type, items=table.strings("items"))
    else:
        raise table.error(f"unknown block type {block_type!r}")
    table.done()
    return block


def _check_links(document: Document, table: Table) -> None:
    try:
        list(document.links())
    except MarkupError as error:
        raise table.error(str(error)) from None


def document_kinds() -> tuple[Kind, ...]:
    """Return the four kinds of document, in the order the site lists them."""
    return cast(tuple[Kind, ...], tuple(KIND_FOLDERS))


def folder_of(root: Path, kind: Kind) -> Path:
    """Return the folder under the content root that holds documents of ``kind``."""
    return root / KIND_FOLDERS[kind]
