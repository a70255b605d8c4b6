"""locker.json: read and check the header before anything in it is used."""

import json
from pathlib import Path

from reclaim.locker._errors import CorruptLockerError, LockerError

HEADER = "locker.json"
FORMAT = "reclaim-locker"
VERSION = 1

# Field -> what it must hold. inbox_key and inbox_private are absent from old lockers.
_SLOT = {"salt": str, "wrapped_key": str}
_KDF = {"algorithm": str, "time_cost": int, "memory_kib": int, "parallelism": int}
_REQUIRED: dict[str, object] = {
    "kdf": _KDF,
    "passphrase": _SLOT,
    "recovery": _SLOT,
    "signing_key": str,
    "public_key": str,
}
_OPTIONAL: dict[str, object] = {"inbox_key": str, "inbox_private": str}
# Bounds that keep a damaged header from asking for a day of work or a terabyte of memory.
_COST_RANGES = {"time_cost": (1, 64), "memory_kib": (8, 4 * 1024 * 1024), "parallelism": (1, 64)}


def read_header(root: Path) -> dict[str, object]:
    """Return the checked header of the locker at ``root``.

    Raises LockerError if there is none or it is not a Reclaim locker, and CorruptLockerError
    naming the file and the fault if it is malformed.
    """
    path = root / HEADER
    try:
        header = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise LockerError(f"there is no locker at {root}") from None
    except OSError as error:
        raise LockerError(f"{path} cannot be read: {error.strerror}") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise _malformed(path, f"it is not JSON text ({error})") from None
    if not isinstance(header, dict):
        raise _malformed(path, f"it holds a JSON {type(header).__name__}, not an object")
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise LockerError(f"{root} is not a Reclaim locker this version can open")
    _check_fields(path, header, _REQUIRED, required=True)
    _check_fields(path, header, _OPTIONAL, required=False)
    _check_costs(path, header["kdf"])
    return header


def _check_costs(path: Path, kdf: dict[str, object]) -> None:
    for name, (low, high) in _COST_RANGES.items():
        value = kdf[name]
        assert isinstance(value, int)
        if not low <= value <= high:
            raise _malformed(path, f"kdf.{name} is {value}, outside {low} to {high}")


def _check_fields(
    path: Path, found: dict[str, object], shape: dict[str, object], required: bool, where: str = ""
) -> None:
    for name, kind in shape.items():
        label = f"{where}{name}"
        if name not in found:
            if required:
                raise _malformed(path, f"the field {label!r} is missing")
            continue
        value = found[name]
        if isinstance(kind, dict):
            if not isinstance(value, dict):
                raise _malformed(path, f"the field {label!r} is not an object")
            _check_fields(path, value, kind, required=True, where=f"{label}.")
        elif not isinstance(kind, type) or not isinstance(value, kind) or isinstance(value, bool):
            wanted = "text" if kind is str else "a whole number"
            raise _malformed(path, f"the field {label!r} is not {wanted}")


def _malformed(path: Path, fault: str) -> CorruptLockerError:
    return CorruptLockerError(
        f"{path} is damaged: {fault}. It holds the wrapped keys; restore it from a backup "
        "copy of the locker folder (nothing else in the locker was changed)"
    )
