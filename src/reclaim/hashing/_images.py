"""Reading an image file into the pixels a person sees, quickly and safely.

What a person sees: the first frame of an animation, turned as its EXIF orientation says,
in RGB (CMYK, greyscale, palette and 16-bit images converted properly, transparency dropped
as the reference does). Safely: the declared size is checked before any pixel is decoded, and
a damaged file is a clear error, never a crash or a hang.

Quickly: PDQ smooths a picture down to 64 x 64, so the full resolution adds nothing but time.
A JPEG is decoded at a reduced scale inside libjpeg (1/2, 1/4 or 1/8, from the DCT itself),
and any other image is box-averaged down, so that the short side stays at least
``WORKING_SIDE`` pixels: well above 64, and within Meta's tolerance of the full-size hash.
"""

import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from reclaim.hashing._types import HashError

# The locker's limit (reclaim.locker.MAX_CHECKED_PIXELS) applies here too: a 200 MP photo fits.
MAX_IMAGE_PIXELS = 250_000_000
# What a server process decodes at most (the web site, its worker): a PNG of 250 MP would take
# 750 MB of memory, and four at once would take a small server down. A JPEG counts at the
# reduced scale it is decoded at, so a 200 MP phone photo (1/8 scale: 3 MP) is still hashed.
MAX_DECODED_PIXELS = 50_000_000
# Measured on the corpus (bench/hashing.py): at 256 the distance to the full-size reference
# stays within a few bits; at 128 it reaches 16, past Meta's tolerance of 10.
WORKING_SIDE = 256
EXIF_ORIENTATION = 0x0112
TRANSPOSING_ORIENTATIONS = (5, 6, 7, 8)  # the EXIF orientations that turn by 90 degrees

register_heif_opener()  # HEIC/HEIF (iPhone photos) through Pillow


def open_image(source: Path | BinaryIO) -> Image.Image:
    """Open an image lazily and check its declared size; raise HashError if it cannot be."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(source)
    except Image.DecompressionBombError:
        raise HashError("the image claims an impossible size (a decompression bomb)") from None
    except UnidentifiedImageError:
        raise HashError("this is not an image Reclaim can read") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise HashError(f"the image is damaged or cut short: {error}") from None
    width, height = image.size
    if width <= 0 or height <= 0 or width * height > MAX_IMAGE_PIXELS:
        raise HashError(f"the image claims an impossible size ({width} x {height})")
    return image


def seen_pixels(
    image: Image.Image,
    working_side: int | None = WORKING_SIDE,
    max_decoded_pixels: int = MAX_IMAGE_PIXELS,
) -> NDArray[np.uint8]:
    """Return the RGB pixels a person sees, reduced to about ``working_side`` (None: full size).

    Raises HashError, before decoding, if more than ``max_decoded_pixels`` would be decoded.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            if working_side and image.format == "JPEG":
                image.draft("RGB", _draft_size(image.size, working_side))
            check_decoded_size(image, max_decoded_pixels)
            image.seek(0)  # the first frame of a GIF or an animated WebP
            upright = ImageOps.exif_transpose(image) or image
            rgb = _to_rgb(upright)
            if working_side:
                rgb = _reduce(rgb, working_side)
            return np.asarray(rgb, dtype=np.uint8)
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise HashError(f"the image is damaged or cut short: {error}") from None


def seen_luma(
    image: Image.Image,
    working_side: int = WORKING_SIDE,
    max_decoded_pixels: int = MAX_IMAGE_PIXELS,
) -> tuple[NDArray[np.float32], tuple[int, int]]:
    """Return the luma a person sees, reduced to about ``working_side``, and the full size.

    The full size (rows, columns, upright) lets PDQ weigh each reduced pixel as the full
    pixels it stands for. A colour JPEG already holds luma: its Y channel is BT.601's
    0.299 R + 0.587 G + 0.114 B, PDQ's own weights, so libjpeg is asked for greyscale.
    Raises HashError, before decoding, if more than ``max_decoded_pixels`` would be decoded.
    """
    width, height = image.size
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            if image.format == "JPEG" and image.mode in ("RGB", "L"):
                image.draft("L", _draft_size(image.size, working_side))
            check_decoded_size(image, max_decoded_pixels)
            orientation = _orientation(image)  # a PNG's EXIF may come after its pixels
            if orientation in TRANSPOSING_ORIENTATIONS:
                width, height = height, width
            image.seek(0)
            upright = image if orientation == 1 else ImageOps.exif_transpose(image) or image
            if upright.mode == "L":
                return np.asarray(_reduce(upright, working_side), dtype=np.float32), (
                    height,
                    width,
                )
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise HashError(f"the image is damaged or cut short: {error}") from None
    from reclaim.hashing._pdq import luma_from_rgb

    return luma_from_rgb(seen_pixels(upright, working_side, max_decoded_pixels)), (height, width)


def check_decoded_size(image: Image.Image, max_decoded_pixels: int) -> None:
    """Raise HashError if decoding ``image`` now (after any draft) would exceed the limit."""
    width, height = image.size
    if width * height > max_decoded_pixels:
        raise HashError(
            f"the image is too large to decode here ({width} x {height} pixels; "
            f"at most {max_decoded_pixels})"
        )


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(EXIF_ORIENTATION, 1))
    except (OSError, SyntaxError, ValueError, TypeError):
        return 1


def _draft_size(size: tuple[int, int], working_side: int) -> tuple[int, int]:
    # draft() picks the smallest DCT scale whose result is at least the size asked for.
    width, height = size
    shrink = max(1.0, min(width, height) / working_side)
    return max(1, int(width / shrink)), max(1, int(height / shrink))


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit and 32-bit greyscale: scale to 8 bits (a plain convert would clip at 255).
        wide = np.asarray(image, dtype=np.uint32)
        peak = 65535 if image.mode.startswith("I;16") else max(1, int(wide.max()))
        grey = (wide * 255 // peak).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB")
    if image.mode == "F":
        return Image.fromarray(np.clip(np.asarray(image), 0, 255).astype(np.uint8)).convert("RGB")
    if image.mode == "RGB":
        return image
    return image.convert("RGB")


def _reduce(image: Image.Image, working_side: int) -> Image.Image:
    factor = min(image.size) // working_side
    return image.reduce(factor) if factor >= 2 else image
