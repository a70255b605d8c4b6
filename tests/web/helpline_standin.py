"""A stand-in for a helpline's Reclaim server: /api/v1/referrals over HTTPS on loopback.

It stands in for the helpline's real endpoint (reclaim.web.console), which
tests/web/console/test_referral_end_to_end.py uses instead. It follows the API in
reclaim.referrals' package docstring exactly: POST {address}/api/v1/referrals (the container;
201 with id and received_utc), POST .../{id}/withdraw and GET .../{id}/openings (Bearer consent
token; 200), and the error answers {"error", "detail"}: "not-a-referral" (400), "bad-token"
(403, the same for an unknown id), "withdrawn" (410, a withdrawn referral sent again). It opens
what it receives with the helpline's age identity, as the real one does. ``down`` makes it
answer 503 to everything, as a helpline whose service is out of reach would (the client gets no
receipt either way).
"""

import datetime
import hashlib
import hmac
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path

import pyrage

from reclaim.referrals import API_PATH, ReferralError, open_referral

from ..loopback import QuietHandler
from ..tls import tls

HELPLINE_NAME = "Test Helpline"
DIRECTORY_ENTRY = """
[[helpline]]
id = "test-helpline"
country = "gb"
area = "UK"
name = "{name}"
audience = "adults"
website = "https://helpline.test/"
source = "https://helpline.test/"
last_checked = 2026-11-01
verified = false

[helpline.referrals]
address = "{address}"
recipient = "{recipient}"
"""


def directory_file(folder: Path, address: str, recipient: str) -> Path:
    """Write an operator's directory file naming one helpline that takes referrals."""
    path = folder / "referral-helplines.toml"
    entry = DIRECTORY_ENTRY.format(name=HELPLINE_NAME, address=address, recipient=recipient)
    path.write_text(entry)
    return path


def now_utc() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


@dataclass
class Helpdesk:
    """What the stand-in received and keeps: the helpline's side of each referral."""

    folder: Path
    identity: pyrage.x25519.Identity
    consents: dict[str, str] = field(default_factory=dict)  # id -> SHA-256 of the token
    received: dict[str, Path] = field(default_factory=dict)
    withdrawn: dict[str, str] = field(default_factory=dict)
    openings: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    down: bool = False


def _handler(desk: Helpdesk) -> type[QuietHandler]:
    class Handler(QuietHandler):
        def do_POST(self) -> None:
            desk.calls.append(("POST", self.path))
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if desk.down:
                self.reply(503, {"error": "unavailable", "detail": "Try again later."})
            elif self.path == API_PATH:
                self.receive(body)
            elif self.path.endswith("/withdraw") and (found := self.allowed()):
                desk.withdrawn.setdefault(found, now_utc())
                desk.received.pop(found).unlink()  # the keys and content go at once
                self.reply(200, {"id": found, "withdrawn_utc": desk.withdrawn[found]})

        def do_GET(self) -> None:
            desk.calls.append(("GET", self.path))
            if desk.down:
                self.reply(503, {"error": "unavailable", "detail": "Try again later."})
            elif self.path.endswith("/openings") and (found := self.allowed()):
                answer = {"id": found, "withdrawn_utc": desk.withdrawn.get(found)}
                self.reply(200, {**answer, "openings": desk.openings[found]})

        def receive(self, body: bytes) -> None:
            path = desk.folder / f"received-{len(desk.calls)}"
            path.write_bytes(body)
            try:
                manifest = open_referral(path, str(desk.identity)).manifest
            except ReferralError:
                path.unlink()
                self.reply(400, {"error": "not-a-referral", "detail": "That is not a referral."})
                return
            if manifest.id in desk.withdrawn:
                path.unlink()
                self.reply(410, {"error": "withdrawn", "detail": "Consent was withdrawn."})
                return
            desk.consents[manifest.id] = manifest.consent_sha256
            desk.received[manifest.id] = path
            desk.openings.setdefault(manifest.id, [])
            self.reply(201, {"id": manifest.id, "received_utc": now_utc()})

        def allowed(self) -> str:
            referral_id = self.path.removeprefix(API_PATH + "/").split("/")[0]
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            digest = hashlib.sha256(token.encode()).hexdigest()
            if hmac.compare_digest(desk.consents.get(referral_id, "-"), digest):
                return referral_id
            self.reply(403, {"error": "bad-token", "detail": "That token does not match."})
            return ""

        def reply(self, status: int, value: object) -> None:
            self.answer(status, json.dumps(value).encode(), "application/json")

    return Handler


@contextmanager
def helpline_server(folder: Path) -> Iterator[tuple[Helpdesk, str, ssl.SSLContext]]:
    """Serve the stand-in on loopback over HTTPS; yield its desk, address and the client's
    TLS context (which trusts the stand-in's test CA)."""
    folder.mkdir(parents=True, exist_ok=True)
    desk = Helpdesk(folder, pyrage.x25519.Identity.generate())
    client_context, server_context = tls(folder, "localhost")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(desk))
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield desk, f"https://localhost:{server.server_address[1]}", client_context
    finally:
        server.shutdown()
        server.server_close()
