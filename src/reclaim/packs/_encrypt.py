"""Encrypt a whole pack for one recipient in the age format (age-encryption.org), so that it
can travel by email or USB; the recipient opens it with `age -d -i KEY pack.tar.age | tar x`.

The tar is written into a pipe that age reads from: no plaintext tar ever touches the disk.
"""

import os
import tarfile
import threading
from pathlib import Path
from typing import BinaryIO

import pyrage

from reclaim.files import open_private, sync_folder
from reclaim.locker import scratch_folder
from reclaim.packs._export import PackError, PackReason


def encrypt_pack(pack: Path, recipient: str, output: Path) -> Path:
    """Write ``pack`` as a tar encrypted to the age ``recipient`` (age1...); return ``output``."""
    try:
        key = pyrage.x25519.Recipient.from_str(recipient.strip())
    except pyrage.RecipientError:
        raise PackError(
            f"{recipient!r} is not an age recipient (it starts with age1)", PackReason.RECIPIENT
        ) from None
    if output.exists():
        raise PackError(f"{output} already exists", PackReason.EXISTS)
    # Only ciphertext is written, but a half-written one is still litter: it goes in a scratch
    # folder, which the next export or encryption here removes if this process is killed.
    with scratch_folder(output.parent, output.name) as scratch:
        partial = scratch.path / output.name
        with open_private(partial) as sealed:
            _encrypt_tar(pack, key, sealed)
            sealed.flush()
            os.fsync(sealed.fileno())
        os.replace(partial, output)
        sync_folder(output.parent)
    return output


def _encrypt_tar(pack: Path, key: pyrage.x25519.Recipient, sealed: BinaryIO) -> None:
    """Stream a tar of ``pack`` through age into ``sealed``, by way of a pipe."""
    read_end, write_end = os.pipe()
    failures: list[BaseException] = []
    writer = threading.Thread(target=_write_tar, args=(pack, write_end, failures), daemon=True)
    writer.start()
    with open(read_end, "rb") as plain:
        try:
            pyrage.encrypt_io(plain, sealed, [key])
        finally:
            plain.close()  # a writer still at work gets a broken pipe and stops
            writer.join()
    if failures:
        raise PackError(f"the pack could not be archived: {failures[0]}") from failures[0]


def _write_tar(pack: Path, write_end: int, failures: list[BaseException]) -> None:
    try:
        with open(write_end, "wb") as pipe, tarfile.open(fileobj=pipe, mode="w|") as archive:
            archive.add(pack, arcname=pack.name)
    except BaseException as error:  # handed to the encrypting thread, which raises it
        failures.append(error)
