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

Safety. Every hop (each redirect, each image) goes through the address-pinned fetcher
(reclaim.notices._fetch) under the public-address policy (reclaim.addresses), so a name cannot
steer a request into the network Reclaim runs in. Bodies and images are read up to a cap, and
each address has one overall deadline, so a slow or endless server cannot hold a slot. How the
images are compared is in reclaim.notices._images.

``first_look`` and ``as_check`` say what a re-check means for a request that is watched.

RecheckError (ReclaimError)   an address is not one Reclaim can check (not http or https)
"""

import asyncio
import datetime
import hashlib
import socket
import ssl
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import httpx

from reclaim.addresses import AddressRefusedError, check_addresses
from reclaim.errors import ReclaimError
from reclaim.hashing import PdqHash
from reclaim.notices._fetch import FETCH_ERRORS, Answer, Fetcher, FetchError, Trail
from reclaim.notices._images import Images, body_cap, look_at_images
from reclaim.notices._tracking import Check

OUTCOMES = ("present", "gone", "changed", "unreachable", "refused")
PRESENT, GONE, CHANGED, UNREACHABLE, REFUSED = OUTCOMES
GONE_STATUSES = frozenset({404, 410, 451})
PAGE_ACCEPT = "text/html,application/xhtml+xml,image/*;q=0.9,*/*;q=0.8"

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


class RecheckError(ReclaimError):
    """An address is not one Reclaim can re-check (not an http or https address)."""


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


def cdn_from_headers(headers: httpx.Headers) -> str:
    """Return the CDN that response headers show in front of a site (CDN_HEADERS), or ""."""
    for name, contains, cdn in CDN_HEADERS:
        value = headers.get(name)
        if value is not None and contains in value.lower():
            return cdn
    return ""


def first_look(result: Recheck, previous_digest: str) -> Recheck:
    """Return a re-check as it counts for a request, by the first-look rule.

    A page nobody fingerprinted when the request was made (no ``previous_digest``) cannot be
    told apart from a changed one; the first look at it is the page as reported, so
    "changed" then counts as "present". Its digest becomes the page's fingerprint.
    """
    if previous_digest or result.outcome != CHANGED:
        return result
    return replace(result, outcome=PRESENT)


def as_check(result: Recheck) -> Check:
    """Return what a request keeps of a re-check (reclaim.notices.Check)."""
    return Check(
        result.checked_utc,
        result.outcome,
        result.status_code,
        result.digest,
        len(result.matched_images),
        result.removal_confirmed,
        result.cdn,
    )


# Checking one address ------------------------------------------------------------------------


def _check_target(target: RecheckTarget) -> None:
    try:
        url = httpx.URL(target.url)
    except httpx.InvalidURL:
        url = httpx.URL()
    if url.scheme not in ("http", "https") or not url.host:
        raise RecheckError(f"Reclaim re-checks web addresses (http or https), not {target.url!r}")


def _cdn(trail: Trail) -> str:
    """Return the CDN the last hop that showed one had in front of it, or ""."""
    found = (cdn_from_headers(headers) for headers in reversed(trail.headers))
    return next((cdn for cdn in found if cdn), "")


async def _recheck_all(
    targets: list[RecheckTarget],
    concurrency: int,
    allow_private: bool,
    timeout_seconds: float,
    verify: ssl.SSLContext | None = None,
) -> list[Recheck]:
    """Return the re-checks in the targets' order, made by ``concurrency`` workers."""
    policy = None if allow_private else check_addresses
    fetcher = Fetcher(policy=policy, timeout_seconds=timeout_seconds, verify=verify)
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


async def _recheck_one(target: RecheckTarget, fetcher: Fetcher, timeout_seconds: float) -> Recheck:
    checked_utc = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    deadline = asyncio.get_running_loop().time() + timeout_seconds
    trail = Trail(target.url)
    try:
        async with asyncio.timeout_at(deadline):
            page = await fetcher.fetch(target.url, accept=PAGE_ACCEPT, cap=body_cap, trail=trail)
    except AddressRefusedError as error:
        return _failed(target, checked_utc, trail, REFUSED, str(error))
    except FETCH_ERRORS as error:
        return _failed(target, checked_utc, trail, UNREACHABLE, _plain(error, timeout_seconds))
    images = Images()
    if target.hashes and 200 <= page.status_code < 300:
        images = await look_at_images(page, target.hashes, fetcher, deadline)
    return _judged(target, checked_utc, page, trail, images)


def _failed(
    target: RecheckTarget, checked_utc: str, trail: Trail, outcome: str, problem: str
) -> Recheck:
    return Recheck(
        target.url, checked_utc, outcome, trail.status_code, trail.url, "", 0, (), None,
        _cdn(trail), problem,
    )  # fmt: skip


def _judged(
    target: RecheckTarget, checked_utc: str, page: Answer, trail: Trail, images: Images
) -> Recheck:
    digest = hashlib.sha256(page.body).hexdigest()
    outcome, problem = _outcome(target, page, digest, images)
    if page.truncated and not problem:
        limit = body_cap(page.content_type)
        problem = f"Only the first {limit // 2**20} MB of the answer were read and compared."
    return Recheck(
        target.url, checked_utc, outcome, page.status_code, page.url, digest, images.checked,
        images.matched, images.closest, _cdn(trail), problem,
    )  # fmt: skip


def _outcome(target: RecheckTarget, page: Answer, digest: str, images: Images) -> tuple[str, str]:
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
    if isinstance(error, FetchError):
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
