"""Checks on a file a person adds to the locker, before it is stored.

The type comes from the file's first bytes, never from its name or what the browser says.
Pictures are opened lazily: their size and EXIF come from the header, and a picture that
claims to be far larger than any camera makes is refused before anything decodes it (a
"decompression bomb" is a small file made to expand into gigabytes and crash programs).
The bytes themselves are never changed: this module only reads.
"""

import struct
import warnings
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import BinaryIO

from PIL import ExifTags, Image, UnidentifiedImageError

from reclaim.errors import ReclaimError

# The largest phone photos are 200 megapixels (16 320 x 12 240); a quarter more leaves room
# for panoramas. Pillow refuses at twice its own limit, so its limit is set to half of ours,
# once, for all of Reclaim (its default, 89 million pixels, would refuse real 200 MP photos).
MAX_IMAGE_PIXELS = 250_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS // 2
# Pictures up to this size are decoded once, at 1/8 scale where the format allows, to find
# out whether they are whole; larger ones are kept as they are, unchecked and never shown,
# and nothing of them is decoded: the same limit as reclaim.hashing's MAX_DECODED_PIXELS (what
# a server decodes at most), kept here so the locker needs no hashing (and no HEIC opener).
MAX_CHECKED_PIXELS = 50_000_000
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
# Every signature sniff knows sits in the first few bytes; text is judged on this much.
SNIFF_BYTES = 64 * 1024


class IntakeReason(StrEnum):
    """Why the locker would not take a file, in a form that does not change with the wording."""

    EMPTY = "empty"  # nothing in it
    KIND = "kind"  # a kind of file the locker does not take
    OVERSIZED = "oversized"  # a picture claiming to be impossibly large


class IntakeError(ReclaimError):
    """A file the locker will not take; the message says why and what to do instead.

    ``reason`` lets an interface say it in its own words (and language).
    """

    def __init__(self, message: str, reason: IntakeReason) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class FileType:
    """What a file is: its media type, in words, its kind, and whether a browser can show it."""

    media_type: str
    label: str
    kind: str
    previewable: bool = False


ACCEPTED = (
    "pictures (JPEG, PNG, GIF, WebP, HEIC, BMP, TIFF), videos (MP4, MOV, WebM, AVI), "
    "audio (MP3, M4A, OGG, WAV, FLAC), PDF, text files and ZIP archives such as chat exports"
)
_SIGNATURES = (
    (b"\xff\xd8\xff", FileType("image/jpeg", "JPEG picture", "image", True)),
    (b"\x89PNG\r\n\x1a\n", FileType("image/png", "PNG picture", "image", True)),
    (b"GIF87a", FileType("image/gif", "GIF picture", "image", True)),
    (b"GIF89a", FileType("image/gif", "GIF picture", "image", True)),
    (b"II*\x00", FileType("image/tiff", "TIFF picture", "image")),
    (b"MM\x00*", FileType("image/tiff", "TIFF picture", "image")),
    (b"BM", FileType("image/bmp", "BMP picture", "image", True)),
    (b"%PDF-", FileType("application/pdf", "PDF document", "document")),
    (b"PK\x03\x04", FileType("application/zip", "ZIP archive", "archive")),
    (b"PK\x05\x06", FileType("application/zip", "ZIP archive", "archive")),
    (b"OggS", FileType("audio/ogg", "Ogg audio or video", "audio")),
    (b"fLaC", FileType("audio/flac", "FLAC audio", "audio")),
    (b"ID3", FileType("audio/mpeg", "MP3 audio", "audio")),
)
_RIFF = {
    b"WEBP": FileType("image/webp", "WebP picture", "image", True),
    b"WAVE": FileType("audio/wav", "WAV audio", "audio"),
    b"AVI ": FileType("video/x-msvideo", "AVI video", "video"),
}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_CONTROL_BYTES = frozenset(set(range(32)) - {9, 10, 12, 13, 27} | {127})
_TEXT_TYPES = {
    "html": "text/html",
    "htm": "text/html",
    "csv": "text/csv",
    "json": "application/json",
}


def sniff(head: bytes, name: str) -> FileType:
    """Return the type of a file from its first bytes (up to SNIFF_BYTES); raise IntakeError."""
    if not head:
        raise IntakeError(
            "This file is empty, so there is nothing to keep. Try another copy.", IntakeReason.EMPTY
        )
    for signature, file_type in _SIGNATURES:
        if head.startswith(signature):
            return file_type
    found = _container(head) or _mp3_frame(head) or _text(head, name)
    if found is None:
        raise IntakeError(
            f"The locker cannot take this kind of file. It takes {ACCEPTED}. If it is a "
            "screenshot or photo, saving it again as JPEG or PNG usually works.",
            IntakeReason.KIND,
        )
    return found


def _container(head: bytes) -> FileType | None:
    if head[:4] == b"RIFF" and head[8:12] in _RIFF:
        return _RIFF[head[8:12]]
    if head[:4] == b"\x1a\x45\xdf\xa3":
        if b"webm" in head[:64]:
            return FileType("video/webm", "WebM video", "video")
        return FileType("video/x-matroska", "Matroska video", "video")
    if head[4:8] != b"ftyp":
        return None
    brand = head[8:12]
    if brand in _HEIF_BRANDS:
        return FileType("image/heic", "HEIC picture", "image")
    if brand in (b"avif", b"avis"):
        return FileType("image/avif", "AVIF picture", "image")
    if brand in (b"M4A ", b"M4B "):
        return FileType("audio/mp4", "M4A audio", "audio")
    if brand == b"qt  ":
        return FileType("video/quicktime", "QuickTime video", "video")
    if brand.startswith(b"3g"):
        return FileType("video/3gpp", "3GP video", "video")
    return FileType("video/mp4", "MP4 video", "video")


def _mp3_frame(head: bytes) -> FileType | None:
    # An MPEG audio frame starts with 11 set bits; a JPEG (FF D8) does not match this.
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return FileType("audio/mpeg", "MP3 audio", "audio")
    return None


def _text(head: bytes, name: str) -> FileType | None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return FileType("text/plain; charset=utf-16", "text file", "text")
    if any(byte in _CONTROL_BYTES for byte in head):
        return None  # programs and binary data have control bytes; text has none
    for cut in range(4):  # the head may end in the middle of a character
        try:
            head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        media_type = _TEXT_TYPES.get(extension, "text/plain")
        return FileType(f"{media_type}; charset=utf-8", "text file", "text")
    return None


def read_metadata(stream: BinaryIO, file_type: FileType) -> dict[str, str]:
    """Return what can be read about a picture without changing it (all values text).

    Raises IntakeError for a picture that claims to be impossibly large. A damaged picture
    is not an error (its bytes are still evidence): it gets ``readable: no`` and why.
    Other kinds of file return an empty dict. The stream is left where it was.
    """
    if file_type.kind != "image":
        return {}
    start = stream.tell()
    try:
        return _image_metadata(stream)
    finally:
        stream.seek(start)


def _image_metadata(stream: BinaryIO) -> dict[str, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(stream)  # reads the header only
    except Image.DecompressionBombError:
        raise _bomb() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        return {"readable": "no", "problem": _problem(error)}
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        raise _bomb()
    found = {
        "width": str(width),
        "height": str(height),
        "format": str(image.format),
        "mode": image.mode,
        "frames": str(getattr(image, "n_frames", 1)),
    }
    if width * height > MAX_CHECKED_PIXELS:
        return found | _exif_without_pixels(image)
    return found | _exif(image) | _decodes(image)


def _bomb() -> IntakeError:
    return IntakeError(
        "This picture says it is far larger than any camera makes, which is how files made "
        "to crash programs look. It was not saved. If it is a real photo, try saving a "
        "smaller copy.",
        IntakeReason.OVERSIZED,
    )


def _decodes(image: Image.Image) -> dict[str, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
            image.load()
    except (OSError, SyntaxError, ValueError) as error:
        return {"readable": "no", "problem": _problem(error)}
    return {"readable": "yes"}


def _problem(error: Exception) -> str:
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__


def _exif_without_pixels(image: Image.Image) -> dict[str, str]:
    # Pillow decodes a whole PNG to look for EXIF after its pixels (getexif calls load):
    # a large one's EXIF is read only if it came before them, as the PNG standard asks.
    if image.format == "PNG" and "exif" not in image.info:
        return {}
    return _exif(image)


def _exif(image: Image.Image) -> dict[str, str]:
    try:
        exif = image.getexif()
        found = {
            "orientation": str(exif.get(ExifTags.Base.Orientation, 1)),
            "exif_make": _text_value(exif.get(ExifTags.Base.Make)),
            "exif_model": _text_value(exif.get(ExifTags.Base.Model)),
            "exif_software": _text_value(exif.get(ExifTags.Base.Software)),
            "exif_datetime_original": _text_value(
                exif.get_ifd(EXIF_IFD).get(ExifTags.Base.DateTimeOriginal)
            ),
        }
        found |= _gps(exif.get_ifd(GPS_IFD))
    except (OSError, SyntaxError, ValueError, KeyError, TypeError, struct.error):
        return {}  # a malformed EXIF block: the picture is still kept, without these
    return {key: value for key, value in found.items() if value}


def _text_value(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip("\x00 ") if value is not None else ""


def _gps(gps: dict[int, object]) -> dict[str, str]:
    if not gps:
        return {}
    found = {"gps": "yes"}
    latitude = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
    longitude = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
    if latitude is not None and longitude is not None:
        found["gps_position"] = f"{latitude:.6f}, {longitude:.6f}"
    return found


def _degrees(parts: object, reference: object) -> float | None:
    if not isinstance(parts, tuple) or len(parts) != 3:
        return None
    degrees, minutes, seconds = (Fraction(str(float(part))) for part in parts)
    value = float(degrees + minutes / 60 + seconds / 3600)
    return -value if _text_value(reference) in ("S", "W") else value
