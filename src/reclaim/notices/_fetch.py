"""The address-pinned fetcher, shared by re-checks and RDAP lookups.

A GET follows redirects one hop at a time. Each hop's name is resolved once by Reclaim, every
address it stands for is checked with the address policy (reclaim.addresses), and the
connection goes to the checked address, with the name kept in the Host header and as the TLS
server name. So a name that resolves to a public address for the check and to a private one
for the connection (DNS rebinding) cannot steer a request into the network Reclaim runs in.
Bodies are read up to a cap, so an endless answer cannot fill the memory.

``Fetcher`` is asynchronous (re-checks run many at once); ``SyncFetcher`` wraps it for
callers that ask one question after another (RDAP), with an event loop in a thread of its own.

FetchError (ReclaimError)   a fetch gave up for a reason the message states in plain words
 └── TooManyRedirectsError  more than MAX_REDIRECTS redirects
"""

import asyncio
import ssl
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, TypeVar

import httpx

from reclaim import __version__
from reclaim.addresses import Policy, Resolver, resolve
from reclaim.errors import ReclaimError

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5  # browsers allow about 20; a page that moved for real needs one or two
MAX_ADDRESSES_TRIED = 3  # a name with several addresses: the next is tried if one refuses
USER_AGENT = f"Reclaim/{__version__} (checks whether reported content is still online)"

Cap = Callable[[str], int]  # content type -> the most bytes of such a body that are read
T = TypeVar("T")


class FetchError(ReclaimError):
    """A fetch gave up (too many redirects, a redirect that is not a web page, no address)."""


class TooManyRedirectsError(FetchError):
    """The address redirected more than MAX_REDIRECTS times."""


@dataclass(frozen=True)
class Answer:
    """The response at the end of one hop: a redirect's location, or a (capped) body."""

    url: str
    status_code: int
    content_type: str
    encoding: str
    body: bytes
    truncated: bool
    location: str = ""


@dataclass
class Trail:
    """How far a fetch got, updated at each hop, so that a failure can say where it stopped."""

    url: str
    status_code: int | None = None
    headers: list[httpx.Headers] = field(default_factory=list)  # each hop's response headers


class Fetcher:
    """Fetches addresses with the address check at every hop; closed after its batch.

    ``policy`` None allows every address (tests whose servers are on loopback).
    """

    def __init__(
        self,
        *,
        policy: Policy | None,
        timeout_seconds: float,
        resolver: Resolver = resolve,
        verify: ssl.SSLContext | None = None,
    ) -> None:
        self.policy = policy
        self._resolver = resolver
        self._timeout = httpx.Timeout(timeout_seconds)
        self._verify = verify or httpx.create_ssl_context()  # loaded once for the whole batch
        self._clients: dict[str, httpx.AsyncClient] = {}

    async def close(self) -> None:
        """Close every connection the batch opened."""
        for client in self._clients.values():
            await client.aclose()

    async def fetch(
        self, url: str, *, accept: str, cap: Cap, trail: Trail | None = None, trusted: bool = False
    ) -> Answer:
        """Return the answer at the end of the redirects; raise when refused or unreachable.

        ``trusted``: the first address is asked without the policy (an RDAP registry named by
        the bootstrap); every redirect from it is checked like any other. Raises
        AddressRefusedError, FetchError, httpx errors, OSError (name not found) and
        UnicodeError (a name that is not valid IDNA).
        """
        trail = trail or Trail(url)
        current = httpx.URL(url)
        for hop in range(MAX_REDIRECTS + 1):
            trail.url = str(current)
            answer = await self._hop(current, trail, accept, cap, checked=hop > 0 or not trusted)
            if not answer.location:
                return answer
            current = redirect_target(current, answer.location)
        raise TooManyRedirectsError(f"The address redirects more than {MAX_REDIRECTS} times.")

    async def _hop(
        self, url: httpx.URL, trail: Trail, accept: str, cap: Cap, checked: bool
    ) -> Answer:
        host = url.raw_host.decode("ascii")
        port = url.port or (443 if url.scheme == "https" else 80)
        addresses = await asyncio.to_thread(self._resolver, host, port)
        if checked and self.policy is not None:
            self.policy(addresses, host)
        tried = addresses[:MAX_ADDRESSES_TRIED]
        if not tried:
            raise FetchError("The site's name stands for no address.")
        for address in tried[:-1]:
            try:
                return await self._send(url, address, trail, accept, cap)
            except httpx.ConnectError:  # this address refuses: the next one may answer
                continue
        return await self._send(url, tried[-1], trail, accept, cap)

    async def _send(
        self, url: httpx.URL, address: str, trail: Trail, accept: str, cap: Cap
    ) -> Answer:
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
            return await _answer(url, response, trail, cap)
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


class SyncFetcher:
    """A Fetcher for callers without an event loop: use it in a ``with`` block.

    The loop runs in a thread of its own, so a caller whose thread already runs a loop
    (Playwright's sync API does) can use it too.
    """

    def __init__(self, **options: Any) -> None:
        self._fetcher = Fetcher(**options)
        self.policy = self._fetcher.policy
        self._thread = ThreadPoolExecutor(max_workers=1)
        self._runner = asyncio.Runner()

    def __enter__(self) -> "SyncFetcher":
        return self

    def __exit__(self, *exception: object) -> None:
        try:
            self._run(self._fetcher.close())
            self._thread.submit(self._runner.close).result()
        finally:
            self._thread.shutdown()

    def fetch(self, url: str, **options: Any) -> Answer:
        """Return the answer at the end of the redirects, as ``Fetcher.fetch`` does."""
        return self._run(self._fetcher.fetch(url, **options))

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self._thread.submit(self._runner.run, coroutine).result()


def redirect_target(current: httpx.URL, location: str) -> httpx.URL:
    """Return where a redirect leads; raise FetchError if that is not a web address."""
    try:
        target = current.join(location)
    except httpx.InvalidURL:
        raise FetchError("The address redirects to an address that is not valid.") from None
    if target.scheme not in ("http", "https") or not target.host:
        raise FetchError("The address redirects to something that is not a web page.")
    return target


async def read_capped(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """Return the body (decompressed) up to ``limit`` bytes, and whether there was more."""
    parts, size = [], 0
    async for chunk in response.aiter_bytes():
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(parts)[:limit], True
    return b"".join(parts), False


async def _answer(url: httpx.URL, response: httpx.Response, trail: Trail, cap: Cap) -> Answer:
    trail.status_code = response.status_code
    trail.headers.append(response.headers)
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    location = response.headers.get("location", "")
    if response.status_code in REDIRECT_STATUSES and location:
        return Answer(str(url), response.status_code, content_type, "", b"", False, location)
    body, truncated = await read_capped(response, cap(content_type))
    encoding = response.charset_encoding or "utf-8"
    return Answer(str(url), response.status_code, content_type, encoding, body, truncated)


def _no_cookies() -> CookieJar:
    """Return a cookie jar that keeps nothing: each fetch is a first visit."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


# What a fetch can fail with besides a refusal: network, protocol and name errors (socket
# errors, time-outs and DNS failures are all OSError), and names that are not valid IDNA.
FETCH_ERRORS = (FetchError, httpx.HTTPError, httpx.InvalidURL, OSError, UnicodeError)
