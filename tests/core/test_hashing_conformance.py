"""Conformance with Meta's C++ PDQ (the pdqhash bindings), the bar platforms use:
(1) the same pixel array gives exactly the reference's hash; (2) from image files, hashes with
quality 80 or more are within distance 10 of the reference."""

import io

import numpy as np
import pytest
from PIL import Image

from reclaim.hashing import pdq_from_image, pdq_from_pixels
from reclaim.hashing._images import WORKING_SIDE, _draft_size, open_image, seen_pixels

from ..hashing_corpus import (
    PHOTOS,
    VARIANTS,
    encode,
    photo,
    reference,
    reference_dihedral,
    variants,
)

META_FILE_TOLERANCE_BITS = 10
HIGH_QUALITY = 80
# The one sample photograph PDQ rates below HIGH_QUALITY, in every format here (about 35: a
# clock face of large flat areas). Every other photograph must be checked against the reference.
LOW_QUALITY_PHOTOS = ("clock",)
DIHEDRAL_ORDER = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_x",
    "flip_y",
    "flip_plus1",
    "flip_minus1",
)
CORPUS = [(name, variant) for name in PHOTOS for variant in VARIANTS]


@pytest.mark.parametrize(("name", "variant"), CORPUS)
def test_same_pixels_give_exactly_the_reference_hash(name: str, variant: str) -> None:
    pixels = variants(name)[variant]
    signal = pdq_from_pixels(pixels)
    assert (signal.hash, signal.quality) == reference(pixels)


@pytest.mark.parametrize("name", PHOTOS)
def test_rotations_and_flips_are_exactly_the_reference_ones(name: str) -> None:
    signal = pdq_from_pixels(photo(name))
    ours = [signal.dihedral[variant] for variant in DIHEDRAL_ORDER]
    assert ours == reference_dihedral(photo(name))


def test_a_rotated_copy_matches_through_its_dihedral_hash() -> None:
    upright = pdq_from_pixels(photo("coffee"))
    turned = pdq_from_pixels(np.ascontiguousarray(np.rot90(photo("coffee"))))
    closest = min(turned.hash.distance(variant) for variant in upright.dihedral.values())
    assert closest <= 4
    assert turned.hash.distance(upright.hash) > 31, "without the variants it would not match"


# Encoder speed settings change how hard an encoder searches, not what a decoder gets back in
# kind: PNG stays lossless whatever its zlib level (level 0 still goes through zlib's inflate
# and PNG's row filters, and decodes to the same pixels as level 1 in half the time), WebP and
# HEIF stay lossy at quality 90. The fastest ones make the corpus in a third of the time
# (HEIF's x265 "slow" default took 7 s).
FORMATS = [
    ("JPEG", "RGB", {"quality": 90}),
    ("JPEG", "CMYK", {"quality": 90}),
    ("JPEG", "L", {"quality": 90}),
    ("PNG", "RGB", {"compress_level": 0}),
    ("PNG", "RGBA", {"compress_level": 0}),
    ("PNG", "LA", {"compress_level": 0}),
    ("PNG", "P", {"compress_level": 0}),
    ("PNG", "I;16", {"compress_level": 0}),
    ("WEBP", "RGB", {"quality": 90, "method": 0}),
    ("GIF", "P", {}),
    ("TIFF", "RGB", {}),
    ("HEIF", "RGB", {"quality": 90, "enc_params": {"preset": "ultrafast"}}),
]


def in_mode(name: str, mode: str) -> Image.Image:
    image = Image.fromarray(photo(name))
    if mode == "I;16":
        wide = np.asarray(image.convert("L"), dtype=np.uint16) * 257
        return Image.fromarray(wide)
    if mode == "RGBA":
        image = image.convert("RGBA")
        image.putalpha(200)
        return image
    return image.convert(mode)


@pytest.mark.parametrize(("kind", "mode", "options"), FORMATS)
def test_image_files_of_every_kind_are_within_metas_tolerance(
    kind: str, mode: str, options: dict[str, object]
) -> None:
    checked = []
    for name in PHOTOS:
        data = encode(in_mode(name, mode), kind, **options)
        seen = seen_pixels(open_image(io.BytesIO(data)), None)
        expected, quality = reference(seen)
        signal = pdq_from_image(io.BytesIO(data))
        if quality >= HIGH_QUALITY:
            assert signal.hash.distance(expected) <= META_FILE_TOLERANCE_BITS, (name, kind, mode)
            checked.append(name)
    # Without this, a change that lowered every quality would leave nothing checked, and pass.
    assert checked == [name for name in PHOTOS if name not in LOW_QUALITY_PHOTOS]
    assert len(checked) == 14


def test_ordinary_images_are_seen_as_pillow_converts_them() -> None:
    image = Image.fromarray(photo("chelsea")).convert("P")
    seen = seen_pixels(open_image(io.BytesIO(encode(image, "PNG"))), None)
    assert np.array_equal(seen, np.asarray(image.convert("RGB")))


def test_sixteen_bit_images_are_scaled_not_clipped() -> None:
    wide = Image.fromarray(np.full((64, 64), 32896, dtype=np.uint16))
    seen = seen_pixels(open_image(io.BytesIO(encode(wide, "PNG"))), None)
    assert int(seen[0, 0, 0]) == 128, "mid-grey stays mid-grey (a plain convert makes it white)"


# A JPEG is decoded at 1/4 or 1/8 scale (see reclaim.hashing._images). 2732 x 2048 is the
# smallest 4:3 photo decoded at 1/8, as a 12 MP phone photo is: the reference's full-size
# hash of it costs half as much as of 4000 x 3000.
@pytest.mark.parametrize(("size", "scale"), [((1920, 1080), 4), ((2732, 2048), 8)])
def test_large_photos_hashed_at_reduced_scale_stay_within_tolerance(
    size: tuple[int, int], scale: int
) -> None:
    for name in ("astronaut", "coffee", "rocket", "hubble_deep_field"):
        big = Image.fromarray(photo(name)).resize(size, Image.Resampling.BICUBIC)
        data = encode(big, "JPEG", quality=90)
        decoded = open_image(io.BytesIO(data))
        decoded.draft("RGB", _draft_size(decoded.size, WORKING_SIDE))
        assert decoded.size == (-(-size[0] // scale), size[1] // scale), "decoded at 1/scale"
        expected, quality = reference(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
        assert quality >= HIGH_QUALITY
        distance = pdq_from_image(io.BytesIO(data)).hash.distance(expected)
        assert distance <= META_FILE_TOLERANCE_BITS, (name, size, distance)


def test_full_size_option_gives_the_reference_hash_of_the_decoded_file() -> None:
    data = encode(Image.fromarray(photo("rocket")), "JPEG", quality=85)
    expected, _ = reference(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
    assert pdq_from_image(io.BytesIO(data), full_size=True).hash == expected


def test_exif_rotated_photos_are_hashed_as_a_person_sees_them() -> None:
    upright = photo("coffee")
    stored = Image.fromarray(np.ascontiguousarray(np.rot90(upright, k=1)))  # turned left
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn right to view": the viewer shows the upright photo
    data = encode(stored, "JPEG", quality=92, exif=exif)
    expected, _ = reference(upright)
    assert pdq_from_image(io.BytesIO(data)).hash.distance(expected) <= META_FILE_TOLERANCE_BITS


def test_the_first_frame_of_an_animation_is_hashed() -> None:
    frames = [Image.fromarray(photo(name)).resize((300, 200)) for name in ("coffee", "rocket")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100)
    first, _ = reference(np.asarray(frames[0].convert("P").convert("RGB")))
    assert pdq_from_image(io.BytesIO(out.getvalue())).hash.distance(first) <= 10
