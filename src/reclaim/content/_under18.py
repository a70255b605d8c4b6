"""The services for cases where someone was under 18 in the image, chosen from the helplines.

``content/under18.toml`` names them by helpline id, in the order they are shown; the helplines
directory keeps each one's name, address and source, and what it does in every language. Every
page, message and refusal that points to these services reads them from here, so the list
cannot drift between places again.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reclaim.content._documents import Source, read_source
from reclaim.content._fields import Table
from reclaim.content._helplines import (
    DIRECTORY_FILE,
    HELPLINES_FOLDER,
    Helpline,
    read_helpline,
)

UNDER_18_FILE = "under18.toml"
# The content folder of this repository: the command line's and the site's default too.
DEFAULT_CONTENT_DIR = Path(__file__).resolve().parents[3] / "content"
# Adults-only services (StopNCII) must never be offered for an image of a child.
UNDER_18_AUDIENCES = ("under-18", "everyone")


@dataclass(frozen=True)
class Under18:
    """The services to offer when someone was under 18 in the image, and why these."""

    services: tuple[Helpline, ...]
    sources: tuple[Source, ...]
    last_reviewed: datetime.date


def read_under_18(root: Path, helplines: Sequence[Helpline]) -> Under18:
    """Return the under-18 services of ``root``; raise ContentError naming a broken rule."""
    table = Table.read(root / UNDER_18_FILE)
    ids = table.strings("services")
    under_18 = Under18(
        services=_resolve(table, ids, {helpline.id: helpline for helpline in helplines}),
        sources=tuple(read_source(source) for source in table.tables("sources")),
        last_reviewed=table.date("last_reviewed"),
    )
    table.done()
    return under_18


def _resolve(
    table: Table, ids: tuple[str, ...], by_id: dict[str, Helpline]
) -> tuple[Helpline, ...]:
    if len(set(ids)) != len(ids):
        raise table.error("'services' names a helpline twice")
    for helpline_id in ids:
        helpline = by_id.get(helpline_id)
        if helpline is None:
            raise table.error(f"'{helpline_id}' is not a helpline of {DIRECTORY_FILE}")
        if helpline.audience not in UNDER_18_AUDIENCES:
            raise table.error(f"'{helpline_id}' is for {helpline.audience}, not under-18s")
        if helpline.website is None:
            raise table.error(f"'{helpline_id}' has no website to link to")
    return tuple(by_id[helpline_id] for helpline_id in ids)


def under_18_services(root: Path = DEFAULT_CONTENT_DIR) -> tuple[Helpline, ...]:
    """Return the under-18 services with their names and addresses (no descriptions)."""
    directory = Table.read(root / HELPLINES_FOLDER / DIRECTORY_FILE)
    helplines = [read_helpline(entry) for entry in directory.tables("helpline")]
    directory.done()
    return read_under_18(root, helplines).services


@cache
def under_18_listing(root: Path = DEFAULT_CONTENT_DIR) -> str:
    """Return the under-18 services as one line for messages: "Name: https://…; …"."""
    return "; ".join(f"{service.name}: {service.website}" for service in under_18_services(root))
