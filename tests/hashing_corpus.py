"""The hashing test corpus: public sample photographs shipped with scikit-image, and variants
generated from them (resized, cropped, turned, flipped, re-encoded, every image mode).

No image here shows a person in an intimate situation, and none ever may.
"""

import functools
import io

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


@functools.cache
def photo(name: str) -> Pixels:
    """Return a sample photograph as H x W x 3 uint8."""
    image = np.asarray(getattr(data, name)())
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return np.ascontiguousarray(image[:, :, :3], dtype=np.uint8)


def variants(name: str) -> dict[str, Pixels]:
    """Return the photograph and pixel-level variants of it."""
    original = photo(name)
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


def reference(pixels: Pixels) -> tuple[PdqHash, int]:
    """Return Meta's C++ PDQ (the pdqhash bindings) of an H x W x 3 uint8 array."""
    vector, quality = pdqhash.compute(np.ascontiguousarray(pixels))
    return PdqHash.from_int(int("".join(str(int(bit)) for bit in vector), 2)), int(quality)


def reference_dihedral(pixels: Pixels) -> list[PdqHash]:
    """Return the reference's eight rotation and flip hashes, in its order."""
    vectors, _ = pdqhash.compute_dihedral(np.ascontiguousarray(pixels))
    return [PdqHash.from_int(int("".join(str(int(b)) for b in v), 2)) for v in vectors]
