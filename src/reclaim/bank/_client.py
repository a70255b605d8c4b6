"""A client of a Reclaim hash bank's /api/v1 case endpoints (what `reclaim protect` calls).

The case number and PIN travel in the body, never in the address, and only over https (or
plain http to this computer, for a service run here).
"""

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

from reclaim.bank._signals import Signal
from reclaim.errors import ReclaimError

TIMEOUT_SECONDS = 60  # a new case hashes its PIN slowly on the server (Argon2id)
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class BankServiceError(ReclaimError):
    """The bank service could not be reached, or refused; the message says why, as it said."""


class BankClient:
    """Open, add to, read and withdraw a protection case on one Reclaim service."""

    def __init__(self, service: str, transport: httpx.BaseTransport | None = None) -> None:
        """Check that ``service`` is https (or local http); ``transport`` is for tests."""
        parts = urlsplit(service)
        local = parts.hostname in LOCAL_HOSTS
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise BankServiceError(f"{service} must start with https:// (your PIN travels to it)")
        self.service = service
        self._api = service.rstrip("/") + "/api/v1"
        self._transport = transport

    def new_case(self, eligibility: dict[str, bool], signals: Sequence[Signal]) -> dict[str, Any]:
        """Open a case with ``signals``; return the answer (caseNumber and pin among it)."""
        return self._post("/cases", {"eligibility": eligibility, "signals": _bodies(signals)})

    def add(
        self, number: str, pin: str, eligibility: dict[str, bool], signals: Sequence[Signal]
    ) -> dict[str, Any]:
        """Add ``signals`` to a case; return the case as the service now holds it."""
        body = {"eligibility": eligibility, "signals": _bodies(signals)}
        return self._post("/cases/add", {"caseNumber": number, "pin": pin, **body})

    def status(self, number: str, pin: str) -> dict[str, Any]:
        """Return a case: its entries, their status and what platforms reported."""
        return self._post("/cases/status", {"caseNumber": number, "pin": pin})

    def withdraw(
        self, number: str, pin: str, entry_ids: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """Withdraw these entries of a case (all when None); return the case and the count."""
        body: dict[str, Any] = {"caseNumber": number, "pin": pin}
        if entry_ids:
            body["entryIds"] = list(entry_ids)
        return self._post("/cases/withdraw", body)

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """Return the service's JSON answer; raise BankServiceError with its problem's words."""
        try:
            with httpx.Client(transport=self._transport, timeout=TIMEOUT_SECONDS) as client:
                response = client.post(self._api + path, json=body)
        except httpx.HTTPError as error:
            raise BankServiceError(f"could not reach {self.service}: {error}") from None
        try:
            answer = response.json() if response.content else {}
        except ValueError:  # a proxy's or server's error page, not the API's JSON
            answer = {}
        if response.status_code >= 400 or not isinstance(answer, dict):
            answer = answer if isinstance(answer, dict) else {}
            detail = f": {answer.get('detail')}" if answer.get("detail") else ""
            raise BankServiceError(f"{answer.get('title', response.reason_phrase)}{detail}")
        return answer


def _bodies(signals: Sequence[Signal]) -> list[dict[str, Any]]:
    return [signal.as_json() for signal in signals]
