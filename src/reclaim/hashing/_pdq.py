"""PDQ, Meta's perceptual hash for images, written from its published description.

Steps, in float32 as the C++ reference does them so that the same pixel array gives the same
bits: luma from RGB; a "Jarosz" filter (two passes of a box filter along rows then along
columns, each window about 1/128 of the side); decimation to 64 x 64 by picking the pixel at
the centre of each cell; a quality score from the gradients of that 64 x 64 image; the
16 x 16 low-frequency corner of a 2-D DCT-II; one bit per coefficient, set when it is above
the median. The eight dihedral variants (rotations and flips) come from sign changes and
transposes of the 16 x 16 block, without hashing the image again.

Every loop that adds numbers adds them in the reference's order: floating-point addition is
not associative, and a different order would move a coefficient near the median across it.
"""

import functools
import math

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float32]
MIN_HASHABLE_SIDE = 5  # smaller images get the all-zero hash and quality 0, as in the reference
DCT_SIZE = 64
KEPT = 16
JAROSZ_PASSES = 2
# ITU-R BT.601 luma weights, applied in float64 and then rounded to float32, as the
# pdqhash bindings do before handing the luma to the C++ code.
LUMA_WEIGHTS = (0.299, 0.587, 0.114)


def _dct_matrix() -> Floats:
    # Row i, column j: sqrt(2/64) * cos(pi/128 * (i+1) * (2j+1)); the scale is a float32
    # multiplied in float64 and the product rounded to float32, as in the reference.
    scale = float(np.float32(math.sqrt(2.0 / DCT_SIZE)))
    rows = [
        [scale * math.cos((math.pi / 2.0 / DCT_SIZE) * (i + 1) * (2 * j + 1)) for j in range(64)]
        for i in range(KEPT)
    ]
    return np.array(rows, dtype=np.float64).astype(np.float32)


DCT = _dct_matrix()


def luma_from_rgb(rgb: NDArray[np.uint8]) -> Floats:
    """Return the float32 luma of an H x W x 3 uint8 array."""
    r, g, b = (rgb[:, :, channel].astype(np.float64) for channel in range(3))
    luma: Floats = (r * LUMA_WEIGHTS[0] + g * LUMA_WEIGHTS[1] + b * LUMA_WEIGHTS[2]).astype(
        np.float32
    )
    return luma


def window_size(old: int, new: int = DCT_SIZE) -> int:
    """Return the box-filter window that takes a side of ``old`` pixels towards ``new``."""
    return (old + 2 * new - 1) // (2 * new)


def box_filter(values: Floats, window: int) -> Floats:
    """Return a centred moving average along axis 1, summed in the reference's order.

    Each row is independent, so the rows go through the same steps together; the steps go
    one column at a time because the running sum must be rounded exactly as the C++ does.
    """
    rows, length = values.shape
    half = (window + 2) // 2
    out = np.empty_like(values)
    total = np.zeros(rows, dtype=np.float32)
    size, right, left, target = 0, 0, 0, 0
    for _ in range(half - 1):
        total += values[:, right]
        size, right = size + 1, right + 1
    for _ in range(window - half + 1):
        total += values[:, right]
        size, right = size + 1, right + 1
        out[:, target] = total / np.float32(size)
        target += 1
    for _ in range(length - window):
        total += values[:, right]
        total -= values[:, left]
        out[:, target] = total / np.float32(size)
        left, right, target = left + 1, right + 1, target + 1
    for _ in range(half - 1):
        total -= values[:, left]
        size, left = size - 1, left + 1
        out[:, target] = total / np.float32(size)
        target += 1
    return out


def jarosz(luma: Floats) -> Floats:
    """Return the luma smoothed by the Jarosz filter the reference applies before decimating."""
    rows, cols = luma.shape
    along_rows, along_cols = window_size(cols), window_size(rows)
    smoothed = luma
    for _ in range(JAROSZ_PASSES):
        smoothed = box_filter(smoothed, along_rows)
        smoothed = np.ascontiguousarray(box_filter(smoothed.T.copy(), along_cols).T)
    return smoothed


def decimate(values: Floats, size: int = DCT_SIZE) -> Floats:
    """Return ``size`` x ``size`` samples taken at the centre of each cell."""
    rows, cols = values.shape
    pick_rows = [int(((i + 0.5) * rows) / size) for i in range(size)]
    pick_cols = [int(((j + 0.5) * cols) / size) for j in range(size)]
    picked: Floats = values[np.ix_(pick_rows, pick_cols)]
    return picked


def quality(block: Floats) -> int:
    """Return PDQ's quality (0 to 100): how much detail the 64 x 64 image has."""
    hundred, full = np.float32(100), np.float32(255)
    down = ((block[:-1, :] - block[1:, :]) * hundred) / full
    across = ((block[:, :-1] - block[:, 1:]) * hundred) / full
    total = int(np.abs(np.trunc(down)).sum()) + int(np.abs(np.trunc(across)).sum())
    return min(100, total // 90)


def dct16(block: Floats) -> Floats:
    """Return the 16 x 16 low-frequency DCT coefficients of a 64 x 64 block."""
    partial = np.zeros((KEPT, DCT_SIZE), dtype=np.float32)
    for k in range(DCT_SIZE):
        partial += DCT[:, k : k + 1] * block[k : k + 1, :]
    coefficients = np.zeros((KEPT, KEPT), dtype=np.float32)
    for k in range(DCT_SIZE):
        coefficients += partial[:, k : k + 1] * DCT[:, k][np.newaxis, :]
    return coefficients


def bits_from_dct(coefficients: Floats) -> int:
    """Return the 256-bit hash: bit 16*i+j is set when coefficient (i, j) is above the median."""
    flat = coefficients.reshape(-1)
    median = np.partition(flat, 127)[127]  # the reference's Torben median: the 128th smallest
    # Bit k of the integer is coefficient k: reverse, so that bit 255 comes first in the bytes.
    return int.from_bytes(np.packbits(flat[::-1] > median).tobytes(), "big")


# The dihedral variants, as (transpose?, sign pattern over (i, j)) applied to the DCT block.
_I, _J = np.indices((KEPT, KEPT))
_ODD_I, _ODD_J, _ODD_SUM = (_I & 1) == 1, (_J & 1) == 1, ((_I + _J) & 1) == 1
DIHEDRAL = {
    "original": (False, np.ones((KEPT, KEPT), dtype=np.float32)),
    "rotate90": (True, np.where(_ODD_J, 1, -1).astype(np.float32)),
    "rotate180": (False, np.where(_ODD_SUM, -1, 1).astype(np.float32)),
    "rotate270": (True, np.where(_ODD_I, 1, -1).astype(np.float32)),
    "flip_x": (False, np.where(_ODD_I, 1, -1).astype(np.float32)),
    "flip_y": (False, np.where(_ODD_J, 1, -1).astype(np.float32)),
    "flip_plus1": (True, np.ones((KEPT, KEPT), dtype=np.float32)),
    "flip_minus1": (True, np.where(_ODD_SUM, -1, 1).astype(np.float32)),
}


def dihedral_bits(coefficients: Floats) -> dict[str, int]:
    """Return the hash of each rotation and flip of the image, from its DCT block."""
    found = {}
    for name, (transpose, signs) in DIHEDRAL.items():
        signed = coefficients * signs
        found[name] = bits_from_dct(signed.T if transpose else signed)
    return found


def pdq_luma(luma: Floats) -> tuple[Floats, int]:
    """Return the DCT block and quality of a float32 luma image (the reference's steps)."""
    rows, cols = luma.shape
    if rows < MIN_HASHABLE_SIDE or cols < MIN_HASHABLE_SIDE:
        return np.zeros((KEPT, KEPT), dtype=np.float32), 0
    block = luma if (rows, cols) == (DCT_SIZE, DCT_SIZE) else decimate(jarosz(luma))
    return dct16(block), quality(block)


@functools.lru_cache(maxsize=64)
def smoothing(full: int, reduced: int) -> NDArray[np.float32]:
    """Return the 64 x ``reduced`` matrix that smooths and decimates one axis of an image.

    The Jarosz filter is linear and separable: along one axis, its two box passes followed
    by the 64 picks are one 64 x ``full`` matrix of weights, and the whole 64 x 64 block is
    two matrix products. When the image was decoded at a reduced scale (``reduced`` pixels
    standing for ``full``), each reduced pixel is about the mean of the full pixels it
    covers, so it takes the sum of their weights: the hash stays that of the full image.
    """
    window = window_size(full)
    half = (window + 2) // 2
    starts = np.clip(np.arange(full) - (window - half), 0, full)
    stops = np.clip(np.arange(full) + half, 0, full)
    weights = np.zeros((DCT_SIZE, full + 1))
    for row, pick in enumerate(int(((i + 0.5) * full) / DCT_SIZE) for i in range(DCT_SIZE)):
        # Row ``pick`` of the box matrix B, times B: a sum of B's rows over its window.
        for inner in range(starts[pick], stops[pick]):
            share = 1.0 / ((stops[pick] - starts[pick]) * (stops[inner] - starts[inner]))
            weights[row, starts[inner]] += share
            weights[row, stops[inner]] -= share
    per_pixel = np.cumsum(weights, axis=1)[:, :full]  # undo the differences
    edges = np.linspace(0, full, reduced + 1)
    cumulative = np.concatenate([np.zeros((DCT_SIZE, 1)), np.cumsum(per_pixel, axis=1)], axis=1)
    at_edges = np.array([np.interp(edges, np.arange(full + 1), c) for c in cumulative])
    matrix: NDArray[np.float32] = np.diff(at_edges, axis=1).astype(np.float32)
    return matrix


def pdq_luma_fast(luma: Floats, full_shape: tuple[int, int] | None = None) -> tuple[Floats, int]:
    """Return the DCT block and quality like ``pdq_luma``, as a few matrix products.

    ``full_shape`` is the image's size before it was decoded at a reduced scale (if it
    was). The sums are the reference's sums in another order, so a coefficient right at the
    median may land on its other side: a bit or two, far inside the match distance.
    """
    rows, cols = full_shape or luma.shape
    if rows < MIN_HASHABLE_SIDE or cols < MIN_HASHABLE_SIDE:
        return np.zeros((KEPT, KEPT), dtype=np.float32), 0
    down = smoothing(rows, luma.shape[0])
    across = smoothing(cols, luma.shape[1])
    block: Floats = (down @ luma @ across.T).astype(np.float32, copy=False)
    coefficients: Floats = (DCT @ block @ DCT.T).astype(np.float32)
    return coefficients, quality(block)
