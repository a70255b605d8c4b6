"""Sealed blobs: AES-256-GCM in fixed-size chunks (the STREAM construction).

Each chunk's nonce is a random 7-byte prefix, a 4-byte counter and a last-chunk flag, so
reordered, dropped, appended or truncated chunks all fail authentication. The blob's name is
bound in as associated data, so one blob cannot be passed off as another.

Version 2 (``RCLMBLB2``) pads the plaintext so that a blob's size on disk does not give away
the exact size of the file: zeros, then the true size as an 8-byte trailer, up to the next
power of two below 64 KiB and to a multiple of 64 KiB above. Padding and trailer are sealed
with the rest, and the version is bound into the associated data, so neither can be changed
or stripped. Version 1 blobs (unpadded) still open.
"""

import secrets
import struct
from collections.abc import Iterator
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from reclaim.errors import ReclaimError

MAGIC = b"RCLMBLB2"
MAGIC_UNPADDED = b"RCLMBLB1"
PREFIX_BYTES = 7
TAG_BYTES = 16
CHUNK_BYTES = 1024 * 1024
KEY_BYTES = 32
# Sizes below this are padded to a power of two, sizes above it to a multiple of it.
PAD_STEP_BYTES = 64 * 1024
MIN_PADDED_BYTES = 1024
TRAILER = struct.Struct(">Q")


class Readable(Protocol):
    """Anything with ``read(size)`` returning bytes: a file, a BytesIO, a digesting reader."""

    def read(self, size: int = -1, /) -> bytes: ...


class SealError(ReclaimError):
    """A sealed blob failed authentication: it was changed, cut short or is not ours."""


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I?", counter, last)


def padded_size(size: int) -> int:
    """Return how many plaintext bytes a ``size``-byte file fills once padded (trailer included)."""
    needed = size + TRAILER.size
    if needed < PAD_STEP_BYTES:
        return max(MIN_PADDED_BYTES, 1 << (needed - 1).bit_length())
    return -(-needed // PAD_STEP_BYTES) * PAD_STEP_BYTES


def sealed_size(size: int) -> int:
    """Return the size on disk of a ``size``-byte file sealed by ``seal``."""
    padded = padded_size(size)
    return len(MAGIC) + PREFIX_BYTES + padded + TAG_BYTES * -(-padded // CHUNK_BYTES)


def seal(key: bytes, name: bytes, source: Readable) -> Iterator[bytes]:
    """Yield the sealed, padded form of everything read from ``source``, piece by piece."""
    cipher = AESGCM(key)
    prefix = secrets.token_bytes(PREFIX_BYTES)
    yield MAGIC + prefix
    pieces = _padded_chunks(source)
    chunk, counter = next(pieces), 0
    for following in pieces:
        yield cipher.encrypt(_nonce(prefix, counter, False), chunk, MAGIC + name)
        chunk, counter = following, counter + 1
    yield cipher.encrypt(_nonce(prefix, counter, True), chunk, MAGIC + name)


def _padded_chunks(source: Readable) -> Iterator[bytes]:
    """Yield ``source``, its padding and trailer, in pieces of CHUNK_BYTES (the last shorter)."""
    size, buffer = 0, bytearray()
    while data := source.read(CHUNK_BYTES):
        size += len(data)
        if not buffer and len(data) == CHUNK_BYTES:
            yield data  # the usual case: a whole chunk, passed on without a copy
            continue
        buffer += data
        while len(buffer) >= CHUNK_BYTES:
            yield bytes(buffer[:CHUNK_BYTES])
            del buffer[:CHUNK_BYTES]
    buffer += bytes(padded_size(size) - size - TRAILER.size) + TRAILER.pack(size)
    while buffer:
        yield bytes(buffer[:CHUNK_BYTES])
        del buffer[:CHUNK_BYTES]


def unseal(key: bytes, name: bytes, sealed: Readable) -> Iterator[bytes]:
    """Yield the plaintext of a sealed blob; raise SealError at the first bad chunk."""
    header = sealed.read(len(MAGIC) + PREFIX_BYTES)
    magic, prefix = header[: len(MAGIC)], header[len(MAGIC) :]
    if magic not in (MAGIC, MAGIC_UNPADDED) or len(prefix) != PREFIX_BYTES:
        raise SealError("not a sealed blob")
    if magic == MAGIC_UNPADDED:
        yield from (plain for plain, _ in _chunks(AESGCM(key), prefix, name, sealed))
        return
    yield from _unpadded(_chunks(AESGCM(key), prefix, MAGIC + name, sealed))


def _chunks(
    cipher: AESGCM, prefix: bytes, associated: bytes, sealed: Readable
) -> Iterator[tuple[bytes, bool]]:
    """Yield each chunk's plaintext and whether it is the last; raise SealError on a bad one."""
    counter = 0
    chunk = sealed.read(CHUNK_BYTES + TAG_BYTES)
    while True:
        following = sealed.read(CHUNK_BYTES + TAG_BYTES)
        last = not following
        try:
            yield cipher.decrypt(_nonce(prefix, counter, last), chunk, associated), last
        except InvalidTag:
            raise SealError("the blob was changed or cut short") from None
        if last:
            return
        chunk, counter = following, counter + 1


def _unpadded(chunks: Iterator[tuple[bytes, bool]]) -> Iterator[bytes]:
    """Yield the plaintext without its padding and trailer.

    Padding is shorter than a chunk, so it lies in the last two: each chunk is held back
    until the next one shows whether the end has come.
    """
    held, passed = b"", 0
    for plain, last in chunks:
        if not last:
            if held:
                yield held
                passed += len(held)
            held = plain
            continue
        tail = held + plain
        (size,) = TRAILER.unpack(tail[-TRAILER.size :]) if len(tail) >= TRAILER.size else (-1,)
        if size < passed or padded_size(size) != passed + len(tail):
            raise SealError("the blob's padding is not as it was sealed")
        if size > passed:
            yield tail[: size - passed]


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
