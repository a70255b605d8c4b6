"""Re-checks: is the content at an address still there?

A re-check fetches the address as a plain web client would and says what it found:

- ``present``: the page answers and is the page seen when the request was made (same SHA-256),
  or an image on it (or the answer itself, when it is an image) matches one of the case's PDQ
  hashes;
- ``gone``: the answer at the end of the redirects is 404, 410 or 451;
- ``changed``: the page answers but is neither of those (it may still show the content in a
  way Reclaim cannot see: ``Recheck.removal_confirmed`` explains why that is not proof);
- ``unreachable``: any other status, a time-out, or a connection or name failure;
- ``refused``: the address, or a redirect or image on the way, is private (see below).

Safety. Every hop (each redirect, each image) is resolved by Reclaim itself, every address the
name stands for is checked, and the connection goes to the checked address, with the name kept
in the Host header and as the TLS server name. So a name that resolves to a public address for
the check and to a private one for the connection (DNS rebinding) cannot steer a request into
the network Reclaim runs in. Bodies and images are read up to a cap, and each address has one
overall deadline, so a slow or endless server cannot hold a slot.

RecheckError (ReclaimError)   an address is not one Reclaim can check (not http or https)
 └── AddressRefusedError       an address is private, local or reserved (becomes "refused")
"""

import asyncio
import base64
import binascii
import datetime
import hashlib
import io
import ipaddress
import socket
import ssl
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import unquote_to_bytes, urljoin

import httpx

from reclaim import __version__
from reclaim.errors import ReclaimError
from reclaim.hashing import (
    MATCH_DISTANCE_BITS,
    MAX_DECODED_PIXELS,
    HashError,
    PdqHash,
    PdqSignal,
    pdq_from_image,
)

OUTCOMES = ("present", "gone", "changed", "unreachable", "refused")
PRESENT, GONE, CHANGED, UNREACHABLE, REFUSED = OUTCOMES
GONE_STATUSES = frozenset({404, 410, 451})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5  # browsers allow about 20; a page that moved for real needs one or two
MAX_PAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_BYTES = 15 * 1024 * 1024  # a 12 MP phone JPEG is 3 to 8 MB
MAX_IMAGES_PER_PAGE = 20
MAX_ADDRESSES_TRIED = 3  # a name with several addresses: the next is tried if one refuses
USER_AGENT = f"Reclaim/{__version__} (checks whether reported content is still online)"
PAGE_ACCEPT = "text/html,application/xhtml+xml,image/*;q=0.9,*/*;q=0.8"
IMAGE_ACCEPT = "image/*,*/*;q=0.5"

# Response headers that show a CDN in front of the site, as (header, text its value contains,
# or "" for any value, CDN). From the headers each CDN documents adding; the first match wins.
# A CDN forwards reports to the real host, so the person can report to it too.
CDN_HEADERS: tuple[tuple[str, str, str], ...] = (
    ("cf-ray", "", "Cloudflare"),
    ("server", "cloudflare", "Cloudflare"),
    ("x-amz-cf-id", "", "Amazon CloudFront"),
    ("via", "cloudfront", "Amazon CloudFront"),
    ("x-fastly-request-id", "", "Fastly"),
    ("x-served-by", "cache-", "Fastly"),
    ("via", "fastly", "Fastly"),
    ("server", "akamaighost", "Akamai"),
    ("x-akamai-transformed", "", "Akamai"),
    ("akamai-grn", "", "Akamai"),
)

# Where pages name their images: <img>/<source> attributes (data-src and data-srcset are where
# lazily loaded images wait for a script) and the meta tags that name a page's main picture.
IMAGE_ATTRIBUTES = ("src", "data-src")
SRCSET_ATTRIBUTES = ("srcset", "data-srcset")
IMAGE_META = frozenset({"og:image", "og:image:url", "og:image:secure_url", "twitter:image"})

# IPv6 prefixes that carry an IPv4 address inside them; the IPv4 address is checked too.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RecheckError(ReclaimError):
    """An address is not one Reclaim can re-check (not an http or https address)."""


class AddressRefusedError(RecheckError):
    """An address is private, local or reserved, and private addresses were not allowed."""


class _UnreachableError(RecheckError):
    """A fetch gave up for a reason the message states in plain words."""


@dataclass(frozen=True)
class RecheckTarget:
    """An address to re-check, with what is known of the content it showed."""

    url: str
    previous_digest: str = ""  # SHA-256 hex of the body when the request was made, or ""
    hashes: tuple[PdqHash, ...] = ()  # the case's image hashes


@dataclass(frozen=True)
class Recheck:
    """What one re-check saw."""

    url: str
    checked_utc: str  # "2026-11-24T10:00:00Z"
    outcome: str  # one of OUTCOMES
    status_code: int | None  # the last status received (None: no answer at all)
    final_url: str  # after redirects (where it stopped, when it failed)
    digest: str  # SHA-256 hex of the final body ("" when none was read)
    images_checked: int  # images on the page (or the page itself) that were hashed
    matched_images: tuple[str, ...]  # image addresses within MATCH_DISTANCE_BITS of a case hash
    closest_distance: int | None  # the smallest distance seen (None: nothing to compare)
    cdn: str  # "Cloudflare" etc. when the response headers show one, else ""
    problem: str  # plain words when refused or unreachable, or when the body was cut short

    @property
    def removal_confirmed(self) -> bool:
        """Return whether this check proves the content was taken down: only a 404 or 410 does.

        Strict on purpose, because a confirmed removal closes the person's request:
        - 451 (unavailable for legal reasons) is how geo-blocking is often answered, and hiding
          a page in some countries is not a removal (Re X Corp., 2025 BCCRT 1228);
        - "changed" is never proof: the image may be loaded by a script, lie past the first
          MAX_IMAGES_PER_PAGE images, fail to decode, or sit behind a login. The person can
          still confirm a removal by looking.
        """
        return self.outcome == GONE and self.status_code in (404, 410)


@dataclass(frozen=True)
class _Answer:
    """The response at the end of one hop: a redirect's location, or a (capped) body."""

    url: str
    status_code: int
    content_type: str
    encoding: str
    body: bytes
    truncated: bool
    location: str = ""


@dataclass
class _Trail:
    """How far a fetch got, updated at each hop, so that a failure can say where it stopped."""

    url: str
    status_code: int | None = None
    cdn: str = ""


@dataclass(frozen=True)
class _Images:
    """What the images of a page looked like beside the case's hashes."""

    checked: int = 0
    matched: tuple[str, ...] = ()
    closest: int | None = None


def recheck(
    target: RecheckTarget, *, allow_private: bool = False, timeout_seconds: float = 10.0
) -> Recheck:
    """Return what one address shows now (recheck_many with one target)."""
    return recheck_many(
        [target], concurrency=1, allow_private=allow_private, timeout_seconds=timeout_seconds
    )[0]


def recheck_many(
    targets: Sequence[RecheckTarget],
    *,
    concurrency: int = 8,
    allow_private: bool = False,
    timeout_seconds: float = 10.0,
) -> list[Recheck]:
    """Return a re-check of each target, in the targets' order, ``concurrency`` at a time.

    Network trouble never raises: it becomes an "unreachable" outcome with a plain
    ``problem``. RecheckError is raised, before anything is fetched, for an address that is
    not http or https. ``timeout_seconds`` bounds each address as a whole (redirects and
    images included). This runs its own event loop, in a thread of its own when the caller's
    thread already runs one (Playwright's sync API does, for one).
    """
    for target in targets:
        _check_target(target)
    if concurrency < 1 or timeout_seconds <= 0:
        raise RecheckError("concurrency is at least 1 and the time-out more than 0 seconds")
    if not targets:
        return []
    arguments = (list(targets), concurrency, allow_private, timeout_seconds)
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: no loop here
        return asyncio.run(_recheck_all(*arguments))
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(lambda: asyncio.run(_recheck_all(*arguments))).result()


def check_addresses(addresses: Sequence[str], host: str = "") -> None:
    """Return None if every address is public; raise AddressRefusedError naming one that is not."""
    for text in addresses:
        try:
            public = _is_public(ipaddress.ip_address(text))
        except ValueError:
            public = False
        if not public:
            of = f" (of {host})" if host and host != text else ""
            raise AddressRefusedError(
                f"The address {text}{of} is private, local or reserved: Reclaim does not "
                "visit such addresses."
            )


def cdn_from_headers(headers: httpx.Headers) -> str:
    """Return the CDN that response headers show in front of a site (CDN_HEADERS), or ""."""
    for name, contains, cdn in CDN_HEADERS:
        value = headers.get(name)
        if value is not None and contains in value.lower():
            return cdn
    return ""


def image_urls(body: bytes, encoding: str, page_url: str) -> list[str]:
    """Return the absolute addresses of the images an HTML page names, in page order, once each."""
    try:
        text = body.decode(encoding, errors="replace")
    except LookupError:  # a charset Python does not know
        text = body.decode("utf-8", errors="replace")
    finder = _ImageFinder()
    finder.feed(text)
    finder.close()
    base = urljoin(page_url, finder.base) if finder.base else page_url
    found = (urljoin(base, raw.strip()) for raw in finder.found if raw.strip())
    usable = (url for url in found if url.split(":", 1)[0].lower() in ("http", "https", "data"))
    return list(dict.fromkeys(usable))


async def resolve(host: str, port: int) -> list[str]:
    """Return the addresses a host name stands for, in the resolver's order (an IP stays itself)."""
    found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in found))


# The address check ---------------------------------------------------------------------------


def _is_public(address: IPAddress) -> bool:
    """Return whether an address, and any IPv4 address carried inside it, is a public one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _is_public(address.ipv4_mapped)  # the connection goes to the IPv4 address
    inner = _embedded_ipv4(address)
    if inner is not None and not _is_public(inner):
        return False
    # is_global alone leaves out multicast (224.0.0.0/4 counts as global); the rest are named
    # for the reader, though is_global already excludes them.
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address inside a 6to4 or NAT64 IPv6 address, or None."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


# Fetching ------------------------------------------------------------------------------------


def _check_target(target: RecheckTarget) -> None:
    try:
        url = httpx.URL(target.url)
    except httpx.InvalidURL:
        url = httpx.URL()
    if url.scheme not in ("http", "https") or not url.host:
        raise RecheckError(f"Reclaim re-checks web addresses (http or https), not {target.url!r}")


def _no_cookies() -> CookieJar:
    """Return a cookie jar that keeps nothing: each re-check is a first visit."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


class _Fetcher:
    """Fetches addresses with the address check at every hop; one per batch, closed after it."""

    def __init__(
        self, *, allow_private: bool, timeout_seconds: float, verify: ssl.SSLContext | None = None
    ) -> None:
        self._allow_private = allow_private
        self._timeout = httpx.Timeout(timeout_seconds)
        self._verify = verify or httpx.create_ssl_context()  # loaded once for the whole batch
        self._clients: dict[str, httpx.AsyncClient] = {}

    async def close(self) -> None:
        """Close every connection the batch opened."""
        for client in self._clients.values():
            await client.aclose()

    async def fetch(self, url: str, trail: _Trail, accept: str) -> _Answer:
        """Return the answer at the end of the redirects; raise when refused or unreachable."""
        current = httpx.URL(url)
        for _ in range(MAX_REDIRECTS + 1):
            trail.url = str(current)
            answer = await self._hop(current, trail, accept)
            if not answer.location:
                return answer
            current = _redirect_target(current, answer.location)
        raise _UnreachableError(f"The address redirects more than {MAX_REDIRECTS} times.")

    async def _hop(self, url: httpx.URL, trail: _Trail, accept: str) -> _Answer:
        host = url.raw_host.decode("ascii")
        addresses = await resolve(host, url.port or (443 if url.scheme == "https" else 80))
        if not self._allow_private:
            check_addresses(addresses, host)
        tried = addresses[:MAX_ADDRESSES_TRIED]
        if not tried:
            raise _UnreachableError("The site's name stands for no address.")
        for address in tried[:-1]:
            try:
                return await self._send(url, address, trail, accept)
            except httpx.ConnectError:  # this address refuses: the next one may answer
                continue
        return await self._send(url, tried[-1], trail, accept)

    async def _send(self, url: httpx.URL, address: str, trail: _Trail, accept: str) -> _Answer:
        """Return one hop's answer, connecting to ``address`` (already checked) for ``url``."""
        client = self._client(url)
        request = client.build_request(
            "GET",
            url.copy_with(host=address),
            headers={"Host": url.netloc.decode("ascii"), "Accept": accept},
            # The certificate is checked against the name, not the address connected to.
            extensions={"sni_hostname": url.raw_host.decode("ascii")},
        )
        response = await client.send(request, stream=True)
        try:
            return await _answer(url, response, trail)
        finally:
            await response.aclose()

    def _client(self, url: httpx.URL) -> httpx.AsyncClient:
        # One client per host name. Connections are pooled by the address connected to, and a
        # TLS connection set up (and verified) for one name must not carry another name's
        # requests: CDNs serve thousands of sites from the same addresses.
        host = url.raw_host.decode("ascii")
        if host not in self._clients:
            self._clients[host] = httpx.AsyncClient(
                verify=self._verify,
                timeout=self._timeout,
                headers={"User-Agent": USER_AGENT},
                cookies=_no_cookies(),
                follow_redirects=False,  # each hop goes through the address check
                trust_env=False,  # a proxy from the environment would undo the address pinning
            )
        return self._clients[host]


async def _answer(url: httpx.URL, response: httpx.Response, trail: _Trail) -> _Answer:
    trail.status_code = response.status_code
    trail.cdn = cdn_from_headers(response.headers) or trail.cdn
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    location = response.headers.get("location", "")
    if response.status_code in REDIRECT_STATUSES and location:
        return _Answer(str(url), response.status_code, content_type, "", b"", False, location)
    limit = MAX_IMAGE_BYTES if content_type.startswith("image/") else MAX_PAGE_BYTES
    body, truncated = await _read_capped(response, limit)
    encoding = response.charset_encoding or "utf-8"
    return _Answer(str(url), response.status_code, content_type, encoding, body, truncated)


async def _read_capped(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """Return the body (decompressed) up to ``limit`` bytes, and whether there was more."""
    parts, size = [], 0
    async for chunk in response.aiter_bytes():
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(parts)[:limit], True
    return b"".join(parts), False


def _redirect_target(current: httpx.URL, location: str) -> httpx.URL:
    try:
        target = current.join(location)
    except httpx.InvalidURL:
        raise _UnreachableError("The address redirects to an address that is not valid.") from None
    if target.scheme not in ("http", "https") or not target.host:
        raise _UnreachableError("The address redirects to something that is not a web page.")
    return target


# Checking one address ------------------------------------------------------------------------

# What a fetch can fail with besides a refusal: network, protocol and name errors (socket
# errors, time-outs and DNS failures are all OSError), and names that are not valid IDNA.
_FETCH_ERRORS = (_UnreachableError, httpx.HTTPError, httpx.InvalidURL, OSError, UnicodeError)


async def _recheck_all(
    targets: list[RecheckTarget],
    concurrency: int,
    allow_private: bool,
    timeout_seconds: float,
    verify: ssl.SSLContext | None = None,
) -> list[Recheck]:
    """Return the re-checks in the targets' order, made by ``concurrency`` workers."""
    fetcher = _Fetcher(allow_private=allow_private, timeout_seconds=timeout_seconds, verify=verify)
    results: list[Recheck | None] = [None] * len(targets)
    # One shared iterator: each worker takes the next target when it is free. A fixed set of
    # workers (rather than a task per target behind a semaphore) keeps memory flat in batches.
    queue = iter(enumerate(targets))

    async def worker() -> None:
        for index, target in queue:
            results[index] = await _recheck_one(target, fetcher, timeout_seconds)

    try:
        await asyncio.gather(*(worker() for _ in range(min(concurrency, len(targets)))))
    finally:
        await fetcher.close()
    return [result for result in results if result is not None]


async def _recheck_one(target: RecheckTarget, fetcher: _Fetcher, timeout_seconds: float) -> Recheck:
    checked_utc = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    deadline = asyncio.get_running_loop().time() + timeout_seconds
    trail = _Trail(target.url)
    try:
        async with asyncio.timeout_at(deadline):
            page = await fetcher.fetch(target.url, trail, PAGE_ACCEPT)
    except AddressRefusedError as error:
        return _failed(target, checked_utc, trail, REFUSED, str(error))
    except _FETCH_ERRORS as error:
        return _failed(target, checked_utc, trail, UNREACHABLE, _plain(error, timeout_seconds))
    images = _Images()
    if target.hashes and 200 <= page.status_code < 300:
        images = await _look_at_images(page, target.hashes, fetcher, deadline)
    return _judged(target, checked_utc, page, trail, images)


def _failed(
    target: RecheckTarget, checked_utc: str, trail: _Trail, outcome: str, problem: str
) -> Recheck:
    return Recheck(
        target.url, checked_utc, outcome, trail.status_code, trail.url, "", 0, (), None,
        trail.cdn, problem,
    )  # fmt: skip


def _judged(
    target: RecheckTarget, checked_utc: str, page: _Answer, trail: _Trail, images: _Images
) -> Recheck:
    digest = hashlib.sha256(page.body).hexdigest()
    outcome, problem = _outcome(target, page, digest, images)
    if page.truncated and not problem:
        limit = MAX_IMAGE_BYTES if page.content_type.startswith("image/") else MAX_PAGE_BYTES
        problem = f"Only the first {limit // 2**20} MB of the answer were read and compared."
    return Recheck(
        target.url, checked_utc, outcome, page.status_code, page.url, digest, images.checked,
        images.matched, images.closest, trail.cdn, problem,
    )  # fmt: skip


def _outcome(target: RecheckTarget, page: _Answer, digest: str, images: _Images) -> tuple[str, str]:
    """Return the outcome of a page that answered, and the problem to show ("" if none)."""
    if page.status_code in GONE_STATUSES:
        return GONE, ""
    if not 200 <= page.status_code < 300:
        return UNREACHABLE, f"The site answered with status {page.status_code}, not the page."
    same = bool(target.previous_digest) and digest == target.previous_digest.strip().lower()
    return (PRESENT if same or images.matched else CHANGED), ""


def _plain(error: Exception, timeout_seconds: float) -> str:
    """Return a failed fetch's reason in plain words."""
    if isinstance(error, TimeoutError | httpx.TimeoutException):
        return f"The site did not answer within {timeout_seconds:g} seconds."
    if isinstance(error, _UnreachableError):
        return str(error)
    if isinstance(error, socket.gaierror | UnicodeError):
        return "The site's name could not be found (it may no longer exist)."
    if isinstance(error, httpx.ConnectError) and "CERTIFICATE" in str(error).upper():
        return "The site's security certificate could not be verified."
    if isinstance(error, httpx.ConnectError | OSError):
        return "Could not connect to the site."
    if isinstance(error, httpx.RemoteProtocolError):
        return "The site broke off the connection or answered in a way browsers would not accept."
    return f"The site could not be reached ({type(error).__name__})."


# Images --------------------------------------------------------------------------------------


async def _look_at_images(
    page: _Answer, hashes: tuple[PdqHash, ...], fetcher: _Fetcher, deadline: float
) -> _Images:
    """Return how the page's images (or the page, when it is an image) compare to the hashes."""
    if page.content_type.startswith("image/"):
        signal = None if page.truncated else await _signal(page.body)
        return _compare([(page.url, signal)] if signal else [], hashes)
    if page.content_type not in ("text/html", "application/xhtml+xml"):
        return _Images()
    urls = await asyncio.to_thread(image_urls, page.body, page.encoding, page.url)
    return _compare(await _page_signals(urls[:MAX_IMAGES_PER_PAGE], fetcher, deadline), hashes)


async def _page_signals(
    urls: list[str], fetcher: _Fetcher, deadline: float
) -> list[tuple[str, PdqSignal]]:
    """Return the PDQ signal of each image that could be fetched and read, in page order."""
    found = []
    for url in urls:
        try:
            async with asyncio.timeout_at(deadline):
                data = await _image_bytes(url, fetcher)
                signal = await _signal(data) if data else None
        except TimeoutError:
            break  # the address's time is spent: judge on the images seen so far
        except (AddressRefusedError, *_FETCH_ERRORS):  # one bad image says nothing of the rest
            continue
        if signal is not None:
            found.append((url, signal))
    return found


async def _image_bytes(url: str, fetcher: _Fetcher) -> bytes | None:
    """Return an image's bytes, or None when it did not answer in full."""
    if url.lower().startswith("data:"):
        return _data_url_bytes(url)
    answer = await fetcher.fetch(url, _Trail(url), IMAGE_ACCEPT)
    if not 200 <= answer.status_code < 300 or answer.truncated:
        return None
    return answer.body


def _data_url_bytes(url: str) -> bytes | None:
    """Return the bytes of an image written into the page itself (a data: address), or None."""
    header, _, payload = url.partition(",")
    if not header.lower().startswith("data:image/"):
        return None
    if not header.lower().endswith(";base64"):
        return unquote_to_bytes(payload)
    try:
        return base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError):
        return None


async def _signal(data: bytes) -> PdqSignal | None:
    """Return the PDQ signal of image bytes (hashed off the event loop), or None if unreadable."""
    return await asyncio.to_thread(_signal_now, data)


def _signal_now(data: bytes) -> PdqSignal | None:
    try:
        # A page's pictures are anyone's: never decode more than a server may hold.
        return pdq_from_image(io.BytesIO(data), max_decoded_pixels=MAX_DECODED_PIXELS)
    except HashError:
        return None


def _compare(signals: list[tuple[str, PdqSignal]], hashes: tuple[PdqHash, ...]) -> _Images:
    matched, closest = [], None
    for url, signal in signals:
        if not signal.reliable:  # too little detail for a match to mean anything (Meta's PDQ)
            continue
        distance = min(_distance(signal, case_hash) for case_hash in hashes)
        closest = distance if closest is None else min(closest, distance)
        if distance <= MATCH_DISTANCE_BITS:
            matched.append(url)
    return _Images(len(signals), tuple(dict.fromkeys(matched)), closest)


def _distance(signal: PdqSignal, case_hash: PdqHash) -> int:
    # Re-uploads are often turned or mirrored: the case hash is compared with the image's
    # hash and with those of its rotations and flips (PDQ computes all eight from one DCT).
    return min(variant.distance(case_hash) for variant in (signal.hash, *signal.dihedral.values()))


class _ImageFinder(HTMLParser):
    """Collects the image addresses a page names (see IMAGE_ATTRIBUTES and IMAGE_META)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base = ""
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "base" and not self.base:
            self.base = values.get("href", "")
        elif tag == "meta":
            name = values.get("property") or values.get("name") or ""
            if name.lower() in IMAGE_META:
                self.found.append(values.get("content", ""))
        elif tag in ("img", "source"):
            self.found += [values.get(name, "") for name in IMAGE_ATTRIBUTES]
            for name in SRCSET_ATTRIBUTES:
                self.found += _srcset_urls(values.get(name, ""))


def _srcset_urls(srcset: str) -> list[str]:
    """Return the addresses in a srcset ("a.jpg 1x, b.jpg 2x"), without their descriptors."""
    return [part.split()[0] for part in srcset.split(",") if part.split()]
