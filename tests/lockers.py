"""Lockers for tests, made once per session and copied per test.

Argon2id at RFC 9106's low-memory profile (the floor the product enforces) takes about half a
second per derivation on a shared 2-core machine, and creating a locker derives twice (the
passphrase and the recovery code). Tests that need a locker, not the act of creating one, get
a byte-for-byte copy of a template made at that same floor: the copy is a real locker that
opens with the same passphrase and recovery code. Tests of creating a locker still create one.

A copy keeps the template's salts, so opening any copy with the template's passphrase derives
the very key the template did. ``remembered_hash`` lets such tests derive it once a session.
"""

import functools
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw

from reclaim.locker import LOW_MEMORY_PROFILE, Locker

# Each passphrase has its own template, made at most once per xdist worker: two Argon2id
# derivations (about a second). Tests that need a locker, whatever its passphrase, share this
# one; it is the passphrase of the many tests of tests/core/test_locker.py.
SHARED_PASSPHRASE = "correct horse battery staple"


@dataclass(frozen=True)
class Template:
    """A locker made once: its folder, its secrets, and the key that reopens it."""

    folder: Path
    passphrase: str
    recovery_code: str
    key: bytes


_templates: dict[str, Template] = {}
_made = threading.Lock()  # tests that start threads may ask for one at the same time
_home: list[Path] = []  # made on first use; each xdist worker is its own process


def template(passphrase: str) -> Template:
    """Return the session's template locker for ``passphrase``, made on first use."""
    with _made:
        if passphrase not in _templates:
            if not _home:
                _home.append(Path(tempfile.mkdtemp(prefix="reclaim-test-lockers-")))
            folder = _home[0] / f"template-{len(_templates)}"
            box, code = Locker.create(folder, passphrase, LOW_MEMORY_PROFILE)
            _templates[passphrase] = Template(folder, passphrase, code, box.session_key())
        return _templates[passphrase]


def copy_locker(root: Path, passphrase: str) -> tuple[Locker, str]:
    """Put a new locker at ``root`` (as ``Locker.create`` would); return it and its code.

    Every copy shares the template's keys: a test that needs two lockers with different keys
    creates the second one itself.
    """
    made = template(passphrase)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty")
    shutil.copytree(made.folder, root, dirs_exist_ok=True)
    return Locker.resume(root, made.key), made.recovery_code


@functools.cache
def remembered_hash(
    secret: bytes, salt: bytes, time_cost: int, memory_kib: int, parallelism: int, length: int,
    kind: Type,
) -> bytes:  # fmt: skip
    """Return argon2's ``hash_secret_raw`` of these arguments, computed once per session.

    The same function of the same arguments, so every key is the one Argon2id derives: a wrong
    passphrase (another secret) or another locker (another salt) is derived for real, and fails
    or opens exactly as before. Only the second derivation of the same key is not waited for.
    """
    return hash_secret_raw(secret, salt, time_cost, memory_kib, parallelism, length, kind)


def remove_templates() -> None:
    """Delete the session's template lockers (called once, when the session ends)."""
    for home in _home:
        shutil.rmtree(home, ignore_errors=True)
    _home.clear()
    _templates.clear()
