"""Scratch folders: where decrypted evidence may exist, briefly, and never outlive its writer.

Exports and captures hold plaintext on disk while they work. They do it in a scratch folder:
private (0700), named with SCRATCH_TAG, and marked by a file its writer holds locked (flock)
for as long as it works. The folder is removed when the work fails; if the writer was killed
the kernel drops its lock, and the next writer under the same parent recognises the folder
as abandoned (tagged, marked, unlocked) and removes it.
"""

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from reclaim.files import PRIVATE_FOLDER_MODE, open_private, sync_folder

SCRATCH_TAG = ".reclaim-scratch-"
MARKER = ".reclaim-scratch"


class Scratch:
    """A private folder for decrypted files, held by this process while it works."""

    def __init__(self, parent: Path, name: str) -> None:
        parent.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(dir=parent, prefix=f".{name}{SCRATCH_TAG}"))
        # Locked before it takes its name, so no one ever sees the marker unlocked.
        self._marker: BinaryIO | None = open_private(self.path / f"{MARKER}.new")
        fcntl.flock(self._marker.fileno(), fcntl.LOCK_EX)
        os.rename(self.path / f"{MARKER}.new", self.path / MARKER)

    def keep_as(self, destination: Path) -> Path:
        """Move the finished folder to ``destination`` (it stops being scratch); return it."""
        (self.path / MARKER).unlink()
        os.replace(self.path, destination)
        sync_folder(destination.parent)
        self.path = destination
        self._release()
        return destination

    def remove(self) -> None:
        """Remove the folder and everything in it (unless it was kept)."""
        if self._marker is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            self._release()

    def _release(self) -> None:
        if self._marker is not None:
            self._marker.close()
            self._marker = None


@contextlib.contextmanager
def scratch_folder(parent: Path, name: str = "") -> Iterator[Scratch]:
    """Yield a new scratch folder under ``parent``; remove it afterwards unless it was kept.

    Scratch folders that killed writers left under ``parent`` are removed first.
    """
    remove_abandoned(parent)
    scratch = Scratch(parent, name)
    try:
        yield scratch
    finally:
        scratch.remove()


def remove_abandoned(parent: Path) -> list[Path]:
    """Remove the scratch folders under ``parent`` whose writers are gone; return them."""
    removed = []
    for folder in sorted(parent.glob(f".*{SCRATCH_TAG}*")) if parent.is_dir() else []:
        if not folder.is_dir() or folder.is_symlink():
            continue
        # A writer killed while it made its folder leaves the marker unnamed (".new") or no
        # marker at all; neither holds plaintext yet. (A writer alive in that instant finds
        # its folder gone and fails: nothing of it is lost.)
        if _abandoned(folder / MARKER) or _abandoned(folder / f"{MARKER}.new"):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        else:
            with contextlib.suppress(OSError):  # only an empty folder can be removed so
                folder.rmdir()
                removed.append(folder)
    return removed


def _abandoned(marker: Path) -> bool:
    """Return True if ``marker`` exists and nobody holds its lock."""
    try:
        descriptor = os.open(marker, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False  # no marker: not a folder this code made, or one being kept
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # its writer is still at work
    finally:
        os.close(descriptor)
    return True
