"""Durable file writes: a file is either wholly there or not there at all."""

import fcntl
import os
import secrets
import threading
from pathlib import Path
from typing import BinaryIO

# Evidence and its keys are for the owner alone, whatever the umask says.
PRIVATE_FILE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old file or the new, never a mix."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    with open_private(temporary) as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    sync_folder(path.parent)


def open_private(path: Path) -> BinaryIO:
    """Return ``path`` opened to write, emptied, readable and writable by its owner alone."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    os.fchmod(descriptor, PRIVATE_FILE_MODE)  # a file that was already there keeps its mode
    return open(descriptor, "wb")


def sync_folder(folder: Path) -> None:
    """Make a rename or removal in ``folder`` survive a power cut."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def remove_temporaries(folder: Path) -> None:
    """Remove half-written files that a crash left behind."""
    for leftover in folder.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)


class FolderLock:
    """An exclusive lock on a folder, held across threads and processes (flock).

    Re-entrant for the object that holds it, so a locked method may call another.
    """

    def __init__(self, folder: Path) -> None:
        self._path = folder / ".lock"
        self._threads = threading.RLock()
        self._file: BinaryIO | None = None
        self._depth = 0

    def __enter__(self) -> None:
        self._threads.acquire()
        if self._depth == 0:
            self._file = self._path.open("a+b")
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX)
        self._depth += 1

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0 and self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        self._threads.release()
