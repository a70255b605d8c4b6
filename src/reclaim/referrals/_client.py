"""The survivor's side of the referral API: send, withdraw, read openings, over HTTPS only.

Every request goes through the public-address gate (reclaim.addresses): the helpline's name is
resolved once, each address is checked with the policy, and the connection goes to the checked
address with the name in the Host header and as the TLS server name. Redirects are refused (a
referral goes to the address the directory gives, nowhere else), and answers are read up to
MAX_ANSWER_BYTES. The JSON shapes are in the package docstring (reclaim.referrals).
"""

import datetime
import json
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from reclaim import __version__
from reclaim.addresses import Policy, Resolver, check_addresses, resolve
from reclaim.referrals._container import MAGIC, MAX_REFERRAL_BYTES, READ_BYTES
from reclaim.referrals._errors import ReferralError, ReferralServiceError
from reclaim.referrals._record import ROLES, Opening
from reclaim.times import parse

API_PATH = "/api/v1/referrals"
MEDIA_TYPE = "application/vnd.reclaim.referral"
MAX_ANSWER_BYTES = 256 * 1024  # a year of openings, many times over
MAX_ADDRESSES_TRIED = 3
USER_AGENT = f"Reclaim/{__version__} (a survivor's referral to a helpline)"
_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Receipt:
    """The helpline's service received a referral."""

    id: str
    received_utc: str


@dataclass(frozen=True)
class Withdrawal:
    """The helpline's service recorded that consent was withdrawn (and dropped its keys)."""

    id: str
    withdrawn_utc: str


@dataclass(frozen=True)
class Openings:
    """Every time someone at the helpline opened a referral, and whether it was withdrawn."""

    id: str
    withdrawn_utc: str  # "" while consent stands
    openings: tuple[Opening, ...]


class ReferralClient:
    """Talks to helplines' Reclaim services; one object may be used for many requests.

    ``policy`` is the public-address policy (``reclaim.addresses.loopback_only`` in tests);
    ``verify`` the TLS context to check certificates with (the system's by default).
    """

    def __init__(
        self,
        *,
        policy: Policy = check_addresses,
        timeout_seconds: float = 30.0,
        resolver: Resolver = resolve,
        verify: ssl.SSLContext | None = None,
    ) -> None:
        self._policy = policy
        self._resolver = resolver
        self._timeout = httpx.Timeout(timeout_seconds)
        self._verify = verify or httpx.create_ssl_context()

    def send(self, address: str, referral: Path) -> Receipt:
        """Send the referral file to the helpline at ``address``; return its receipt."""
        size = referral.stat().st_size
        with referral.open("rb") as file:
            if size > MAX_REFERRAL_BYTES or not file.read(len(MAGIC)) == MAGIC:
                raise ReferralError(f"{referral} is not a referral that can be sent")
        headers = {"Content-Type": MEDIA_TYPE, "Content-Length": str(size)}
        answer = self._ask("POST", address, API_PATH, headers, lambda: _pieces(referral))
        _expect(answer, (200, 201))
        value = _json(answer)
        return Receipt(_id(value), _time(value, "received_utc"))

    def withdraw(self, address: str, referral_id: str, token: str) -> Withdrawal:
        """Withdraw consent for a referral with its consent token; return the helpline's answer."""
        path = f"{API_PATH}/{_checked_id(referral_id)}/withdraw"
        answer = self._ask("POST", address, path, _bearer(token), None)
        _expect(answer, (200,))
        value = _json(answer)
        return Withdrawal(_id(value, referral_id), _time(value, "withdrawn_utc"))

    def openings(self, address: str, referral_id: str, token: str) -> Openings:
        """Return every time someone at the helpline opened a referral, as it reports them."""
        path = f"{API_PATH}/{_checked_id(referral_id)}/openings"
        answer = self._ask("GET", address, path, _bearer(token), None)
        _expect(answer, (200,))
        value = _json(answer)
        withdrawn = value.get("withdrawn_utc")
        found = value.get("openings")
        if not isinstance(found, list) or not all(isinstance(each, dict) for each in found):
            raise ReferralServiceError("the helpline's service gave openings in no known shape")
        return Openings(
            _id(value, referral_id),
            "" if withdrawn is None else _time(value, "withdrawn_utc"),
            tuple(_opening(each) for each in found),
        )

    def _ask(
        self,
        method: str,
        address: str,
        path: str,
        headers: dict[str, str],
        body: Any,
    ) -> "_Answer":
        """Return the answer to one request, through the address gate; raise if unreachable."""
        url = httpx.URL(address.rstrip("/") + path)
        if url.scheme != "https" or not url.host:
            raise ReferralError("a helpline's Reclaim address must start with https://")
        host = url.raw_host.decode("ascii")
        try:
            addresses = self._resolver(host, url.port or 443)
        except (OSError, UnicodeError) as error:
            raise ReferralServiceError(f"the helpline's name could not be found: {error}") from None
        self._policy(addresses, host)  # AddressRefusedError: the caller says so plainly
        if not addresses:
            raise ReferralServiceError("the helpline's name stands for no address")
        tried = addresses[:MAX_ADDRESSES_TRIED]
        for index, at in enumerate(tried):
            try:
                return self._send(method, url, at, headers, body() if body else None)
            except httpx.ConnectError as error:
                if index == len(tried) - 1:
                    raise ReferralServiceError(
                        f"the helpline could not be reached: {error}"
                    ) from None
            except httpx.HTTPError as error:
                raise ReferralServiceError(f"the helpline could not be reached: {error}") from None
        raise AssertionError("unreachable: the last address raises")  # pragma: no cover

    def _send(
        self,
        method: str,
        url: httpx.URL,
        at: str,
        headers: dict[str, str],
        content: Iterator[bytes] | None,
    ) -> "_Answer":
        host = url.raw_host.decode("ascii")
        with httpx.Client(
            verify=self._verify,
            timeout=self._timeout,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,  # a referral goes to the directory's address, nowhere else
            trust_env=False,  # a proxy from the environment would undo the address pinning
        ) as client:
            request = client.build_request(
                method,
                url.copy_with(host=at),
                headers={**headers, "Host": url.netloc.decode("ascii")},
                content=content,
                # The certificate is checked against the name, not the address connected to.
                extensions={"sni_hostname": host},
            )
            response = client.send(request, stream=True)
            try:
                return _Answer(response.status_code, *_capped(response))
            finally:
                response.close()


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes
    truncated: bool


def _capped(response: httpx.Response) -> tuple[bytes, bool]:
    parts, size = [], 0
    for chunk in response.iter_bytes():
        parts.append(chunk)
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            return b"".join(parts)[:MAX_ANSWER_BYTES], True
    return b"".join(parts), False


def _pieces(path: Path) -> Iterator[bytes]:
    with path.open("rb") as file:
        while piece := file.read(READ_BYTES):
            yield piece


def _bearer(token: str) -> dict[str, str]:
    if not token or not token.isascii() or not token.isprintable() or " " in token:
        raise ReferralError("that is not a consent token")
    return {"Authorization": f"Bearer {token}"}


def _checked_id(referral_id: str) -> str:
    if not _ID.fullmatch(referral_id):
        raise ReferralError(f"{referral_id!r} is not a referral id")
    return referral_id


def _expect(answer: _Answer, statuses: tuple[int, ...]) -> None:
    if answer.status in statuses:
        return
    detail = ""
    try:
        found = json.loads(answer.body)
        if isinstance(found, dict):
            detail = f": {found.get('error', '')} {found.get('detail', '')}".rstrip()
    except ValueError:
        pass
    raise ReferralServiceError(
        f"the helpline's service answered {answer.status}{detail}", answer.status
    )


def _json(answer: _Answer) -> dict[str, Any]:
    try:
        if answer.truncated:
            raise ValueError("too long")
        value = json.loads(answer.body)
    except ValueError:
        raise ReferralServiceError("the helpline's service answered with no JSON object") from None
    if not isinstance(value, dict):
        raise ReferralServiceError("the helpline's service answered with no JSON object")
    return value


def _id(value: dict[str, Any], expected: str = "") -> str:
    found = value.get("id")
    if not isinstance(found, str) or not _ID.fullmatch(found) or expected not in ("", found):
        raise ReferralServiceError("the helpline's service answered about another referral")
    return found


def _time(value: dict[str, Any], key: str) -> str:
    found = value.get(key)
    moment = parse(found) if isinstance(found, str) else None
    if not isinstance(moment, datetime.datetime):
        raise ReferralServiceError(f"the helpline's service gave no time as {key}")
    return str(found)


def _opening(value: dict[str, Any]) -> Opening:
    role = value.get("role")
    if role not in ROLES:
        raise ReferralServiceError(f"the helpline's service named an unknown role {role!r}")
    return Opening(_time(value, "at_utc"), str(role))
