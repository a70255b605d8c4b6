"""What the locker takes: types from the first bytes, picture details without decoding
hostile files, and a sealed spool for uploads in progress. Generated images only."""

import io
import os
import random
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from reclaim.locker._intake import FileType, IntakeError, read_metadata, sniff
from reclaim.locker._spool import SealedSpool

MARKER = b"reclaim-spool-plaintext-marker-0c41" * 3


def encoded(image: Image.Image, kind: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def noise(size: tuple[int, int] = (96, 64), mode: str = "RGB") -> Image.Image:
    pixels = random.Random(7).randbytes(size[0] * size[1] * 3)
    return Image.frombytes("RGB", size, pixels).convert(mode)


def png_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = chunk(b"IDAT", zlib.compress(b"\0" * 64))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + idat + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("kind", "media_type"),
    [
        ("JPEG", "image/jpeg"),
        ("PNG", "image/png"),
        ("GIF", "image/gif"),
        ("WEBP", "image/webp"),
        ("BMP", "image/bmp"),
        ("TIFF", "image/tiff"),
    ],
)
def test_sniffs_pictures_from_their_first_bytes_not_their_name(kind: str, media_type: str) -> None:
    assert sniff(encoded(noise(), kind), "misleading.txt").media_type == media_type


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (b"\0\0\0\x18ftypheic\0\0\0\0", "image/heic"),
        (b"\0\0\0\x18ftypmif1\0\0\0\0", "image/heic"),
        (b"\0\0\0\x18ftypisom\0\0\0\0", "video/mp4"),
        (b"\0\0\0\x14ftypqt  \0\0\0\0", "video/quicktime"),
        (b"\0\0\0\x18ftypM4A \0\0\0\0", "audio/mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video/webm"),
        (b"RIFF\x24\0\0\0AVI LIST", "video/x-msvideo"),
        (b"RIFF\x24\0\0\0WAVEfmt ", "audio/wav"),
        (b"ID3\x04\0\0\0\0\0\0", "audio/mpeg"),
        (b"\xff\xfb\x90\x64" + bytes(20), "audio/mpeg"),
        (b"OggS\0\x02", "audio/ogg"),
        (b"fLaC\0\0\0\x22", "audio/flac"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"PK\x03\x04\x14\0", "application/zip"),
        ("Pay by Friday – or else. Zapłać.".encode(), "text/plain; charset=utf-8"),
    ],
)
def test_sniffs_videos_audio_documents_and_text(head: bytes, media_type: str) -> None:
    assert sniff(head, "file").media_type == media_type


def test_text_cut_in_the_middle_of_a_character_is_still_text() -> None:
    head = "ادفع".encode()[:-1]
    assert sniff(head, "chat.txt").kind == "text"


@pytest.mark.parametrize(
    "head", [b"\x7fELF\x02\x01\x01", b"MZ\x90\0\x03", random.Random(3).randbytes(4096)]
)
def test_refuses_programs_and_unknown_files_naming_what_it_takes(head: bytes) -> None:
    with pytest.raises(IntakeError, match="It takes pictures"):
        sniff(head, "photo.jpg")


def test_refuses_an_empty_file() -> None:
    with pytest.raises(IntakeError, match="empty"):
        sniff(b"", "photo.jpg")


def test_refuses_png_claiming_ten_billion_pixels_without_decoding_it() -> None:
    started = time.perf_counter()
    bomb = png_claiming(100_000, 100_000)
    with pytest.raises(IntakeError, match="far larger than any camera"):
        read_metadata(io.BytesIO(bomb), sniff(bomb, "bomb.png"))
    assert time.perf_counter() - started < 5, "refused from the header, never decoded"


def test_a_200_megapixel_photo_header_is_not_mistaken_for_a_bomb() -> None:
    header = png_claiming(16_320, 12_240)
    details = read_metadata(io.BytesIO(header), sniff(header, "big.png"))
    assert (details["width"], details["height"]) == ("16320", "12240")
    assert "readable" not in details, "too large to check by decoding, kept unchecked"


def test_a_truncated_picture_is_kept_and_marked_unreadable() -> None:
    whole = encoded(noise((256, 256)), "JPEG", quality=90)
    cut = whole[: len(whole) // 2]
    details = read_metadata(io.BytesIO(cut), sniff(cut, "cut.jpg"))
    assert details["readable"] == "no"
    assert details["problem"]
    assert details["width"] == "256"


def test_reads_exif_date_camera_orientation_and_gps() -> None:
    exif = Image.Exif()
    exif[0x010F] = "Example Camera Co"
    exif[0x0110] = "Model 7"
    exif[0x0112] = 6
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 21:30:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (51.0, 30.0, 0.0)
    gps[3], gps[4] = "W", (0.0, 7.0, 30.0)
    data = encoded(noise(), "JPEG", exif=exif)
    details = read_metadata(io.BytesIO(data), sniff(data, "photo.jpg"))
    assert details["exif_make"] == "Example Camera Co"
    assert details["exif_model"] == "Model 7"
    assert details["orientation"] == "6"
    assert details["exif_datetime_original"] == "2026:11:20 21:30:00"
    assert details["gps"] == "yes"
    assert details["gps_position"] == "51.500000, -0.125000"


@pytest.mark.parametrize(
    ("mode", "kind"),
    [("CMYK", "JPEG"), ("L", "PNG"), ("P", "PNG"), ("RGBA", "PNG"), ("I;16", "PNG")],
)
def test_reads_every_picture_mode(mode: str, kind: str) -> None:
    image = noise().convert("I").convert("I;16") if mode == "I;16" else noise().convert(mode)
    data = encoded(image, kind)
    details = read_metadata(io.BytesIO(data), sniff(data, "x"))
    assert details["readable"] == "yes"
    assert details["width"] == "96"


def test_leaves_the_stream_where_it_was() -> None:
    stream = io.BytesIO(b"12345" + encoded(noise(), "PNG"))
    stream.seek(5)
    read_metadata(stream, sniff(stream.getvalue()[5:], "x.png"))
    assert stream.tell() == 5


def test_other_kinds_of_file_have_no_picture_details() -> None:
    assert (
        read_metadata(io.BytesIO(b"%PDF-1.7"), FileType("application/pdf", "PDF", "document")) == {}
    )


def test_spool_gives_back_what_was_written_and_never_holds_it_in_plaintext(tmp_path: Path) -> None:
    data = os.urandom(5_000_000) + MARKER + os.urandom(1000)
    with SealedSpool(tmp_path) as spool:
        position, step = 0, 65_537
        while position < len(data):
            spool.write(data[position : position + step])
            position += step
        assert spool.size == len(data)
        spool._file.seek(0)
        assert MARKER not in spool._file.read(), "the file on disk is sealed"
        spool.seek(0)
        assert spool.read() == data
        for offset in (0, 1, 15, 16, 17, 4_999_999, len(data) - 3):
            spool.seek(offset)
            assert spool.read(100) == data[offset : offset + 100]
        assert list(tmp_path.iterdir()) == [], "the file has no name to be found by"


def test_pillow_reads_a_picture_through_the_spool(tmp_path: Path) -> None:
    picture = encoded(noise(), "PNG")
    with SealedSpool(tmp_path) as spool:
        spool.write(picture)
        spool.seek(0)
        assert read_metadata(spool, sniff(picture, "x.png"))["width"] == "96"  # type: ignore[arg-type]
