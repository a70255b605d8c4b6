"""The one gate every request of a capture goes through: the address is checked before
anything runs, each name is resolved once, every address it stands for must be public, and the
connection goes to the address that was checked (so DNS rebinding cannot steer it).

The policy and the resolver are the re-checks' and RDAP's own (reclaim.addresses), not second
ones. Tests inject a resolver (``evidence.test`` -> 127.0.0.1) and a policy that allows that
one answer.
"""

import datetime
import threading
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from reclaim.addresses import (
    AddressRefusedError,
    Policy,
    Resolver,
    check_addresses,
    literal,
)
from reclaim.addresses import resolve as system_resolver
from reclaim.capture._errors import CaptureError, CaptureReason, CaptureRefusedError

BAD = CaptureReason.BAD_ADDRESS

SCHEMES = ("http", "https")
# Characters that parsers disagree on (WHATWG browsers read "\" as "/", Python does not), or
# that have no place in a web address at all.
AMBIGUOUS = frozenset('\\\t\r\n <>"')


@dataclass(frozen=True)
class Resolution:
    """What the resolver answered for a name, and the one address the connection used."""

    host: str
    addresses: tuple[str, ...]
    used: str
    resolved_utc: str


def check_url(url: str) -> SplitResult:
    """Return ``url`` split; raise CaptureError unless it is a plain http(s) web address."""
    if any(character in AMBIGUOUS or ord(character) < 32 for character in url):
        raise CaptureError(f"{url!r} has characters a web address cannot have", BAD)
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise CaptureError(f"{url!r} is not a web address (http:// or https://)", BAD)
    if "@" in parts.netloc:
        raise CaptureError(f"{url!r} carries a user name or password; it will not be captured", BAD)
    if "%" in parts.netloc:  # browsers decode an escaped host name; Python does not
        raise CaptureError(f"{url!r} has an escaped host name; write it out", BAD)
    try:
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError:
        raise CaptureError(f"{url!r} has a port that is not a number", BAD) from None
    if _odd_number(parts.hostname):
        raise CaptureError(f"{url!r} writes an IP address in an unusual form; write it out", BAD)
    return parts


class AddressGate:
    """Resolves each name once per capture and refuses names that stand for private addresses."""

    def __init__(self, resolver: Resolver = system_resolver, policy: Policy = check_addresses):
        self._resolver = resolver
        self._policy = policy
        self._answers: dict[str, Resolution] = {}
        self._lock = threading.Lock()

    def resolve(self, host: str, port: int) -> Resolution:
        """Return the checked answer for ``host``; raise CaptureRefusedError or CaptureError."""
        with self._lock:
            if host not in self._answers:
                self._answers[host] = self._look_up(host, port)
            return self._answers[host]

    def answers(self) -> list[Resolution]:
        """Return every name resolved so far, in the order they were first asked for."""
        with self._lock:
            return list(self._answers.values())

    def _look_up(self, host: str, port: int) -> Resolution:
        try:
            addresses = [literal(host)] if literal(host) else self._resolver(host, port)
        except (OSError, UnicodeError):
            raise CaptureError(f"{host} could not be found", CaptureReason.NOT_FOUND) from None
        if not addresses:
            raise CaptureError(f"{host} stands for no address", CaptureReason.NOT_FOUND)
        try:
            self._policy(addresses, host)
        except AddressRefusedError as error:
            message = f"{host} leads to a private address, which Reclaim never captures"
            raise CaptureRefusedError(f"{message} ({error})") from None
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return Resolution(host, tuple(addresses), addresses[0], now)


def _odd_number(host: str) -> bool:
    """Return whether ``host`` is an IPv4 address in a form other than a.b.c.d in decimal.

    Browsers (WHATWG URL) read a host whose last label is a number as IPv4 in any form
    ("2130706433", "0x7f.1", "0177.0.0.1" are all 127.0.0.1); Python reads it as a name.
    """
    last = host.rstrip(".").rsplit(".", 1)[-1]
    numeric = last.isdigit() or (last.lower().startswith("0x") and last[2:].isalnum())
    return numeric and not literal(host.rstrip("."))
