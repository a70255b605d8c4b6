"""The hashing test corpus: public sample photographs shipped with scikit-image, and variants
generated from them (resized, cropped, turned, flipped, re-encoded, every image mode).

No image here shows a person in an intimate situation, and none ever may.
"""

import functools
import hashlib
import io
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pdqhash
from numpy.typing import NDArray
from PIL import Image
from skimage import data

from reclaim.hashing import PdqHash

Pixels = NDArray[np.uint8]
PHOTOS = (
    "astronaut",
    "camera",
    "coffee",
    "chelsea",
    "rocket",
    "coins",
    "moon",
    "clock",
    "hubble_deep_field",
    "immunohistochemistry",
    "colorwheel",
    "brick",
    "grass",
    "gravel",
    "cell",
)
# What variants() makes of each photograph, named here so that a test can be collected
# without making them (every xdist worker collects every test).
VARIANTS = ("original", "half", "larger", "cropped", "rotated", "flipped", "reencoded")


@functools.cache
def photo(name: str) -> Pixels:
    """Return a sample photograph as H x W x 3 uint8."""
    image = np.asarray(getattr(data, name)())
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return np.ascontiguousarray(image[:, :, :3], dtype=np.uint8)


@functools.cache
def variants(name: str) -> Mapping[str, Pixels]:
    """Return the photograph and pixel-level variants of it, read-only.

    Made once per session: each test of a variant used to remake all seven (two resamplings
    and a JPEG round trip). Read-only, so that no test can change what the others see.
    """
    made = _variants(name)
    assert tuple(made) == VARIANTS, "VARIANTS names every variant, in order"
    for pixels in made.values():
        pixels.setflags(write=False)
    return MappingProxyType(made)


def _variants(name: str) -> dict[str, Pixels]:
    original = photo(name).copy()  # its own array: photo() stays writable for other tests
    image = Image.fromarray(original)
    height, width = original.shape[:2]
    return {
        "original": original,
        "half": _pixels(image.resize((width // 2, height // 2), Image.Resampling.LANCZOS)),
        "larger": _pixels(
            image.resize((width * 7 // 4, height * 7 // 4), Image.Resampling.BICUBIC)
        ),
        "cropped": original[height // 10 : -height // 10, width // 10 : -width // 10].copy(),
        "rotated": np.ascontiguousarray(np.rot90(original)),
        "flipped": np.ascontiguousarray(original[:, ::-1]),
        "reencoded": _pixels(Image.open(io.BytesIO(encode(image, "JPEG", quality=60)))),
    }


def encode(image: Image.Image, kind: str, **options: object) -> bytes:
    """Return ``image`` encoded as ``kind`` (a Pillow format name)."""
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def _pixels(image: Image.Image) -> Pixels:
    return np.ascontiguousarray(np.asarray(image.convert("RGB")), dtype=np.uint8)


# The reference's answers by the pixels' shape, type and SHA-256: a lossless file decodes to the
# pixels it was made from, so the same photograph comes back many times in one session.
_REFERENCES: dict[tuple[tuple[int, ...], str, bytes], tuple[PdqHash, int]] = {}


def reference(pixels: Pixels) -> tuple[PdqHash, int]:
    """Return Meta's C++ PDQ (the pdqhash bindings) of an H x W x 3 uint8 array."""
    pixels = np.ascontiguousarray(pixels)
    key = (pixels.shape, pixels.dtype.str, hashlib.sha256(pixels).digest())
    if key not in _REFERENCES:
        vector, quality = pdqhash.compute(pixels)
        bits = int("".join(str(int(bit)) for bit in vector), 2)
        _REFERENCES[key] = (PdqHash.from_int(bits), int(quality))
    return _REFERENCES[key]


def reference_dihedral(pixels: Pixels) -> list[PdqHash]:
    """Return the reference's eight rotation and flip hashes, in its order."""
    vectors, _ = pdqhash.compute_dihedral(np.ascontiguousarray(pixels))
    return [PdqHash.from_int(int("".join(str(int(b)) for b in v), 2)) for v in vectors]
