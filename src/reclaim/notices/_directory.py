"""The platform directory: who a web address belongs to, and how to ask them to remove it."""

import datetime
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from reclaim.content import ContentError, Table

ROUTE_KINDS = ("form", "email", "in-app")
# Best first: an intimate-image or privacy route before copyright, because a DMCA notice may be
# forwarded to the uploader and published on the Lumen database (lumendatabase.org).
PURPOSES = ("take-it-down", "intimate-image", "privacy", "abuse", "delisting")
WHO_MAY_REPORT = ("person-only", "person-or-representative", "anyone")


@dataclass(frozen=True)
class FormField:
    """One field of a platform's web form, in the form's order, and the fact it takes."""

    label: str
    fact: str


@dataclass(frozen=True)
class Route:
    """One way to ask a platform: a web form, an email address, or a report inside its app."""

    kind: str
    purpose: str
    url: str = ""
    address: str = ""
    where: str = ""
    profiles: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    fields: tuple[FormField, ...] = ()

    @property
    def target(self) -> str:
        """Return where the request goes: the form's address, the email address, or ''."""
        return self.url or self.address


@dataclass(frozen=True)
class Platform:
    """A service where content appears, as the directory describes it."""

    id: str
    name: str
    domains: tuple[str, ...]
    who_may_report: str
    answers_to: tuple[str, ...]
    stopncii: bool
    take_it_down: bool
    routes: tuple[Route, ...]
    source: str
    last_checked: datetime.date
    verified: bool
    notes: str = ""
    cdn: bool = False
    review_hours: int | None = None


@dataclass(frozen=True)
class Directory:
    """Every platform in the directory, found by id or by a web address."""

    platforms: tuple[Platform, ...]

    def get(self, platform_id: str) -> Platform:
        """Return the platform with this id; raise KeyError if there is none."""
        for platform in self.platforms:
            if platform.id == platform_id:
                return platform
        raise KeyError(platform_id)

    def recognise(self, url: str) -> Platform | None:
        """Return the platform a web address belongs to (its host or a parent domain), or None."""
        host = (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
        labels = host.split(".")
        for start in range(len(labels) - 1):  # the longest suffix first: a.b.example.com, ...
            suffix = ".".join(labels[start:])
            for platform in self.platforms:
                if suffix in platform.domains:
                    return platform
        return None


def load_directory(path: Path) -> Directory:
    """Return the directory in ``path``; raise ContentError naming the first broken rule."""
    table = Table.read(path)
    platforms = tuple(_platform(entry) for entry in table.tables("platform"))
    table.done()
    _check_unique(path, [p.id for p in platforms], "platform id")
    _check_unique(path, [d for p in platforms for d in p.domains], "domain")
    return Directory(platforms)


def _platform(table: Table) -> Platform:
    platform = Platform(
        id=table.slug("id"),
        name=table.text("name"),
        domains=tuple(d.lower() for d in table.strings("domains", allow_empty=True)),
        who_may_report=table.choice("who_may_report", WHO_MAY_REPORT),
        answers_to=table.strings("answers_to"),
        stopncii=table.flag("stopncii"),
        take_it_down=table.flag("take_it_down"),
        routes=tuple(_route(route) for route in table.tables("route", required=False)),
        source=table.text("source"),
        last_checked=table.date("last_checked"),
        verified=table.flag("verified"),
        notes=table.text("notes", default=""),
        cdn=table.flag("cdn"),
        review_hours=table.optional_integer("review_hours"),
    )
    for domain in platform.domains:
        if "/" in domain or "." not in domain or domain != domain.strip("."):
            raise table.error(f"{domain!r} is not a domain such as example.com")
    if not platform.source.startswith("https://"):
        raise table.error("'source' must be an https:// address")
    table.done()
    return platform


def _route(table: Table) -> Route:
    route = Route(
        kind=table.choice("kind", ROUTE_KINDS),
        purpose=table.choice("purpose", PURPOSES),
        url=table.text("url", default=""),
        address=table.text("address", default=""),
        where=table.text("where", default=""),
        profiles=table.strings("profiles", allow_empty=True) if table.has("profiles") else (),
        steps=table.strings("steps") if table.has("steps") else (),
        fields=tuple(
            FormField(f.text("label"), f.text("fact")) for f in table.tables("fields", False)
        ),
    )
    needed = {"form": route.url, "email": route.address, "in-app": route.where}[route.kind]
    if not needed:
        which = {"form": "url", "email": "address", "in-app": "where"}[route.kind]
        raise table.error(f"a {route.kind} route needs '{which}'")
    if route.url and not route.url.startswith("https://"):
        raise table.error("'url' must be an https:// address")
    if route.address and "@" not in route.address:
        raise table.error(f"{route.address!r} is not an email address")
    table.done()
    return route


def _check_unique(path: Path, values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ContentError(f"{path}: the {what} {value!r} appears more than once")
        seen.add(value)
