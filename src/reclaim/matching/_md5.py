"""Exact matching of MD5 digests: how StopNCII matches videos today."""

import re
from collections.abc import Iterable, Sequence

from reclaim.matching._types import MatchingError

_MD5 = re.compile(r"[0-9a-f]{32}")


class Md5Index:
    """A bank of MD5 digests under integer ids, looked up exactly."""

    def __init__(self) -> None:
        self._digest_of: dict[int, str] = {}
        self._ids_of: dict[str, set[int]] = {}

    def add(self, ids: Sequence[int], md5_hex_list: Sequence[str]) -> None:
        """Add digests under ids; an id already present is replaced."""
        if len(ids) != len(md5_hex_list):
            raise MatchingError(f"{len(ids)} ids for {len(md5_hex_list)} digests")
        digests = [_digest(text) for text in md5_hex_list]
        for id_, digest in zip(ids, digests, strict=True):
            self.remove([id_])
            self._digest_of[int(id_)] = digest
            self._ids_of.setdefault(digest, set()).add(int(id_))

    def remove(self, ids: Iterable[int]) -> None:
        """Withdraw ids; unknown ids are ignored."""
        for id_ in ids:
            digest = self._digest_of.pop(int(id_), None)
            if digest is not None:
                self._ids_of[digest].discard(int(id_))
                if not self._ids_of[digest]:
                    del self._ids_of[digest]

    def query(self, md5_hex: str) -> list[int]:
        """Return the ids whose digest equals md5_hex, in ascending order."""
        return sorted(self._ids_of.get(_digest(md5_hex), ()))

    def snapshot(self) -> "Md5Index":
        """Return a copy that answers as this index does now, whatever changes it later."""
        copy = Md5Index()
        copy._digest_of = dict(self._digest_of)
        copy._ids_of = {digest: set(ids) for digest, ids in self._ids_of.items()}
        return copy

    def __len__(self) -> int:
        """Return the number of ids held."""
        return len(self._digest_of)


def _digest(text: str) -> str:
    value = text.strip().lower() if isinstance(text, str) else ""
    if not _MD5.fullmatch(value):
        raise MatchingError(f"an MD5 digest is 32 hexadecimal characters, not {text!r}")
    return value
