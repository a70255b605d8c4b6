"""Keys: a passphrase or a recovery code, stretched with Argon2id, unwraps the master key."""

import base64
import re
import secrets
import time
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw

from reclaim.errors import ReclaimError

KEY_BYTES = 32
SALT_BYTES = 16
RECOVERY_CODE_BYTES = 20  # 160 random bits, shown as 32 base32 characters
CALIBRATION_TARGET_SECONDS = 0.5
MAX_TIME_COST = 12


class KdfError(ReclaimError):
    """Key-derivation parameters weaker than the floor this locker accepts."""


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost: passes over memory, memory in KiB, and lanes."""

    time_cost: int
    memory_kib: int
    parallelism: int

    def check(self) -> None:
        """Raise KdfError if weaker than RFC 9106's second recommended (low-memory) option."""
        floor = LOW_MEMORY_PROFILE
        if self.time_cost < floor.time_cost or self.memory_kib < floor.memory_kib:
            raise KdfError("Argon2id settings are below RFC 9106's low-memory profile")

    def derive(self, secret: bytes, salt: bytes) -> bytes:
        """Return a 32-byte key stretched from ``secret``."""
        self.check()
        return hash_secret_raw(
            secret, salt, self.time_cost, self.memory_kib, self.parallelism, KEY_BYTES, Type.ID
        )


# RFC 9106 section 4, second recommended option: t=3, p=4, m=64 MiB.
LOW_MEMORY_PROFILE = KdfParams(time_cost=3, memory_kib=64 * 1024, parallelism=4)


def calibrate(target_seconds: float = CALIBRATION_TARGET_SECONDS) -> KdfParams:
    """Return the low-memory profile with more passes until one derivation takes the target.

    Each timed derivation has a fresh salt, so that no cache of keys (the tests keep one) can
    answer it without doing the work being timed.
    """
    params = LOW_MEMORY_PROFILE
    while params.time_cost < MAX_TIME_COST:
        started = time.perf_counter()
        params.derive(b"calibration", new_salt())
        if time.perf_counter() - started >= target_seconds:
            break
        params = KdfParams(params.time_cost + 1, params.memory_kib, params.parallelism)
    return params


def new_key() -> bytes:
    """Return a fresh random 256-bit key."""
    return secrets.token_bytes(KEY_BYTES)


def new_salt() -> bytes:
    """Return a fresh random salt."""
    return secrets.token_bytes(SALT_BYTES)


def new_recovery_code() -> str:
    """Return a recovery code to write down: 8 groups of 4 characters."""
    text = base64.b32encode(secrets.token_bytes(RECOVERY_CODE_BYTES)).decode()
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def normalise_recovery_code(code: str) -> bytes:
    """Return the code as the bytes the key is derived from, forgiving spaces, dashes, case."""
    return re.sub(r"[^A-Z2-7]", "", code.upper()).encode()
