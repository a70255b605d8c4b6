"""The outcome of one check of a pack (PASS, WARN or FAIL) and the guard every check runs in.

A pack is untrusted input: whatever a damaged or forged file makes a check raise becomes a
FAIL line naming the reason, so `reclaim verify` always prints its whole report.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cryptography.exceptions import InvalidSignature

from reclaim.errors import ReclaimError
from reclaim.signing.timestamps import MALFORMED as TOKEN_MALFORMED

PASS, WARN, FAIL = "PASS", "WARN", "FAIL"
# What parsers raise on malformed input (asn1crypto and cryptography on DER, json, int(),
# unpacking): a FAIL whose reason names the exception, so a real bug stays recognisable.
MALFORMED = (*TOKEN_MALFORMED, InvalidSignature)


@dataclass(frozen=True)
class Check:
    """The outcome of one check, and how to repeat it without Reclaim."""

    status: str
    name: str
    detail: str
    by_hand: str = ""


class CheckFailedError(ReclaimError):
    """Raised inside a check to report FAIL with a reason (never leaves verification)."""


def run_check(name: str, by_hand: str, check: Callable[[], "str | Check"]) -> Check:
    """Return the outcome of ``check``: PASS with the text it returns, or FAIL with the reason."""
    try:
        outcome = check()
    except Exception as error:  # untrusted input: every failure is a FAIL line
        return Check(FAIL, name, failure_reason(error), by_hand)
    return outcome if isinstance(outcome, Check) else Check(PASS, name, outcome, by_hand)


def failure_reason(error: Exception) -> str:
    """Return a reason a person can read for what a check raised."""
    if isinstance(error, ReclaimError):
        return str(error) or type(error).__name__
    if isinstance(error, FileNotFoundError):
        return f"{error.filename} is missing"
    if isinstance(error, OSError):
        return f"cannot read {error.filename}: {error.strerror or error}"
    if isinstance(error, json.JSONDecodeError):
        return f"not valid JSON ({error.msg}, line {error.lineno})"
    if isinstance(error, MALFORMED):
        return f"malformed input ({type(error).__name__}: {error})"
    return f"unexpected {type(error).__name__}: {error} (a bug in Reclaim: please report it)"


def pack_file(root: Path, relative: str) -> Path:
    """Return the plain file ``relative`` names inside the pack; refuse any other path."""
    parts = PurePosixPath(relative).parts
    if not parts or relative.startswith("/") or ".." in parts or "\\" in relative:
        raise CheckFailedError(f"{relative!r} is not a path inside the pack")
    path = root.joinpath(*parts)
    if path.is_symlink() or not path.is_file():
        raise CheckFailedError(f"{relative} is missing or not a plain file")
    return path


def read_text(root: Path, relative: str) -> str:
    """Return a pack file as UTF-8 text; raise CheckFailedError naming it if it is not."""
    try:
        return pack_file(root, relative).read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise CheckFailedError(f"{relative} is not UTF-8 text (byte {error.start})") from None
