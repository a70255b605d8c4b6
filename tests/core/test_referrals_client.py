"""The referral client against a real HTTPS server on loopback, started by the test.

The server here is a small stand-in for a helpline's /api/v1/referrals (the real one is the
web console's): it opens what it receives with the helpline's identity, as that will.
"""

import datetime
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path

import pyrage
import pytest

from reclaim.addresses import AddressRefusedError, check_addresses, loopback_only
from reclaim.content import Helpline, ReferralPoint
from reclaim.locker import Locker
from reclaim.referrals import (
    MEDIA_TYPE,
    Opening,
    ReferralClient,
    ReferralError,
    ReferralServiceError,
    Selection,
    make_referral,
    open_referral,
    record_openings,
    record_sent,
    record_withdrawal,
    shared_referral,
)

from ..lockers import copy_locker
from ..loopback import QuietHandler
from ..tls import tls

IDENTITY = pyrage.x25519.Identity.generate()
NOW = "2026-12-01T10:00:00+00:00"


@dataclass
class Helpdesk:
    """What the stand-in service received and keeps."""

    folder: Path
    consents: dict[str, str] = field(default_factory=dict)  # referral id -> token digest
    withdrawn: dict[str, str] = field(default_factory=dict)
    openings: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    redirect: bool = False


def handler(desk: Helpdesk) -> type[QuietHandler]:
    class Handler(QuietHandler):
        def do_POST(self) -> None:
            self._note()
            if self.redirect():
                return
            if self.path == "/api/v1/referrals":
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received = desk.folder / f"received-{len(desk.requests)}"
                received.write_bytes(body)
                manifest = open_referral(received, str(IDENTITY)).manifest
                desk.consents[manifest.id] = manifest.consent_sha256
                desk.openings[manifest.id] = []
                self.reply(201, {"id": manifest.id, "received_utc": NOW})
            elif self.path.endswith("/withdraw") and (found := self.allowed()):
                desk.withdrawn.setdefault(found, NOW)
                self.reply(200, {"id": found, "withdrawn_utc": desk.withdrawn[found]})

        def do_GET(self) -> None:
            self._note()
            if self.path.endswith("/openings") and (found := self.allowed()):
                answer = {"id": found, "withdrawn_utc": desk.withdrawn.get(found)}
                self.reply(200, {**answer, "openings": desk.openings[found]})

        def _note(self) -> None:
            desk.requests.append((self.command, self.path, dict(self.headers)))

        def redirect(self) -> bool:
            if desk.redirect:
                self.send_response(307)
                self.send_header("Location", "https://elsewhere.test/")
                self.send_header("Content-Length", "0")
                self.end_headers()
            return desk.redirect

        def allowed(self) -> str:
            referral_id = self.path.split("/")[4]
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            digest = hashlib.sha256(token.encode()).hexdigest()
            if hmac.compare_digest(desk.consents.get(referral_id, ""), digest):
                return referral_id
            self.reply(403, {"error": "bad-token", "detail": "That token does not match."})
            return ""

        def reply(self, status: int, value: object) -> None:
            self.answer(status, json.dumps(value).encode(), "application/json")

    return Handler


@dataclass
class Service:
    desk: Helpdesk
    address: str
    client: ReferralClient
    helpline: Helpline


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    (tmp_path / "desk").mkdir()
    desk = Helpdesk(tmp_path / "desk")
    client_context, server_context = tls(tmp_path, "localhost")
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(desk))
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    address = f"https://localhost:{server.server_address[1]}"
    point = ReferralPoint(address, str(IDENTITY.to_public()))
    helpline = Helpline(
        "test-helpline", "gb", "UK", "Test Helpline", "adults", "https://h.test/",
        datetime.date(2026, 11, 1), False, referrals=point,
    )  # fmt: skip
    client = ReferralClient(policy=loopback_only, timeout_seconds=5.0, verify=client_context)
    try:
        yield Service(desk, address, client, helpline)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def box(tmp_path: Path) -> Locker:
    return copy_locker(tmp_path / "locker", "correct horse battery staple")[0]


def test_send_withdraw_and_read_openings_over_https(
    service: Service, box: Locker, tmp_path: Path
) -> None:
    item = box.add(b"a message kept as a file", "a.txt", "text/plain")
    made = make_referral(box, service.helpline, Selection(items=(item.id,)), tmp_path / "r")
    receipt = service.client.send(service.address, tmp_path / "r")
    assert receipt.id == made.id and made.id in service.desk.consents
    method, path, headers = service.desk.requests[0]
    assert (method, path) == ("POST", "/api/v1/referrals")
    assert headers["Content-Type"] == MEDIA_TYPE
    assert headers["Host"] == service.address.removeprefix("https://")
    record_sent(box, made.id, receipt.received_utc)

    service.desk.openings[made.id].append({"at_utc": NOW, "role": "caseworker"})
    seen = service.client.openings(service.address, made.id, made.consent_token)
    assert seen.openings == (Opening(NOW, "caseworker"),) and seen.withdrawn_utc == ""
    record_openings(box, made.id, seen.openings)

    withdrawal = service.client.withdraw(service.address, made.id, made.consent_token)
    assert withdrawal.id == made.id and service.desk.withdrawn == {made.id: NOW}
    record_withdrawal(box, made.id, withdrawal.withdrawn_utc)
    assert service.client.openings(service.address, made.id, made.consent_token).withdrawn_utc
    kept = shared_referral(box, made.id)
    assert kept.sent_utc == NOW and kept.withdrawn and len(kept.openings) == 1


def test_a_wrong_token_is_refused_with_the_services_words(
    service: Service, box: Locker, tmp_path: Path
) -> None:
    made = make_referral(box, service.helpline, Selection(message="call me"), tmp_path / "r")
    service.client.send(service.address, tmp_path / "r")
    with pytest.raises(ReferralServiceError, match="403: bad-token") as refused:
        service.client.withdraw(service.address, made.id, "not-the-token")
    assert refused.value.status == 403 and service.desk.withdrawn == {}


def test_a_redirect_is_not_followed(service: Service, box: Locker, tmp_path: Path) -> None:
    make_referral(box, service.helpline, Selection(message="call me"), tmp_path / "r")
    service.desk.redirect = True
    with pytest.raises(ReferralServiceError, match="307"):
        service.client.send(service.address, tmp_path / "r")
    assert len(service.desk.requests) == 1


def test_the_public_address_gate_refuses_loopback_before_connecting(
    service: Service, box: Locker, tmp_path: Path
) -> None:
    make_referral(box, service.helpline, Selection(message="call me"), tmp_path / "r")
    gated = ReferralClient(policy=check_addresses, timeout_seconds=5.0)
    with pytest.raises(AddressRefusedError):
        gated.send(service.address, tmp_path / "r")
    assert service.desk.requests == []


def test_only_https_addresses_and_real_referrals_are_sent(
    service: Service, box: Locker, tmp_path: Path
) -> None:
    make_referral(box, service.helpline, Selection(message="call me"), tmp_path / "r")
    plain = service.address.replace("https://", "http://")
    with pytest.raises(ReferralError, match="https"):
        service.client.send(plain, tmp_path / "r")
    (tmp_path / "other").write_bytes(b"not a referral at all")
    with pytest.raises(ReferralError, match="not a referral"):
        service.client.send(service.address, tmp_path / "other")
    with pytest.raises(ReferralError, match="not a referral id"):
        service.client.openings(service.address, "../admin", "token")
    assert service.desk.requests == []
