"""Sealed blobs are padded: a blob's size on disk shows a bucket, never the file's exact size."""

import io
import os
import secrets
import stat
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from reclaim.locker import LOW_MEMORY_PROFILE, CorruptLockerError, Locker
from reclaim.locker._stream import (
    CHUNK_BYTES,
    MAGIC,
    MAGIC_UNPADDED,
    PAD_STEP_BYTES,
    SealError,
    padded_size,
    seal,
    sealed_size,
    unseal,
)

from ..lockers import copy_locker

KEY = bytes(range(32))
NAME = b"blob-name"
# Sizes around every boundary that matters: empty, a bucket's edge, a pad step, a chunk.
SIZES = [
    0,
    1,
    1000,
    1016,
    1017,
    4088,
    4089,
    PAD_STEP_BYTES - 9,
    PAD_STEP_BYTES - 8,
    PAD_STEP_BYTES,
    CHUNK_BYTES - 8,
    CHUNK_BYTES - 7,
    CHUNK_BYTES,
    2 * CHUNK_BYTES + 12345,
]


def sealed(data: bytes) -> bytes:
    return b"".join(seal(KEY, NAME, io.BytesIO(data)))


def opened(blob: bytes) -> bytes:
    return b"".join(unseal(KEY, NAME, io.BytesIO(blob)))


def seal_unpadded(data: bytes) -> bytes:
    """Seal as version 1 did (no padding), to show that old blobs still open."""
    cipher, prefix = AESGCM(KEY), secrets.token_bytes(7)
    chunks = [data[i : i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES)] or [b""]
    out = [MAGIC_UNPADDED + prefix]
    for counter, chunk in enumerate(chunks):
        nonce = prefix + struct.pack(">I?", counter, counter == len(chunks) - 1)
        out.append(cipher.encrypt(nonce, chunk, NAME))
    return b"".join(out)


def is_bucket(plain_bytes: int) -> bool:
    small = plain_bytes < PAD_STEP_BYTES and plain_bytes & (plain_bytes - 1) == 0
    return plain_bytes >= 1024 and (small or plain_bytes % PAD_STEP_BYTES == 0)


@pytest.mark.parametrize("size", SIZES)
def test_a_blob_round_trips_exactly_and_its_size_is_a_bucket(size: int) -> None:
    data = os.urandom(size)
    blob = sealed(data)
    assert opened(blob) == data
    assert len(blob) == sealed_size(size)
    assert is_bucket(padded_size(size))
    assert padded_size(size) >= size + 8


def test_files_of_nearby_sizes_give_blobs_of_the_same_size() -> None:
    assert len({len(sealed(bytes(size))) for size in range(1100, 2000, 37)}) == 1
    assert len({len(sealed(bytes(size))) for size in (70_000, 90_000, 131_000)}) == 1


def test_padding_overhead_stays_small_for_large_files() -> None:
    size = 10 * CHUNK_BYTES + 1
    assert padded_size(size) - size <= PAD_STEP_BYTES + 8


@pytest.mark.parametrize("size", [0, 5000, CHUNK_BYTES - 4, 3 * CHUNK_BYTES + 1])
def test_a_truncated_or_trimmed_blob_is_refused(size: int) -> None:
    blob = sealed(os.urandom(size))
    for cut in (1, 16, 17, len(blob) - 15 - 1):
        with pytest.raises(SealError):
            opened(blob[:-cut])


def test_a_padded_blob_relabelled_as_version_1_is_refused() -> None:
    """The version is bound into each chunk, so the padding cannot be passed off as data."""
    blob = sealed(b"evidence")
    with pytest.raises(SealError):
        opened(MAGIC_UNPADDED + blob[len(MAGIC) :])


@pytest.mark.parametrize("size", [0, 10, CHUNK_BYTES, CHUNK_BYTES + 3])
def test_version_1_blobs_still_open(size: int) -> None:
    data = os.urandom(size)
    assert opened(seal_unpadded(data)) == data


def test_a_locker_item_is_padded_on_disk_and_comes_back_whole(tmp_path: Path) -> None:
    box, _ = copy_locker(tmp_path / "locker", "a long passphrase")
    data = os.urandom(70_001)
    item = box.add(data, "photo.jpg", "image/jpeg")
    (blob,) = (box.root / "blobs").iterdir()
    assert blob.stat().st_size == sealed_size(70_001) == 15 + 2 * PAD_STEP_BYTES + 16
    assert b"".join(box.read(item.id)) == data
    blob.write_bytes(blob.read_bytes()[:-1])
    with pytest.raises(CorruptLockerError):
        b"".join(box.read(item.id))


def test_locker_files_and_folders_are_for_the_owner_alone(tmp_path: Path) -> None:
    previous = os.umask(0o022)  # a common default that would leave files world-readable
    try:
        box, _ = Locker.create(tmp_path / "locker", "a long passphrase", LOW_MEMORY_PROFILE)
        box.add(b"evidence", "note.txt", "text/plain")
    finally:
        os.umask(previous)
    for path in box.root.rglob("*"):
        if path.name == ".lock":
            continue  # empty; it only carries the lock
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path.relative_to(box.root)} is {oct(mode)}"
