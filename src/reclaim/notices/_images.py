"""Page-image comparison: do the images a page shows match one of the case's PDQ hashes?

A re-check of a page that answered looks at the images it names (``image_urls``: <img>,
<source>, srcset, lazy-loading attributes, og:image), fetches up to MAX_IMAGES_PER_PAGE of
them through the address-pinned fetcher, hashes each with PDQ and compares it (and its
rotations and flips) with the case's hashes. An answer that is itself an image is compared
directly.
"""

import asyncio
import base64
import binascii
import io
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote_to_bytes, urljoin

from reclaim.addresses import AddressRefusedError
from reclaim.hashing import (
    MATCH_DISTANCE_BITS,
    MAX_DECODED_PIXELS,
    HashError,
    PdqHash,
    PdqSignal,
    pdq_from_image,
)
from reclaim.notices._fetch import FETCH_ERRORS, Answer, Fetcher

MAX_PAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_BYTES = 15 * 1024 * 1024  # a 12 MP phone JPEG is 3 to 8 MB
MAX_IMAGES_PER_PAGE = 20
IMAGE_ACCEPT = "image/*,*/*;q=0.5"
HTML_TYPES = ("text/html", "application/xhtml+xml")

# Where pages name their images: <img>/<source> attributes (data-src and data-srcset are where
# lazily loaded images wait for a script) and the meta tags that name a page's main picture.
IMAGE_ATTRIBUTES = ("src", "data-src")
SRCSET_ATTRIBUTES = ("srcset", "data-srcset")
IMAGE_META = frozenset({"og:image", "og:image:url", "og:image:secure_url", "twitter:image"})


@dataclass(frozen=True)
class Images:
    """What the images of a page looked like beside the case's hashes."""

    checked: int = 0
    matched: tuple[str, ...] = ()  # image addresses within MATCH_DISTANCE_BITS of a case hash
    closest: int | None = None  # the smallest distance seen (None: nothing to compare)


def body_cap(content_type: str) -> int:
    """Return how many bytes of an answer of ``content_type`` are read: more for images."""
    return MAX_IMAGE_BYTES if content_type.startswith("image/") else MAX_PAGE_BYTES


async def look_at_images(
    page: Answer, hashes: tuple[PdqHash, ...], fetcher: Fetcher, deadline: float
) -> Images:
    """Return how the page's images (or the page, when it is an image) compare to the hashes.

    ``deadline`` is the event loop's time by which the looking stops; the images seen by
    then are judged.
    """
    if page.content_type.startswith("image/"):
        signal = None if page.truncated else await _signal(page.body)
        return compare([(page.url, signal)] if signal else [], hashes)
    if page.content_type not in HTML_TYPES:
        return Images()
    urls = await asyncio.to_thread(image_urls, page.body, page.encoding, page.url)
    return compare(await _page_signals(urls[:MAX_IMAGES_PER_PAGE], fetcher, deadline), hashes)


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


def compare(signals: list[tuple[str, PdqSignal]], hashes: tuple[PdqHash, ...]) -> Images:
    """Return which of the (address, signal) pairs match one of the hashes, and how closely."""
    matched, closest = [], None
    for url, signal in signals:
        if not signal.reliable:  # too little detail for a match to mean anything (Meta's PDQ)
            continue
        distance = min(_distance(signal, case_hash) for case_hash in hashes)
        closest = distance if closest is None else min(closest, distance)
        if distance <= MATCH_DISTANCE_BITS:
            matched.append(url)
    return Images(len(signals), tuple(dict.fromkeys(matched)), closest)


async def _page_signals(
    urls: list[str], fetcher: Fetcher, deadline: float
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
        except (AddressRefusedError, *FETCH_ERRORS):  # one bad image says nothing of the rest
            continue
        if signal is not None:
            found.append((url, signal))
    return found


async def _image_bytes(url: str, fetcher: Fetcher) -> bytes | None:
    """Return an image's bytes, or None when it did not answer in full."""
    if url.lower().startswith("data:"):
        return _data_url_bytes(url)
    answer = await fetcher.fetch(url, accept=IMAGE_ACCEPT, cap=body_cap)
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
