"""A folder of the locker whose files are each sealed with the master key and bound to a name.

Records, incidents, removal requests, timestamp tokens and the timestamp queues are all kept
this way: sealed (AES-GCM, with associated data naming what the file is, so a file moved under
another name or into another folder fails to unseal), written atomically, and read back
whole or refused as damaged.
"""

import json
from pathlib import Path
from typing import Any

from reclaim.files import PRIVATE_FOLDER_MODE, write_atomically
from reclaim.locker._errors import CorruptLockerError
from reclaim.locker._stream import SealError, seal_bytes, unseal_bytes


class SealedFolder:
    """Sealed files in ``folder``; the file ``name`` is bound to ``"{label}:{name}"``."""

    def __init__(self, folder: Path, master: bytes, label: str) -> None:
        self.folder = folder
        self._master = master
        self._label = label

    def write(self, name: str, data: bytes, aad: bytes | None = None) -> None:
        """Seal ``data`` as the file ``name`` (bound to ``aad`` if given), replacing it whole."""
        # Lockers made before removal requests or timestamps existed lack their folder.
        self.folder.mkdir(mode=PRIVATE_FOLDER_MODE, exist_ok=True)
        sealed = seal_bytes(self._master, aad or self._aad(name), data)
        write_atomically(self.folder / name, sealed)

    def read(self, name: str, what: str, aad: bytes | None = None) -> bytes:
        """Return the plaintext of ``name``; raise CorruptLockerError saying ``what`` is damaged."""
        try:
            sealed = (self.folder / name).read_bytes()
            return unseal_bytes(self._master, aad or self._aad(name), sealed)
        except (OSError, SealError) as error:
            raise CorruptLockerError(f"{what} is missing or damaged") from error

    def write_json(self, name: str, value: object, aad: bytes | None = None) -> None:
        """Seal ``value`` as JSON text into the file ``name``."""
        self.write(name, json.dumps(value).encode(), aad)

    def read_json(self, name: str, what: str, aad: bytes | None = None) -> object:
        """Return the JSON value sealed in ``name`` (see ``read``)."""
        return json.loads(self.read(name, what, aad))

    def read_object(self, name: str, what: str) -> dict[str, Any]:
        """Return the JSON object sealed in ``name``; raise CorruptLockerError if it is not one."""
        found = self.read_json(name, what)
        if not isinstance(found, dict):
            raise CorruptLockerError(f"{what} is damaged: it holds no JSON object")
        return found

    def exists(self, name: str) -> bool:
        """Return whether the file ``name`` is there (whole or not)."""
        return (self.folder / name).exists()

    def _aad(self, name: str) -> bytes:
        return f"{self._label}:{name}".encode()
