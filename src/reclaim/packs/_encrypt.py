"""Encrypt a whole pack for one recipient in the age format (age-encryption.org), so that it
can travel by email or USB; the recipient opens it with `age -d -i KEY pack.tar.age | tar x`."""

import os
import tarfile
import tempfile
from pathlib import Path

import pyrage

from reclaim.packs._export import PackError


def encrypt_pack(pack: Path, recipient: str, output: Path) -> Path:
    """Write ``pack`` as a tar encrypted to the age ``recipient`` (age1...); return ``output``."""
    try:
        key = pyrage.x25519.Recipient.from_str(recipient.strip())
    except pyrage.RecipientError:
        raise PackError(f"{recipient!r} is not an age recipient (it starts with age1)") from None
    if output.exists():
        raise PackError(f"{output} already exists")
    handle, plain = tempfile.mkstemp(dir=output.parent, suffix=".tar.tmp")
    os.close(handle)
    partial = output.with_name(output.name + ".partial")
    try:
        with tarfile.open(plain, "w") as archive:
            archive.add(pack, arcname=pack.name)
        pyrage.encrypt_file(plain, str(partial), [key])
        os.replace(partial, output)
    finally:
        Path(plain).unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    return output
