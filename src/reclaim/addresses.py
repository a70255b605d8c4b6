"""The public-address policy: which network addresses Reclaim may connect to on a person's behalf.

Re-checks, RDAP lookups and web captures all fetch addresses that come from outside (a page
someone reported, a redirect, an image, a registry's link). Each of them resolves a name once
with ``resolve``, checks every address it stands for with a ``Policy`` and connects to the
address checked, so a name cannot steer a request into the network Reclaim runs in.

- ``check_addresses``: the policy outside tests: public addresses only (no private, local,
  reserved or multicast address, including IPv4 addresses carried inside IPv6 ones).
- ``loopback_only``: the policy of the settings that allow private addresses, which are for
  tests: loopback only, so that nothing leaves the machine during a test.

AddressRefusedError (ReclaimError)   an address the policy does not allow
"""

import ipaddress
import socket
from collections.abc import Callable, Sequence

from reclaim.errors import ReclaimError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Policy = Callable[[Sequence[str], str], None]  # (addresses, host); raises AddressRefusedError
Resolver = Callable[[str, int], list[str]]  # (host, port) -> addresses, in the resolver's order

# IPv6 prefixes that carry an IPv4 address inside them; the IPv4 address is checked too.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class AddressRefusedError(ReclaimError):
    """An address is private, local or reserved, and private addresses were not allowed."""


def check_addresses(addresses: Sequence[str], host: str = "") -> None:
    """Return None if every address is public; raise AddressRefusedError naming one that is not."""
    for text in addresses:
        try:
            public = is_public(ipaddress.ip_address(text))
        except ValueError:
            public = False
        if not public:
            of = f" (of {host})" if host and host != text else ""
            raise AddressRefusedError(
                f"The address {text}{of} is private, local or reserved: Reclaim does not "
                "visit such addresses."
            )


def loopback_only(addresses: Sequence[str], host: str = "") -> None:
    """Return None if every address is a loopback one; raise AddressRefusedError if not.

    The policy of `--allow-private` and RECLAIM_CAPTURE_ALLOW_PRIVATE, which are for tests: the
    test's pages are on loopback, and nothing else (Chromium's own calls home included) may
    leave the machine during a test.
    """
    for text in addresses:
        if not literal(text) or not ipaddress.ip_address(text).is_loopback:
            raise AddressRefusedError(
                f"{host} is not on this machine ({text}); with the test setting that allows "
                "private addresses only loopback ones are visited"
            )


def is_public(address: IPAddress) -> bool:
    """Return whether an address, and any IPv4 address carried inside it, is a public one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public(address.ipv4_mapped)  # the connection goes to the IPv4 address
    inner = _embedded_ipv4(address)
    if inner is not None and not is_public(inner):
        return False
    # is_global alone leaves out multicast (224.0.0.0/4 counts as global); the rest are named
    # for the reader, though is_global already excludes them.
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


def resolve(host: str, port: int = 0) -> list[str]:
    """Return the addresses ``host`` stands for, once each, in the system resolver's order.

    Raises OSError (socket.gaierror) when the name cannot be found, UnicodeError when it is
    not a valid international name. An IP address written out stands for itself.
    """
    found = socket.getaddrinfo(host, port or None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in found))


def literal(host: str) -> str:
    """Return ``host`` if it is an IP address written out (no resolver asked), else ""."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return ""


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address inside a 6to4 or NAT64 IPv6 address, or None."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None
