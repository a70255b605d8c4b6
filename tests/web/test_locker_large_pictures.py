"""Pictures larger than a server decodes: kept, never shown, and never decoded.

The attack: a PNG of a few hundred kilobytes that says it is 8,000 x 8,000 pixels (64 MP)
made the web process decode all of it (Pillow's getexif loads a whole PNG), hundreds of
megabytes for one upload. Pillow's decoding is watched here (ImageFile.load), so the test
does not depend on timing or on how much memory the machine has.
"""

import io
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ImageFile

from reclaim.hashing import MAX_DECODED_PIXELS, HashError, pdq_from_image
from reclaim.web.access.session import OpenLocker
from reclaim.web.removals.services import case_hashes

from .conftest import personal_locker

pytestmark = pytest.mark.django_db
SIDE = 8000  # 64 MP: past MAX_DECODED_PIXELS, well within what the locker keeps (250 MP)


def large_png(side: int = SIDE) -> bytes:
    """A greyscale PNG of side x side black pixels: tiny on disk, huge once decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    packer = zlib.compressobj(9)
    row = bytes(side + 1)  # filter byte 0, then the row's pixels
    pixels = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The size, in pixels, of every picture Pillow decodes during the test."""
    sizes: list[int] = []
    real_load = ImageFile.ImageFile.load

    def watched(image: ImageFile.ImageFile) -> object:
        sizes.append(image.size[0] * image.size[1])
        return real_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", watched)
    yield sizes


def test_a_huge_png_is_kept_not_shown_and_never_decoded(
    client: Client, open_locker: None, data_dir: Path, decoded: list[int]
) -> None:
    picture = large_png()
    assert len(picture) < 1024 * 1024
    added = client.post(
        "/en/locker/evidence/upload/", {"file": SimpleUploadedFile("big.png", picture)}
    )
    assert added.status_code == 302, "kept"
    assert max(decoded, default=0) <= MAX_DECODED_PIXELS, "nothing larger was decoded"
    page = client.get(added["Location"] + "?show=1").content.decode()
    assert 'class="preview' not in page, "never shown, even when asked"
    assert "too large to show here safely" in page
    assert f"{SIDE} × {SIDE}" in page, "its size still read from the header"
    sent = client.get(added["Location"] + "file/")
    assert sent["Content-Disposition"].startswith("attachment"), "downloaded, not shown inline"
    assert max(decoded, default=0) <= MAX_DECODED_PIXELS
    [item] = personal_locker(data_dir).items()
    assert item.sha256 and item.size == len(picture)


def test_the_removal_pages_hash_no_picture_larger_than_a_server_decodes(
    client: Client, open_locker: None, data_dir: Path, decoded: list[int]
) -> None:
    box = personal_locker(data_dir)
    box.add(io.BytesIO(large_png()), "big.png", "image/png")
    assert case_hashes(OpenLocker(box, "personal"), "") == ()
    assert max(decoded, default=0) <= MAX_DECODED_PIXELS


def test_hashing_with_a_limit_refuses_before_decoding(decoded: list[int]) -> None:
    with pytest.raises(HashError, match="too large to decode here"):
        pdq_from_image(io.BytesIO(large_png()), max_decoded_pixels=MAX_DECODED_PIXELS)
    assert decoded == []
