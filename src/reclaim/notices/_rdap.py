"""Who hosts a page, who registered its domain, and who to escalate to, by RDAP.

WHOIS for generic top-level domains was retired by ICANN on 28 January 2025; RDAP (RFC 9082
and 9083: JSON over HTTPS) replaced it. Two questions are asked:

- the domain's registry (then, if it points there, the registrar's own RDAP server): the
  registrar and its abuse contact. A registrar can suspend the whole domain.
- for each address the site's name stands for, the regional internet registry: the network
  holding it and its abuse contact. Only the network holder can take the server down; when the
  network is a CDN, the CDN forwards reports to the real host.

Which server to ask comes from IANA's bootstrap files (RFC 9224), or one server for all
questions (``RdapBootstrap.single``). A lookup that fails becomes a line in
``HostingReport.problems``; only a bad address or an unreadable bootstrap file raises.

Safety. The servers the bootstrap names (IANA's registries, or the one an operator configured)
are asked as they are; every other address (each redirect, a registrar's "related" link) goes
through the address-pinned fetcher (reclaim.notices._fetch) under the public-address policy
(reclaim.addresses). So an answer cannot steer a request into the network Reclaim runs in, by
redirect or by rebinding.

RdapError (ReclaimError)   the address is not a web address, or a bootstrap file is unreadable
"""

import ipaddress
import json
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from reclaim.addresses import AddressRefusedError, Policy, check_addresses, resolve
from reclaim.errors import ReclaimError
from reclaim.notices._fetch import (
    FETCH_ERRORS,
    MAX_REDIRECTS,
    Answer,
    SyncFetcher,
    TooManyRedirectsError,
)

IANA_BOOTSTRAP_URLS = {
    "dns": "https://data.iana.org/rdap/dns.json",
    "ipv4": "https://data.iana.org/rdap/ipv4.json",
    "ipv6": "https://data.iana.org/rdap/ipv6.json",
}
RDAP_ACCEPT = "application/rdap+json, application/json;q=0.9"
MAX_ANSWER_BYTES = 2 * 1024 * 1024  # the largest networks' answers run to a few hundred KB
MAX_BOOTSTRAP_BYTES = 4 * 1024 * 1024  # IANA's dns.json is about 40 KB
MAX_ADDRESSES = 8  # addresses looked up per name (big sites publish many in a few networks)
UNREADABLE = "sent an answer that could not be read"  # follows "The RDAP server for ..."
MAX_ENTITY_DEPTH = 4  # abuse contacts sit in entities of entities (ARIN: network > org > abuse)

# Second-level labels under which names are registered at the third level ("example.co.uk").
# A stand-in for the Public Suffix List, which would be more exact (it also knows private
# suffixes such as github.io); a miss only means asking about a name one level too short.
SECOND_LEVEL_SUFFIXES = frozenset(
    {
        "co.uk", "org.uk", "me.uk", "ltd.uk", "plc.uk", "net.uk", "ac.uk", "gov.uk",
        "com.au", "net.au", "org.au", "edu.au", "gov.au", "id.au",
        "co.nz", "net.nz", "org.nz", "co.za", "org.za", "co.in", "net.in", "org.in",
        "co.jp", "ne.jp", "or.jp", "co.kr", "or.kr", "co.id", "co.il", "org.il",
        "com.br", "net.br", "org.br", "com.mx", "com.ar", "com.co", "com.tr", "com.cn",
        "com.hk", "com.tw", "com.sg", "com.my", "com.ph", "com.pk", "com.ng", "com.ua",
    }
)  # fmt: skip

# Networks run by CDNs, by a word in the network's name or holder (upper case), as RIRs list
# them (Cloudflare: CLOUDFLARENET; Fastly: FASTLY; Akamai: AKAMAI, AKAMAI-4 ...). Amazon is
# left out on purpose: AMAZON networks hold CloudFront and ordinary hosting (EC2, S3) alike,
# so the name cannot tell them apart; the re-check's response headers (x-amz-cf-id) can.
CDN_NETWORKS: tuple[tuple[str, str], ...] = (
    ("CLOUDFLARE", "Cloudflare"),
    ("FASTLY", "Fastly"),
    ("AKAMAI", "Akamai"),
    ("INCAPSULA", "Imperva"),
)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Json = dict[str, Any]


class RdapError(ReclaimError):
    """The address is not a web address, or an RDAP bootstrap file could not be read."""


@dataclass(frozen=True)
class AbuseContact:
    """Who to report abuse to: a domain's registrar, or the network holding a server."""

    role: str  # "registrar" or "network" (the holder of the server's IP address)
    name: str  # "Example Registrar, Inc." / "CLOUDFLARENET (Cloudflare, Inc.)"
    email: str  # the abuse address ("" if none was given)
    phone: str
    source_url: str  # the RDAP address the answer came from


@dataclass(frozen=True)
class HostingReport:
    """Who registered a page's domain and who holds the network of its server."""

    domain: str  # the registrable domain ("" when the address is an IP address)
    addresses: tuple[str, ...]
    registrar: AbuseContact | None
    networks: tuple[AbuseContact, ...]  # one per distinct network holding the addresses
    cdn: str  # "Cloudflare" etc. when a network is a known CDN, else ""
    problems: tuple[str, ...]  # plain words for lookups that failed

    def record(self) -> dict[str, Any]:
        """Return the report as plain values, to keep with a request (``from_record`` reads it)."""
        return asdict(self)

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> "HostingReport":
        """Return the report kept as ``record`` made it."""
        registrar = data["registrar"]
        return cls(
            domain=data["domain"],
            addresses=tuple(data["addresses"]),
            registrar=AbuseContact(**registrar) if registrar else None,
            networks=tuple(AbuseContact(**network) for network in data["networks"]),
            cdn=data["cdn"],
            problems=tuple(data["problems"]),
        )


@dataclass(frozen=True)
class RdapBootstrap:
    """Where to ask: RDAP base URLs by top-level domain and by IP network (IANA's bootstrap
    files, RFC 9224). The domain key "" answers for every domain (``single``)."""

    domains: dict[str, str]  # "com" -> "https://rdap.verisign.com/com/v1/"
    networks: tuple[tuple[Network, str], ...]

    @classmethod
    def from_iana(cls, dns_json: bytes, ipv4_json: bytes, ipv6_json: bytes) -> "RdapBootstrap":
        """Return the bootstrap read from IANA's dns.json, ipv4.json and ipv6.json."""
        domains = {
            entry.lower().strip("."): base
            for entries, base in _services(dns_json)
            for entry in entries
        }
        try:
            networks = tuple(
                (ipaddress.ip_network(entry, strict=False), base)
                for raw in (ipv4_json, ipv6_json)
                for entries, base in _services(raw)
                for entry in entries
            )
        except ValueError as error:
            raise RdapError(f"an RDAP bootstrap file lists a network wrongly: {error}") from None
        return cls(domains, networks)

    @classmethod
    def single(cls, base_url: str) -> "RdapBootstrap":
        """Return a bootstrap that sends every question to one server (tests, an RDAP proxy)."""
        base = _base(base_url)
        everything = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))
        return cls({"": base}, tuple((network, base) for network in everything))

    def domain_base(self, domain: str) -> str | None:
        """Return the base URL of the RDAP server for a domain (longest suffix), or None."""
        labels = domain.lower().strip(".").split(".")
        for start in range(len(labels)):
            base = self.domains.get(".".join(labels[start:]))
            if base is not None:
                return base
        return self.domains.get("")

    def ip_base(self, address: str) -> str | None:
        """Return the base URL of the RDAP server for an IP address (longest prefix), or None."""
        ip = _plain_address(address)
        containing = [(net, base) for net, base in self.networks if ip in net]
        if not containing:
            return None
        return max(containing, key=lambda item: item[0].prefixlen)[1]


def fetch_bootstrap(*, timeout_seconds: float = 10.0) -> RdapBootstrap:
    """Return the bootstrap downloaded from IANA; raise RdapError if a file cannot be had.

    IANA updates the files rarely (new TLDs, address transfers): a caller can keep the
    result for a day.
    """
    files = []
    with SyncFetcher(policy=check_addresses, timeout_seconds=timeout_seconds) as fetcher:
        for kind in ("dns", "ipv4", "ipv6"):
            try:
                answer = fetcher.fetch(
                    IANA_BOOTSTRAP_URLS[kind], accept="application/json", cap=_bootstrap_cap,
                    trusted=True,
                )  # fmt: skip
            except (*FETCH_ERRORS, AddressRefusedError) as error:
                raise RdapError(f"IANA's RDAP {kind} file could not be fetched: {error}") from None
            if answer.status_code != 200 or answer.truncated:
                raise RdapError(f"IANA's RDAP {kind} file answered {answer.status_code}")
            files.append(answer.body)
    return RdapBootstrap.from_iana(*files)


def look_up(
    url: str,
    bootstrap: RdapBootstrap,
    *,
    allow_private: bool = False,
    timeout_seconds: float = 10.0,
    policy: Policy = check_addresses,
) -> HostingReport:
    """Return who registered the domain of ``url`` and who holds the networks of its server.

    Raises RdapError only for an address that is not http or https; every lookup that fails
    (no answer, an error status, an answer that is not RDAP, an address refused by
    ``policy``) becomes a line in ``problems``. Tests give a policy that allows their names.
    """
    host = _host_of(url)
    domain = "" if _is_ip(host) else registrable_domain(host)
    problems: list[str] = []
    addresses = _resolve(host, problems)
    asked = addresses
    if not allow_private:
        try:
            policy(addresses, host)
        except AddressRefusedError as error:
            problems.append(f"{error} Its network was not looked up.")
            asked = []
    with SyncFetcher(
        policy=None if allow_private else policy,
        timeout_seconds=timeout_seconds,
        resolver=_fetch_resolver,
    ) as fetcher:
        lookup = _Lookup(fetcher, bootstrap, problems)
        registrar = lookup.registrar(domain) if domain else None
        networks = lookup.networks(asked)
    cdn = next((cdn for network in networks if (cdn := cdn_of(network.name))), "")
    return HostingReport(domain, tuple(addresses), registrar, networks, cdn, tuple(problems))


def registrable_domain(host: str) -> str:
    """Return the registrable domain of a host name: "a.b.example.co.uk" -> "example.co.uk".

    The last two labels, or three under a common second-level suffix (SECOND_LEVEL_SUFFIXES).
    """
    labels = [label for label in host.lower().strip(".").split(".") if label]
    keep = 3 if len(labels) >= 3 and ".".join(labels[-2:]) in SECOND_LEVEL_SUFFIXES else 2
    return ".".join(labels[-keep:])


def cdn_of(network_name: str) -> str:
    """Return the CDN a network belongs to by its name (CDN_NETWORKS), or ""."""
    upper = network_name.upper()
    return next((cdn for word, cdn in CDN_NETWORKS if word in upper), "")


# Asking --------------------------------------------------------------------------------------


class _Lookup:
    """The RDAP questions of one look_up, noting each failure in ``problems``."""

    def __init__(self, fetcher: SyncFetcher, bootstrap: RdapBootstrap, problems: list[str]) -> None:
        self._fetcher = fetcher
        self._bootstrap = bootstrap
        self._problems = problems

    def registrar(self, domain: str) -> AbuseContact | None:
        """Return the domain's registrar and its abuse contact, or None."""
        base = self._bootstrap.domain_base(domain)
        if base is None:
            tld = domain.rsplit(".", 1)[-1]
            self._problems.append(f"No RDAP server is known for .{tld} domains.")
            return None
        url = f"{base}domain/{domain}"
        answer = self._ask(url, f"the domain {domain}", trusted=True)
        if answer is None:
            return None
        found = _registrar(answer, url)
        # Thin registries (.com, .net) point to the registrar's own server, which knows more.
        related = _related_link(answer, url)
        if related and self._may_follow(related):
            theirs = self._ask(related, f"the domain {domain} at its registrar")
            if theirs is not None:
                found = _merged(_registrar(theirs, related), found)
        if found is None:
            self._problems.append(f"The RDAP answer for {domain} names no registrar.")
        return found

    def networks(self, addresses: list[str]) -> tuple[AbuseContact, ...]:
        """Return the holder of each distinct network among the addresses."""
        found: dict[str, AbuseContact] = {}
        ranges: list[tuple[Address, Address]] = []
        for address in addresses[:MAX_ADDRESSES]:
            ip = _plain_address(address)
            if any(_within(ip, low, high) for low, high in ranges):
                continue  # a network already asked about holds this address too
            base = self._bootstrap.ip_base(str(ip))
            if base is None:
                self._problems.append(f"No RDAP server is known for the address {ip}.")
                continue
            url = f"{base}ip/{ip}"
            answer = self._ask(url, f"the address {ip}", trusted=True)
            if answer is not None:
                ranges += _range(answer)
                contact = _network(answer, url)
                found.setdefault(contact.name or url, contact)
        return tuple(found.values())

    def _ask(self, url: str, what: str, trusted: bool = False) -> Json | None:
        """Return the JSON object an RDAP server answers, or None after noting why not.

        ``trusted``: ``url`` is the bootstrap's own server, asked as it is; the addresses it
        redirects to are checked like any other.
        """
        try:
            found = self._fetcher.fetch(url, accept=RDAP_ACCEPT, cap=_answer_cap, trusted=trusted)
        except AddressRefusedError as error:
            self._problems.append(f"The RDAP server for {what} was not followed: {error}")
            return None
        except FETCH_ERRORS as error:
            self._problems.append(f"The RDAP server for {what} {_why(error)}.")
            return None
        return self._read(found, what)

    def _read(self, found: Answer, what: str) -> Json | None:
        """Return the JSON object of an RDAP server's answer, or None after noting why not."""
        if found.status_code != 200:
            self._problems.append(
                f"The RDAP server answered status {found.status_code} for {what}."
            )
            return None
        if found.truncated:
            self._problems.append(f"The RDAP server for {what} {UNREADABLE}.")
            return None
        try:
            answer = json.loads(found.body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            self._problems.append(f"The RDAP server's answer for {what} is not RDAP.")
            return None
        return answer

    def _may_follow(self, url: str) -> bool:
        # The related link comes from an answer, not from the bootstrap: outside tests it must
        # be https (its address is checked hop by hop when it is asked).
        if self._fetcher.policy is None:
            return True
        if httpx.URL(url).scheme != "https":
            self._problems.append(f"The registrar's RDAP address is not https: {url}")
            return False
        return True


def _why(error: Exception) -> str:
    """Return why a request failed, in plain words, to follow "The RDAP server for ..."."""
    if isinstance(error, httpx.TimeoutException):
        return "did not answer in time"
    if isinstance(error, TooManyRedirectsError):
        return f"redirected more than {MAX_REDIRECTS} times"
    if isinstance(error, httpx.DecodingError):
        return UNREADABLE
    return "could not be reached"


def _answer_cap(content_type: str) -> int:
    return MAX_ANSWER_BYTES


def _bootstrap_cap(content_type: str) -> int:
    return MAX_BOOTSTRAP_BYTES


def _fetch_resolver(host: str, port: int) -> list[str]:
    """Return the addresses of a name an RDAP request goes to ([] when it cannot be found)."""
    return _resolve(host, [])


def _resolve(host: str, problems: list[str]) -> list[str]:
    """Return the addresses a host name stands for, or [] after noting why not."""
    try:
        return resolve(host)
    except (OSError, UnicodeError):
        problems.append(f"The name {host} could not be found (it may no longer exist).")
        return []


# Reading answers -----------------------------------------------------------------------------


def _registrar(answer: Json, source_url: str) -> AbuseContact | None:
    """Return the registrar entity of a domain answer with its abuse contact, or None."""
    registrar = next((e for e in _entities(answer) if "registrar" in _roles(e)), None)
    if registrar is None:
        return None
    card = _vcard(registrar)
    abuse = _vcard(_abuse_entity(registrar) or {})
    name = card.get("fn") or card.get("org") or str(registrar.get("handle", ""))
    return AbuseContact("registrar", name, abuse.get("email", ""), abuse.get("tel", ""), source_url)


def _network(answer: Json, source_url: str) -> AbuseContact:
    """Return the holder of an IP network answer, named "NAME (holder)", with its abuse contact."""
    name = str(answer.get("name") or answer.get("handle") or "")
    holder = next((e for e in _entities(answer) if "registrant" in _roles(e)), {})
    card = _vcard(holder)
    org = card.get("fn") or card.get("org") or ""
    label = f"{name} ({org})" if name and org and org != name else name or org
    abuse = _vcard(_abuse_entity(answer) or {})
    return AbuseContact("network", label, abuse.get("email", ""), abuse.get("tel", ""), source_url)


def _merged(preferred: AbuseContact | None, fallback: AbuseContact | None) -> AbuseContact | None:
    """Return ``preferred`` with its empty fields filled from ``fallback``."""
    if preferred is None or fallback is None:
        return preferred or fallback
    return AbuseContact(
        "registrar",
        preferred.name or fallback.name,
        preferred.email or fallback.email,
        preferred.phone or fallback.phone,
        preferred.source_url if preferred.email or preferred.name else fallback.source_url,
    )


def _related_link(answer: Json, own_url: str) -> str:
    """Return the registrar's RDAP address for the domain (a "related" link), or ""."""
    links = answer.get("links")
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != "related":
            continue
        href, kind = str(link.get("href", "")), str(link.get("type", "application/rdap+json"))
        if "/domain/" in href and "rdap" in kind and href != own_url:
            return href
    return ""


def _abuse_entity(holder: Json, depth: int = 0) -> Json | None:
    """Return the first entity with the abuse role among an object's entities, at any depth."""
    entities = _entities(holder)
    for entity in entities:
        if "abuse" in _roles(entity):
            return entity
    if depth >= MAX_ENTITY_DEPTH:
        return None
    return next(
        (found for e in entities if (found := _abuse_entity(e, depth + 1)) is not None), None
    )


def _entities(holder: Json) -> list[Json]:
    entities = holder.get("entities")
    return [e for e in entities if isinstance(e, dict)] if isinstance(entities, list) else []


def _roles(entity: Json) -> list[str]:
    roles = entity.get("roles")
    return [str(role).lower() for role in roles] if isinstance(roles, list) else []


def _vcard(entity: Json) -> dict[str, str]:
    """Return the first value of each property of an entity's jCard (RFC 7095): fn, email, tel."""
    card = entity.get("vcardArray")
    if not (isinstance(card, list) and len(card) == 2 and isinstance(card[1], list)):
        return {}
    found: dict[str, str] = {}
    for prop in card[1]:
        if isinstance(prop, list) and len(prop) >= 4 and isinstance(prop[0], str):
            value = prop[3]
            text = " ".join(str(v) for v in value if v) if isinstance(value, list) else str(value)
            found.setdefault(prop[0].lower(), _without_scheme(text.strip()))
    return found


def _without_scheme(value: str) -> str:
    """Return a jCard value without its "tel:" or "mailto:" prefix."""
    for scheme in ("tel:", "mailto:"):
        if value.lower().startswith(scheme):
            return value[len(scheme) :]
    return value


def _range(answer: Json) -> list[tuple[Address, Address]]:
    """Return the network's first and last address (an empty list if not stated)."""
    try:
        low = ipaddress.ip_address(str(answer["startAddress"]))
        high = ipaddress.ip_address(str(answer["endAddress"]))
    except (KeyError, ValueError):
        return []
    return [(low, high)]


def _within(ip: Address, low: Address, high: Address) -> bool:
    if ip.version != low.version or ip.version != high.version:
        return False
    return int(low) <= int(ip) <= int(high)


# Addresses and bootstrap files ---------------------------------------------------------------


def _host_of(url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = httpx.URL()
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise RdapError(f"Reclaim looks up web addresses (http or https), not {url!r}")
    return parsed.raw_host.decode("ascii")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _plain_address(address: str) -> Address:
    """Return an address without its IPv6 zone, IPv4-mapped addresses as IPv4."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _base(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _services(raw: bytes) -> list[tuple[list[str], str]]:
    """Return each service of a bootstrap file as (entries, base URL), preferring https."""
    try:
        services = json.loads(raw)["services"]
        parsed = [(list(map(str, entries)), [str(u) for u in urls]) for entries, urls in services]
    except (ValueError, KeyError, TypeError) as error:
        raise RdapError(f"an RDAP bootstrap file is not in RFC 9224's form: {error}") from None
    found = []
    for entries, urls in parsed:
        secure = [u for u in urls if u.lower().startswith("https://")]
        if secure or urls:
            found.append((entries, _base((secure or urls)[0])))
    return found
