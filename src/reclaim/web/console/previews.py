"""Pictures a survivor shared, as the console shows them: veiled until revealed on purpose.

A caseworker sees many images that hurt to look at (Coop by ROOST's review queues blur and
grey them for the same reason). So the server never sends a clear picture before the choice:
the veiled version is made small, grey and blurred here, in memory, and the page blurs it again
with CSS. Only after "Show this image" (counted, logged) is a clear version sent, re-encoded
without its metadata (places, devices). Nothing is written to disk.
"""

import io
import threading

from PIL import Image, ImageFilter, ImageOps

VEILED_PIXELS = 48  # the longest side of the veiled version, before it is scaled up
VEILED_SHOWN_PIXELS = 240  # the size it is sent at: blocks of blur, no detail to recover
VEIL_BLUR_RADIUS = 4
CLEAR_PIXELS = 1600  # enough to read a username in a screenshot
MAX_SOURCE_PIXELS = 50_000_000  # a 50-megapixel picture; a larger one is not decoded here
DECODES_AT_ONCE = 2  # pictures decoded at a time per process (each may take a few hundred MB)
DECODE_WAIT_SECONDS = 30.0  # then the picture is not shown (404) rather than queued for ever
PREVIEW_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp", "image/tiff")


_decoding = threading.BoundedSemaphore(DECODES_AT_ONCE)


class PreviewError(Exception):
    """The item cannot be shown as a picture (not one, damaged, or too large to decode)."""


def can_preview(media_type: str) -> bool:
    """Return whether items of this media type are shown as pictures."""
    return media_type in PREVIEW_TYPES


def veiled(data: bytes) -> bytes:
    """Return a small, greyscale, blurred PNG of the picture in ``data``."""
    picture = _open(data, VEILED_PIXELS)
    picture = ImageOps.grayscale(picture)
    picture.thumbnail((VEILED_PIXELS, VEILED_PIXELS))
    picture = picture.filter(ImageFilter.GaussianBlur(VEIL_BLUR_RADIUS))
    width, height = picture.size
    scale = VEILED_SHOWN_PIXELS / max(width, height)
    shown = (max(1, round(width * scale)), max(1, round(height * scale)))
    return _png(picture.resize(shown, Image.Resampling.BILINEAR))


def clear(data: bytes) -> bytes:
    """Return the picture in ``data`` as a PNG of at most CLEAR_PIXELS, without metadata."""
    picture = _open(data, CLEAR_PIXELS)
    picture.thumbnail((CLEAR_PIXELS, CLEAR_PIXELS))
    return _png(picture)


def _open(data: bytes, size: int) -> Image.Image:
    """Return the picture upright in RGB, at most ``size`` pixels on its longest side.

    Anyone who has the helpline's public key can send a referral, so a picture may be a
    decompression bomb: a few hundred kilobytes of PNG that decode to 50 megapixels. Its size
    is read from the header before anything is decoded, it is reduced before any copy is
    made, and at most DECODES_AT_ONCE pictures are decoded at a time in this process, so a
    page of such pictures cannot take the server's memory.
    """
    if not _decoding.acquire(timeout=DECODE_WAIT_SECONDS):
        raise PreviewError("the server is busy showing other pictures")
    try:
        source = Image.open(io.BytesIO(data))
        width, height = source.size
        if width * height > MAX_SOURCE_PIXELS:
            raise PreviewError("the picture is too large to show here")
        source.draft("RGB", (size, size))  # JPEG: decode at a reduced size, much faster
        source.thumbnail((size, size))  # before the turn and the colour change: no full copy
        upright = ImageOps.exif_transpose(source)  # as the phone showed it
        return upright.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise PreviewError(f"the item could not be read as a picture: {error}") from None
    finally:
        _decoding.release()


def _png(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()
