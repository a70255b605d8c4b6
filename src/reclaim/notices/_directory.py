"""The platform directory: who a web address belongs to, and how to ask them to remove it.

Most routes are open to anyone (a platform's public form or address). A trusted-flagger route
is one a platform opens to organisations it has enrolled (a helpline's caseworkers): it is
used only by them (``who = "enrolled"``), often takes many addresses in one request
(``batch``), and always names its source. The routes a platform gave a helpline on enrolment
are not public: they live in the helpline's own routes file, in the same schema, and
``load_directory(..., extra=...)`` adds them to the public directory for that helpline alone.
"""

import datetime
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from reclaim.content import ContentError, Table

ROUTE_KINDS = ("form", "email", "in-app")
# Best first: an intimate-image or privacy route before copyright, because a DMCA notice may be
# forwarded to the uploader and published on the Lumen database (lumendatabase.org).
# A trusted-flagger (or priority) route comes first for an organisation enrolled on it, and is
# never offered to anyone else.
PURPOSES = ("trusted-flagger", "take-it-down", "intimate-image", "privacy", "abuse", "delisting")
WHO_MAY_REPORT = ("person-only", "person-or-representative", "anyone")
ROUTE_USERS = ("anyone", "enrolled")  # who may use a route: anyone, or enrolled organisations


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
    who: str = "anyone"  # one of ROUTE_USERS
    enrolled: tuple[str, ...] = ()  # the organisations that may use it (from their own file)
    batch: bool = False  # takes many addresses in one request
    batch_limit: int | None = None  # at most this many addresses in one request, if it says
    source: str = ""  # where the route comes from (required for an enrolled route)

    def usable_by(self, organisation: str) -> bool:
        """Return whether ``organisation`` ('' for a person) may use this route."""
        return self.who == "anyone" or (bool(organisation) and organisation in self.enrolled)

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


def load_directory(path: Path, extra: Path | None = None) -> Directory:
    """Return the directory in ``path``, with the helpline's own routes file ``extra`` merged
    over it if given; raise ContentError naming the first broken rule."""
    table = Table.read(path)
    platforms = tuple(_platform(entry) for entry in table.tables("platform"))
    table.done()
    _check_unique(path, [p.id for p in platforms], "platform id")
    _check_unique(path, [d for p in platforms for d in p.domains], "domain")
    directory = Directory(platforms)
    return directory if extra is None else merge_routes(directory, extra)


def merge_routes(directory: Directory, path: Path) -> Directory:
    """Return ``directory`` with the routes of a helpline's own routes file added.

    The file names the ``organisation`` a platform enrolled; each of its ``[[platform]]``
    tables is either a platform of the directory by ``id`` with only the routes it adds, or a
    whole new platform entry. Every route in it is the organisation's alone and names its
    source. Added routes come after the public ones, so a public route keeps its place (a
    request records its route by place); ``Catalogue.plan`` ranks them first for the
    organisation.
    """
    table = Table.read(path)
    organisation = table.slug("organisation")
    known = {p.id: p for p in directory.platforms}
    added: dict[str, Platform] = {}
    for entry in table.tables("platform"):
        platform = _enrolled_platform(entry, known, organisation)
        if platform.id in added:
            raise entry.error(f"the platform {platform.id!r} appears more than once")
        added[platform.id] = platform
    table.done()
    merged = [added.pop(p.id, p) for p in directory.platforms] + list(added.values())
    _check_unique(path, [d for p in merged for d in p.domains], "domain")
    return Directory(tuple(merged))


def _enrolled_platform(table: Table, known: dict[str, Platform], organisation: str) -> Platform:
    platform_id = table.slug("id")
    if platform_id in known:
        routes = tuple(_route(r, organisation) for r in table.tables("route"))
        table.done()
        public = known[platform_id]
        return replace(public, routes=(*public.routes, *routes))
    return _platform(table, organisation)


def _platform(table: Table, organisation: str = "") -> Platform:
    platform = Platform(
        id=table.slug("id"),
        name=table.text("name"),
        domains=tuple(d.lower() for d in table.strings("domains", allow_empty=True)),
        who_may_report=table.choice("who_may_report", WHO_MAY_REPORT),
        answers_to=table.strings("answers_to"),
        stopncii=table.flag("stopncii"),
        take_it_down=table.flag("take_it_down"),
        routes=tuple(
            _route(route, organisation)
            for route in table.tables("route", required=bool(organisation))
        ),
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


def _route(table: Table, organisation: str = "") -> Route:
    """Read one route; ``organisation`` names the helpline whose own routes file holds it."""
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
        who="enrolled" if organisation else _who(table),
        enrolled=(organisation,) if organisation else (),
        batch=table.flag("batch"),
        batch_limit=table.optional_integer("batch_limit"),
        source=table.text("source", default=""),
    )
    _check_route(table, route, organisation)
    table.done()
    return route


def _who(table: Table) -> str:
    return table.choice("who", ROUTE_USERS) if table.has("who") else "anyone"


def _check_route(table: Table, route: Route, organisation: str) -> None:
    needed = {"form": route.url, "email": route.address, "in-app": route.where}[route.kind]
    if not needed:
        which = {"form": "url", "email": "address", "in-app": "where"}[route.kind]
        raise table.error(f"a {route.kind} route needs '{which}'")
    if route.url and not route.url.startswith("https://"):
        raise table.error("'url' must be an https:// address")
    if route.address and "@" not in route.address:
        raise table.error(f"{route.address!r} is not an email address")
    if organisation and table.has("who"):
        raise table.error("'who' is not set here: every route in this file is enrolled")
    if (organisation or route.who == "enrolled") and not route.source:
        raise table.error("an enrolled route needs 'source': where the platform gave it")
    if route.purpose == "trusted-flagger" and route.who != "enrolled":
        raise table.error("a trusted-flagger route is for enrolled organisations: who = 'enrolled'")
    if route.source and not organisation and not route.source.startswith("https://"):
        raise table.error("'source' must be an https:// address")
    if route.batch_limit is not None and not route.batch:
        raise table.error("'batch_limit' needs batch = true")


def _check_unique(path: Path, values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ContentError(f"{path}: the {what} {value!r} appears more than once")
        seen.add(value)
