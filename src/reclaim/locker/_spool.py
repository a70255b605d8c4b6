"""A temporary file for an upload in progress that never holds plaintext on disk.

Django's usual upload handler writes a large upload to the temporary folder as it arrives:
the person's picture would sit there in plaintext, and survive a crash. A SealedSpool
encrypts every byte as it is written (AES-256-CTR, with a random key that lives only in this
object's memory) into a file that is unlinked the moment it is made, so nothing readable is
left behind whatever happens. CTR lets a reader start at any offset, which Pillow needs.
"""

import os
import secrets
import tempfile
from pathlib import Path
from types import TracebackType

from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes

BLOCK_BYTES = 16


class SealedSpool:
    """Write once, sequentially; then seek and read back the plaintext."""

    def __init__(self, folder: Path) -> None:
        self._file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115  (closed by close())
        self._key = secrets.token_bytes(32)
        self._nonce = secrets.token_bytes(8)  # the counter block is nonce + 64-bit counter
        self._writer = self._cipher_at(0)
        self.size = 0
        self._position = 0
        self._reader: CipherContext | None = None

    def write(self, data: bytes) -> int:
        """Encrypt and append ``data``; return its length."""
        if self._reader is not None:
            raise ValueError("a SealedSpool is written once, then read")
        self._file.write(self._writer.update(data))
        self.size += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Move the read position (switching to reading); return it."""
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self.size}[whence]
        self._position = max(0, base + offset)
        self._file.flush()
        self._file.seek(self._position - self._position % BLOCK_BYTES)
        self._reader = self._cipher_at(self._position // BLOCK_BYTES)
        skip = self._position % BLOCK_BYTES
        self._reader.update(self._file.read(skip))
        return self._position

    def rewind(self) -> None:
        """Start reading from the beginning."""
        self.seek(0)

    def read(self, size: int = -1) -> bytes:
        """Return up to ``size`` bytes of plaintext from the read position (all if negative)."""
        if self._reader is None:
            self.seek(0)
        assert self._reader is not None
        data = self._reader.update(self._file.read(size))
        self._position += len(data)
        return data

    def tell(self) -> int:
        """Return the read position (or the size written so far, while writing)."""
        return self._position if self._reader is not None else self.size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return self._reader is None

    def close(self) -> None:
        """Close and so remove the file (it has no name to be found by)."""
        self._file.close()

    @property
    def closed(self) -> bool:
        return self._file.closed

    def __enter__(self) -> "SealedSpool":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _cipher_at(self, block: int) -> CipherContext:
        counter = self._nonce + block.to_bytes(8, "big")
        return Cipher(algorithms.AES256(self._key), modes.CTR(counter)).encryptor()
