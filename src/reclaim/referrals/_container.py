"""The one serialisation of a referral: the HTTPS body and the ``.reclaim-referral`` file.

    MAGIC (7 bytes "RCLMREF") | VERSION (1 byte)
    manifest length (4 bytes, big-endian) | the manifest, age-encrypted
    for each item, in the manifest's order:
        sealed length (8 bytes, big-endian) | the item's sealed blob, as the locker keeps it

Nothing but lengths is in the clear. Each length is bounded before anything is read, and each
item's length and SHA-256 must be the ones the manifest states, so a cut, a swap or an extra
byte is refused before any item is decrypted. Writing streams the blobs piece by piece.
"""

import hashlib
import io
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from reclaim.referrals._errors import (
    ReferralFormatError,
    TamperedReferralError,
    TruncatedReferralError,
)

MAGIC = b"RCLMREF"
CONTAINER_VERSION = 1
MAX_MANIFEST_BYTES = 8 * 1024 * 1024  # a thousand items' metadata fits many times over
MAX_ITEM_BYTES = 4 * 1024 * 1024 * 1024  # a long video; the web's upload limit is lower
MAX_REFERRAL_BYTES = 16 * 1024 * 1024 * 1024
READ_BYTES = 1024 * 1024
_MANIFEST_LENGTH = struct.Struct(">I")
_ITEM_LENGTH = struct.Struct(">Q")


def container_size(manifest_bytes: int, item_sizes: Sequence[int]) -> int:
    """Return the size of a container with a sealed manifest and items of these sizes."""
    head = len(MAGIC) + 1 + _MANIFEST_LENGTH.size + manifest_bytes
    return head + sum(_ITEM_LENGTH.size + size for size in item_sizes)


def container_pieces(sealed_manifest: bytes, blobs: Sequence[Path]) -> Iterator[bytes]:
    """Yield a container holding ``sealed_manifest`` and the blob files, piece by piece."""
    if len(sealed_manifest) > MAX_MANIFEST_BYTES:
        raise ReferralFormatError("the manifest is too large for one referral")
    yield MAGIC + bytes([CONTAINER_VERSION]) + _MANIFEST_LENGTH.pack(len(sealed_manifest))
    yield sealed_manifest
    for blob in blobs:
        with blob.open("rb") as source:
            size = source.seek(0, 2)
            source.seek(0)
            yield _ITEM_LENGTH.pack(size)
            while piece := source.read(READ_BYTES):
                yield piece


@dataclass(frozen=True)
class ContainerParts:
    """A container cut at its frames: the sealed manifest and each item's sealed blob."""

    sealed_manifest: bytes  # age ciphertext, as received
    sealed_items: tuple[memoryview, ...]  # in the manifest's order; views into the container


def split_container(data: bytes) -> ContainerParts:
    """Return the parts of the container ``data``, cut at its frames; nothing is decrypted.

    Only the framing is checked (magic, version, every length within its bound and within
    ``data``): this cuts a container that was opened and checked when it arrived, so that a
    helpline can keep each item apart (reclaim.web.console.referrals) and read one alone.
    Raises ReferralFormatError or TruncatedReferralError as ``read_head`` does.
    """
    source = io.BytesIO(data)
    sealed_manifest = read_head(source)
    view, at = memoryview(data), source.tell()
    items: list[memoryview] = []
    while at < len(data):
        frame = bytes(view[at : at + _ITEM_LENGTH.size])
        (length,) = _ITEM_LENGTH.unpack(frame) if len(frame) == _ITEM_LENGTH.size else (-1,)
        at += _ITEM_LENGTH.size
        if not 0 <= length <= MAX_ITEM_BYTES or at + length > len(data):
            raise TruncatedReferralError(f"the referral was cut short in item {len(items) + 1}")
        items.append(view[at : at + length])
        at += length
    return ContainerParts(sealed_manifest, tuple(items))


def join_container(sealed_manifest: bytes, sealed_items: Sequence[bytes]) -> bytes:
    """Return the container made of these parts: ``split_container`` undone, byte for byte."""
    head = MAGIC + bytes([CONTAINER_VERSION]) + _MANIFEST_LENGTH.pack(len(sealed_manifest))
    frames = [_ITEM_LENGTH.pack(len(blob)) + bytes(blob) for blob in sealed_items]
    return head + sealed_manifest + b"".join(frames)


def read_head(source: BinaryIO) -> bytes:
    """Return the sealed manifest at the start of a container; check magic and version."""
    start = source.read(len(MAGIC) + 1)
    if start[: len(MAGIC)] != MAGIC[: len(start)] or not start:
        raise ReferralFormatError("this is not a Reclaim referral")
    if len(start) < len(MAGIC) + 1:
        raise TruncatedReferralError("the referral was cut short before its manifest")
    if start[-1] != CONTAINER_VERSION:
        raise ReferralFormatError(
            f"this referral is format version {start[-1]}; this Reclaim reads version "
            f"{CONTAINER_VERSION}: update Reclaim to open it"
        )
    (length,) = _MANIFEST_LENGTH.unpack(_exactly(source, _MANIFEST_LENGTH.size, "manifest"))
    if length > MAX_MANIFEST_BYTES:
        raise ReferralFormatError("the referral's manifest is larger than any referral's")
    return _exactly(source, length, "manifest")


def read_frames(source: BinaryIO, expected: Sequence[tuple[int, str]]) -> list[int]:
    """Check each item's frame against (size, sealed SHA-256); return where each blob starts.

    ``source`` is positioned after the manifest. Raises TruncatedReferralError if it ends
    early, TamperedReferralError if a length or digest differs or bytes follow the last item.
    """
    offsets = []
    total = source.tell()
    for index, (size, sha256) in enumerate(expected, start=1):
        (length,) = _ITEM_LENGTH.unpack(_exactly(source, _ITEM_LENGTH.size, f"item {index}"))
        if length != size or length > MAX_ITEM_BYTES:
            raise TamperedReferralError(f"item {index} is not the size its manifest states")
        total += _ITEM_LENGTH.size + length
        if total > MAX_REFERRAL_BYTES:
            raise ReferralFormatError("the referral is larger than any referral may be")
        offsets.append(source.tell())
        if _digest(source, length, index) != sha256:
            raise TamperedReferralError(f"item {index} was changed after it was sealed")
    if source.read(1):
        raise TamperedReferralError("the referral has bytes after its last item")
    return offsets


def _digest(source: BinaryIO, length: int, index: int) -> str:
    digest, left = hashlib.sha256(), length
    while left:
        piece = source.read(min(left, READ_BYTES))
        if not piece:
            raise TruncatedReferralError(f"the referral was cut short in item {index}")
        digest.update(piece)
        left -= len(piece)
    return digest.hexdigest()


def _exactly(source: BinaryIO, length: int, what: str) -> bytes:
    data = source.read(length)
    if len(data) != length:
        raise TruncatedReferralError(f"the referral was cut short in its {what}")
    return data


class Window:
    """A reader over ``length`` bytes of a file from ``offset``: one item's sealed blob."""

    def __init__(self, source: BinaryIO, offset: int, length: int) -> None:
        self._source = source
        self._left = length
        source.seek(offset)

    def read(self, size: int = -1) -> bytes:
        """Return up to ``size`` bytes of the window (all that is left if negative)."""
        size = self._left if size < 0 else min(size, self._left)
        data = self._source.read(size)
        self._left -= len(data)
        return data
