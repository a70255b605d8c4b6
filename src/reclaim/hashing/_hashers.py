"""Hashing files: PDQ for images, vPDQ for videos, and exact digests for anything.

Nothing here sends anything anywhere: it reads a file and returns numbers.
"""

import hashlib
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from reclaim.hashing._images import (
    MAX_IMAGE_PIXELS,
    WORKING_SIDE,
    open_image,
    seen_luma,
    seen_pixels,
)
from reclaim.hashing._pdq import (
    bits_from_dct,
    dihedral_bits,
    luma_from_rgb,
    pdq_luma,
    pdq_luma_fast,
)
from reclaim.hashing._types import Digests, HashError, PdqHash, PdqSignal, VpdqFrame

READ_BYTES = 1024 * 1024
SECONDS_PER_FRAME = 1.0  # vPDQ samples one frame a second, as Meta's tools do by default


def pdq_from_pixels(rgb: NDArray[np.uint8]) -> PdqSignal:
    """Return the PDQ signal of an H x W x 3 uint8 array, bit for bit as the C++ reference."""
    if rgb.ndim != 3 or rgb.shape[2] < 3 or rgb.dtype != np.uint8:
        raise HashError("pixels are an H x W x 3 array of 8-bit values")
    coefficients, quality = pdq_luma(luma_from_rgb(np.ascontiguousarray(rgb[:, :, :3])))
    return _signal(coefficients, quality)


def pdq_from_image(
    source: Path | BinaryIO, full_size: bool = False, max_decoded_pixels: int = MAX_IMAGE_PIXELS
) -> PdqSignal:
    """Return the PDQ signal of an image file as a person sees it.

    By default the image is decoded at a reduced scale (see reclaim.hashing._images), which
    is many times faster and stays within Meta's tolerance of the full-size hash;
    ``full_size`` hashes every pixel with the reference's exact arithmetic. An image that
    would decode to more than ``max_decoded_pixels`` is a HashError, found before decoding
    (a server passes MAX_DECODED_PIXELS).
    """
    image = open_image(source)
    with image:
        if full_size:
            return pdq_from_pixels(seen_pixels(image, None, max_decoded_pixels))
        luma, full_shape = seen_luma(image, WORKING_SIDE, max_decoded_pixels)
    coefficients, quality = pdq_luma_fast(luma, full_shape)
    return _signal(coefficients, quality)


def _signal(coefficients: "NDArray[np.float32]", quality: int) -> PdqSignal:
    variants = {name: PdqHash.from_int(bits) for name, bits in dihedral_bits(coefficients).items()}
    return PdqSignal(PdqHash.from_int(bits_from_dct(coefficients)), quality, variants)


def digests(source: Path | BinaryIO) -> Digests:
    """Return the MD5 and SHA-256 of a file's bytes, read in pieces."""
    md5, sha256 = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    stream = source.open("rb") if isinstance(source, Path) else source
    try:
        while piece := stream.read(READ_BYTES):
            md5.update(piece)
            sha256.update(piece)
    finally:
        if isinstance(source, Path):
            stream.close()
    return Digests(md5.hexdigest(), sha256.hexdigest())


def vpdq_from_video(path: Path, seconds_per_frame: float = SECONDS_PER_FRAME) -> list[VpdqFrame]:
    """Return vPDQ: the PDQ of one frame every ``seconds_per_frame``, with quality and time.

    As Meta's vPDQ does: with the video's frame rate r, frames whose number is a multiple of
    int(seconds_per_frame * r) are hashed, and each is stamped with its number / r.
    """
    import av  # PyAV: FFmpeg's decoders, from the package registry alone

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise HashError("this file has no video stream")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            rate = Fraction(stream.average_rate or stream.guessed_rate or 25)
            every = max(1, int(seconds_per_frame * rate))
            frames = []
            for number, frame in enumerate(container.decode(stream)):
                if number % every:
                    continue
                rgb = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
                coefficients, quality = pdq_luma_fast(luma_from_rgb(_reduced(rgb)), rgb.shape[:2])
                timestamp = float(number / rate)
                pdq = PdqHash.from_int(bits_from_dct(coefficients))
                frames.append(VpdqFrame(pdq, quality, timestamp))
    except av.error.FFmpegError as error:
        raise HashError(f"the video could not be decoded: {error}") from None
    if not frames:
        raise HashError("the video has no frames that could be decoded")
    return frames


def _reduced(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Box-average a frame down to about the working side, as for still images."""
    factor = min(rgb.shape[:2]) // WORKING_SIDE
    if factor < 2:
        return rgb
    return np.asarray(Image.fromarray(rgb).reduce(factor), dtype=np.uint8)
