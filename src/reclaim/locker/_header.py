"""locker.json: the header, read and checked once into a ``Header`` before anything in it is used.

It holds only what must be readable before the locker is unlocked: the Argon2id settings, the
master key wrapped twice (by the passphrase and by the recovery code), the signing key sealed
with the master key, the public key, and the inbox key pair (its private half sealed).
"""

import base64
import binascii
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

from argon2.exceptions import HashingError
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from reclaim.files import write_atomically
from reclaim.locker._errors import CorruptLockerError, LockerError, WrongKeyError
from reclaim.locker._keys import KdfError, KdfParams, new_salt
from reclaim.locker._stream import SealError, seal_bytes, unseal_bytes

HEADER = "locker.json"
FORMAT = "reclaim-locker"
VERSION = 1
KDF_ALGORITHM = "argon2id"
Slot = Literal["passphrase", "recovery"]

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


@dataclass(frozen=True)
class WrappedKey:
    """The master key sealed with a key stretched (Argon2id) from a secret and this salt."""

    salt: bytes
    sealed: bytes

    @classmethod
    def wrap(cls, master: bytes, kdf: KdfParams, secret: bytes, slot: Slot) -> "WrappedKey":
        """Return ``master`` wrapped by the key ``secret`` stretches to, with a fresh salt."""
        salt = new_salt()
        return cls(salt, seal_bytes(kdf.derive(secret, salt), slot.encode(), master))

    def fields(self) -> dict[str, str]:
        """Return the slot as locker.json holds it."""
        return {"salt": _b64(self.salt), "wrapped_key": _b64(self.sealed)}


@dataclass(frozen=True)
class Header:
    """What locker.json holds, checked and decoded."""

    kdf: KdfParams
    passphrase: WrappedKey
    recovery: WrappedKey
    signing_key: bytes  # the Ed25519 private key, sealed with the master key
    public_key: bytes  # its public half, raw
    inbox_key: bytes | None = None  # X25519 public key, raw; None in lockers made before it
    inbox_private: bytes | None = None  # its private half, sealed with the master key
    kdf_algorithm: str = KDF_ALGORITHM

    @classmethod
    def new(cls, master: bytes, kdf: KdfParams, passphrase: bytes, recovery: bytes) -> "Header":
        """Return the header of a new locker, with a new signing key and inbox key pair."""
        signing = Ed25519PrivateKey.generate()
        header = cls(
            kdf=kdf,
            passphrase=WrappedKey.wrap(master, kdf, passphrase, "passphrase"),
            recovery=WrappedKey.wrap(master, kdf, recovery, "recovery"),
            signing_key=seal_bytes(master, b"signing-key", _private_bytes(signing)),
            public_key=signing.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
        )
        return header.with_inbox(master)

    def with_passphrase(self, master: bytes, passphrase: bytes) -> "Header":
        """Return this header with the master key wrapped by a new passphrase."""
        return replace(self, passphrase=WrappedKey.wrap(master, self.kdf, passphrase, "passphrase"))

    def with_inbox(self, master: bytes) -> "Header":
        """Return this header with a new inbox key pair (captures are sealed to its public half)."""
        inbox = X25519PrivateKey.generate()
        sealed = seal_bytes(master, b"inbox-key", _private_bytes(inbox))
        public = inbox.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return replace(self, inbox_key=public, inbox_private=sealed)

    def master_key(self, root: Path, slot: Slot, secret: bytes) -> bytes:
        """Return the master key that ``secret`` unwraps from ``slot``.

        Raises WrongKeyError if it does not, CorruptLockerError if the settings are unusable.
        """
        wrapped = self.passphrase if slot == "passphrase" else self.recovery
        try:
            stretched = self.kdf.derive(secret, wrapped.salt)
        except (ValueError, KdfError, HashingError) as error:
            raise CorruptLockerError(f"{root / HEADER} is damaged: {error}") from None
        try:
            return unseal_bytes(stretched, slot.encode(), wrapped.sealed)
        except SealError:
            words = "passphrase" if slot == "passphrase" else "recovery code"
            raise WrongKeyError(f"that {words} does not open this locker") from None

    def signing(self, master: bytes) -> Ed25519PrivateKey:
        """Return the locker's signing key; raise WrongKeyError if ``master`` is not its key."""
        try:
            private = unseal_bytes(master, b"signing-key", self.signing_key)
            return Ed25519PrivateKey.from_private_bytes(private)
        except (SealError, ValueError):
            raise WrongKeyError("that key does not open this locker") from None

    def inbox_public(self) -> X25519PublicKey | None:
        """Return the key captures are sealed to, or None if the locker has none yet."""
        return None if self.inbox_key is None else X25519PublicKey.from_public_bytes(self.inbox_key)

    def inbox(self, master: bytes) -> X25519PrivateKey:
        """Return the inbox's private key, unsealed with the master key."""
        if self.inbox_private is None:
            raise LockerError("this locker has no inbox key yet: open it once")
        private = unseal_bytes(master, b"inbox-key", self.inbox_private)
        return X25519PrivateKey.from_private_bytes(private)

    def serialise(self) -> bytes:
        """Return locker.json's bytes: the same fields, in the same order, as ever."""
        fields: dict[str, object] = {
            "format": FORMAT,
            "version": VERSION,
            "kdf": {"algorithm": self.kdf_algorithm, **asdict(self.kdf)},
            "passphrase": self.passphrase.fields(),
            "recovery": self.recovery.fields(),
            "signing_key": _b64(self.signing_key),
            "public_key": _b64(self.public_key),
        }
        if self.inbox_key is not None:
            fields["inbox_key"] = _b64(self.inbox_key)
        if self.inbox_private is not None:
            fields["inbox_private"] = _b64(self.inbox_private)
        return json.dumps(fields, indent=2).encode()

    def write(self, root: Path) -> None:
        """Replace locker.json at ``root`` with this header, atomically."""
        write_atomically(root / HEADER, self.serialise())


def read_header(root: Path) -> Header:
    """Return the checked header of the locker at ``root``.

    Raises LockerError if there is none or it is not a Reclaim locker, and CorruptLockerError
    naming the file and the fault if it is malformed.
    """
    path = root / HEADER
    try:
        fields = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise LockerError(f"there is no locker at {root}") from None
    except OSError as error:
        raise LockerError(f"{path} cannot be read: {error.strerror}") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise _malformed(path, f"it is not JSON text ({error})") from None
    if not isinstance(fields, dict):
        raise _malformed(path, f"it holds a JSON {type(fields).__name__}, not an object")
    if fields.get("format") != FORMAT or fields.get("version") != VERSION:
        raise LockerError(f"{root} is not a Reclaim locker this version can open")
    _check_fields(path, fields, _REQUIRED, required=True)
    _check_fields(path, fields, _OPTIONAL, required=False)
    _check_costs(path, fields["kdf"])
    return _parse(path, fields)


def _parse(path: Path, fields: dict[str, Any]) -> Header:
    """Return the header of ``fields``, which ``_check_fields`` found of the right shape."""

    def decoded(*names: str) -> bytes:
        value = fields
        for name in names:
            value = value[name]
        return _unb64(path, ".".join(names), value)

    kdf = fields["kdf"]
    inbox = {name: decoded(name) for name in ("inbox_key", "inbox_private") if name in fields}
    return Header(
        kdf=KdfParams(kdf["time_cost"], kdf["memory_kib"], kdf["parallelism"]),
        passphrase=WrappedKey(decoded("passphrase", "salt"), decoded("passphrase", "wrapped_key")),
        recovery=WrappedKey(decoded("recovery", "salt"), decoded("recovery", "wrapped_key")),
        signing_key=decoded("signing_key"),
        public_key=decoded("public_key"),
        kdf_algorithm=kdf["algorithm"],
        **inbox,
    )


def _check_costs(path: Path, kdf: object) -> None:
    assert isinstance(kdf, dict)  # _check_fields checked its shape
    for name, (low, high) in _COST_RANGES.items():
        value = kdf[name]
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


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(path: Path, label: str, text: object) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError):
        raise _malformed(path, f"the field {label!r} is not base64") from None


def _private_bytes(key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def _malformed(path: Path, fault: str) -> CorruptLockerError:
    return CorruptLockerError(
        f"{path} is damaged: {fault}. It holds the wrapped keys; restore it from a backup "
        "copy of the locker folder (nothing else in the locker was changed)"
    )
