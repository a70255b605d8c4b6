"""A pasted list of web addresses: each found, normalised, folded and recognised.

A caseworker pastes what a survivor sent: one address a line, or addresses inside sentences,
with or without ``https://``, in angle brackets, followed by a full stop, defanged
(``hxxps://example[.]com``), written with a non-Latin domain. ``recognise_addresses`` finds
every address in it, writes each one way (``normalise_address``), keeps each once with how many
times and on which line it first came, and recognises its platform, routes and legal profile
with ``Catalogue.plan``. A line that holds no address comes back with its number, so nothing
typed is lost. An address on a site the directory does not know keeps its host, for an RDAP
look-up later (``AddressList.unknown_hosts``).

The work per line is one regular expression; the plan is worked out once per host (a plan
depends only on the host's platform and the country), so ten thousand lines take a fraction
of a second.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import idna

from reclaim.notices._catalogue import Catalogue, Plan

DEFAULT_PORTS = {"http": 80, "https": 443}
# Endings of file names that look like domains in running text ("photo.jpg"); a word with one of
# these and no path is a file someone named, not a site (no such top-level domain exists
# except .zip and .mov, which people paste as file names far more often than as sites).
FILE_ENDINGS = frozenset(
    ("jpg", "jpeg", "png", "gif", "webp", "heic", "bmp", "tif", "tiff", "mp4", "mov", "avi",
     "mkv", "webm", "pdf", "doc", "docx", "txt", "rtf", "zip", "rar", "7z", "csv", "xls",
     "xlsx", "ppt", "pptx")
)  # fmt: skip
# Characters an address cannot end with in running text: the sentence's, not the address's.
TRAILING = ".,;:!?'\"*"
CLOSERS = {")": "(", "]": "[", "}": "{"}
# Characters left as they are in a path or query; anything else (spaces, non-ASCII letters) is
# percent-encoded, so an address typed with "ü" and one copied as "%C3%BC" are the same.
PATH_SAFE = "/%:@!$&'()*+,;=-._~"
QUERY_SAFE = PATH_SAFE + "?"

_HOST = re.compile(r"[a-z0-9_\-]+(?:\.[a-z0-9_\-]+)+")
_CANDIDATE = re.compile(
    r"""
    (?:h[tx]{2}ps?://[^\s<>"`]+)                      # with a scheme (hxxp: defanged)
    |
    (?<![\w@.\-/:])                                     # not the end of an email or a path
    (?:[\w\-]+(?:\.|\[\.\]))+[\w\-]{2,}                 # a host: labels and dots
    (?::\d{1,5})?                                       # a port
    (?:[/?][^\s<>"`]*)?                                 # a path or query
    (?![\w@\-])                                         # not the start of an email
    """,
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class PastedAddress:
    """One address from a paste: written one way, how often and where it came, its plan."""

    url: str
    line: int  # the line it first came on, counting from 1
    count: int  # how many times the paste holds it
    plan: Plan

    @property
    def host(self) -> str:
        """Return the address's host (ASCII, as DNS and RDAP want it)."""
        return urlsplit(self.url).hostname or ""

    @property
    def is_known(self) -> bool:
        """Return whether the platform directory knows the site."""
        return self.plan.platform is not None


@dataclass(frozen=True)
class PastedLine:
    """A line of the paste that holds no address, kept so that nothing typed is lost."""

    line: int
    text: str


@dataclass(frozen=True)
class AddressList:
    """What a paste held: its addresses in the order they came, and the lines with none."""

    addresses: tuple[PastedAddress, ...]
    other_lines: tuple[PastedLine, ...]

    @property
    def repeats(self) -> int:
        """Return how many addresses in the paste were repeats of an earlier one."""
        return sum(a.count - 1 for a in self.addresses)

    def by_platform(self) -> dict[str, tuple[PastedAddress, ...]]:
        """Return the addresses grouped by platform id ('' for sites the directory lacks)."""
        groups: dict[str, list[PastedAddress]] = {}
        for address in self.addresses:
            key = address.plan.platform.id if address.plan.platform else ""
            groups.setdefault(key, []).append(address)
        return {key: tuple(group) for key, group in groups.items()}

    def unknown_hosts(self) -> tuple[str, ...]:
        """Return the hosts of addresses on unknown sites, each once, for an RDAP look-up."""
        return tuple(dict.fromkeys(a.host for a in self.addresses if not a.is_known))


def recognise_addresses(
    text: str, catalogue: Catalogue, country: str = "", organisation: str = ""
) -> AddressList:
    """Return every address in ``text`` normalised, folded and planned, and the other lines.

    ``country`` is the survivor's (ISO 3166 alpha-2; '' while unknown: the general profile).
    ``organisation`` is the helpline that will make the requests: its enrolled routes first.
    """
    first: dict[str, tuple[int, int]] = {}  # url -> (line, count)
    others: list[PastedLine] = []
    for number, line in enumerate(text.splitlines(), start=1):
        found = False
        for url in find_addresses(line):
            found = True
            seen = first.get(url)
            first[url] = (seen[0], seen[1] + 1) if seen else (number, 1)
        if not found and line.strip():
            others.append(PastedLine(number, line.strip()))
    plans: dict[str, Plan] = {}
    addresses = []
    for url, (number, count) in first.items():
        host = urlsplit(url).hostname or ""
        if host not in plans:
            plans[host] = catalogue.plan(url, country, organisation)
        addresses.append(PastedAddress(url, number, count, plans[host]))
    return AddressList(tuple(addresses), tuple(others))


def find_addresses(line: str) -> Iterator[str]:
    """Yield each web address in one line of text, normalised (see ``normalise_address``)."""
    for match in _CANDIDATE.finditer(line):
        text = match.group()
        if _is_file_name(text):
            continue
        url = normalise_address(text)
        if url:
            yield url


def _is_file_name(text: str) -> bool:
    """Return whether a word without a scheme or path is a file's name ("photo.jpg")."""
    if "://" in text or "/" in text or "?" in text:
        return False
    return _trim(text).rsplit(".", 1)[-1].lower() in FILE_ENDINGS


def normalise_address(text: str) -> str:
    """Return the web address in ``text`` written one way, or '' if it is not one.

    The scheme is https unless http is given; the host is lower-case ASCII (a non-Latin
    domain in its xn-- form, a trailing dot dropped); a default port, a user name and password,
    and the fragment (#...) are dropped; an empty path is "/"; spaces and non-ASCII letters in
    the path and query are percent-encoded. Sentence punctuation around it and angle brackets
    are not part of it; a defanged address (hxxps://, [.]) is read as the address it stands for.
    """
    text = _trim(text.strip().strip("<>").strip())
    text = text.replace("[.]", ".")
    if re.match(r"(?i)h[tx]{2}ps?://", text):
        text = "http" + text[4:]
    elif "://" in text:
        return ""
    else:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return ""
    host = _ascii_host(parts.hostname or "")
    scheme = parts.scheme.lower()
    if not host or scheme not in DEFAULT_PORTS:
        return ""
    if port is not None and port != DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = quote(parts.path or "/", safe=PATH_SAFE)
    query = quote(parts.query, safe=QUERY_SAFE)
    return urlunsplit((scheme, host, path, query, ""))


def _trim(text: str) -> str:
    """Return ``text`` without the punctuation of the sentence around it."""
    while text:
        last = text[-1]
        if last in TRAILING:
            text = text[:-1]
        elif last in CLOSERS and text.count(last) > text.count(CLOSERS[last]):
            text = text[:-1]  # "(see x.com/a)", but not "wiki/Thing_(film)"
        else:
            return text
    return text


def _ascii_host(host: str) -> str:
    """Return the host in lower-case ASCII, or '' if it is not a domain or an IP address."""
    host = host.rstrip(".")
    if host.startswith("[") or ":" in host:  # an IPv6 address, as urlsplit gives it
        return f"[{host.strip('[]')}]"
    if host.isascii():
        ascii_host = host.lower()
    else:  # a non-Latin domain: its xn-- form, as DNS, RDAP and the directory write it
        try:
            ascii_host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            return ""
    labels = ascii_host.split(".")
    if len(labels) < 2 or not _HOST.fullmatch(ascii_host):
        return ""
    if labels[-1].isdigit():  # an IPv4 address: four numbers, nothing else
        return ascii_host if len(labels) == 4 and all(p.isdigit() for p in labels) else ""
    ending = labels[-1]
    if not (ending.isalpha() or ending.startswith("xn--")) or len(ending) < 2:
        return ""
    return ascii_host
