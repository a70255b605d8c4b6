"""Sealed blobs: AES-256-GCM in fixed-size chunks (the STREAM construction).

Each chunk's nonce is a random 7-byte prefix, a 4-byte counter and a last-chunk flag, so
reordered, dropped, appended or truncated chunks all fail authentication. The blob's name is
bound in as associated data, so one blob cannot be passed off as another.
"""

import secrets
import struct
from collections.abc import Iterator
from typing import BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from reclaim.errors import ReclaimError

MAGIC = b"RCLMBLB1"
PREFIX_BYTES = 7
TAG_BYTES = 16
CHUNK_BYTES = 1024 * 1024
KEY_BYTES = 32


class Readable(Protocol):
    """Anything with ``read(size)`` returning bytes: a file, a BytesIO, a digesting reader."""

    def read(self, size: int = -1, /) -> bytes: ...


class SealError(ReclaimError):
    """A sealed blob failed authentication: it was changed, cut short or is not ours."""


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I?", counter, last)


def seal(key: bytes, name: bytes, source: Readable) -> Iterator[bytes]:
    """Yield the sealed form of everything read from ``source``, piece by piece."""
    cipher = AESGCM(key)
    prefix = secrets.token_bytes(PREFIX_BYTES)
    yield MAGIC + prefix
    counter = 0
    chunk = source.read(CHUNK_BYTES)
    while True:
        following = source.read(CHUNK_BYTES)
        last = not following
        yield cipher.encrypt(_nonce(prefix, counter, last), chunk, name)
        if last:
            return
        chunk, counter = following, counter + 1


def unseal(key: bytes, name: bytes, sealed: BinaryIO) -> Iterator[bytes]:
    """Yield the plaintext of a sealed blob; raise SealError at the first bad chunk."""
    cipher = AESGCM(key)
    header = sealed.read(len(MAGIC) + PREFIX_BYTES)
    if header[: len(MAGIC)] != MAGIC or len(header) != len(MAGIC) + PREFIX_BYTES:
        raise SealError("not a sealed blob")
    prefix = header[len(MAGIC) :]
    counter = 0
    chunk = sealed.read(CHUNK_BYTES + TAG_BYTES)
    while True:
        following = sealed.read(CHUNK_BYTES + TAG_BYTES)
        last = not following
        try:
            yield cipher.decrypt(_nonce(prefix, counter, last), chunk, name)
        except InvalidTag:
            raise SealError("the blob was changed or cut short") from None
        if last:
            return
        chunk, counter = following, counter + 1


def seal_bytes(key: bytes, name: bytes, data: bytes) -> bytes:
    """Return a small value sealed as one chunk (records, keys)."""
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(key).encrypt(nonce, data, name)


def unseal_bytes(key: bytes, name: bytes, sealed: bytes) -> bytes:
    """Return the plaintext of ``seal_bytes`` output; raise SealError if it fails."""
    try:
        return AESGCM(key).decrypt(sealed[:12], sealed[12:], name)
    except (InvalidTag, ValueError):
        raise SealError("the record was changed or is not ours") from None
