"""The recording forward proxy Chromium is made to use for every request of a capture.

Chromium sends plain HTTP requests and CONNECT tunnels here (loopback included: it is started
with ``--proxy-bypass-list=<-loopback>``). For each request the proxy asks the address gate
(one resolution per name, private addresses refused), connects to the checked address, speaks
TLS upstream itself with the site's name as SNI and full verification against the trust store,
sends the request over HTTP/1.1 and records exactly the bytes it sent and received. Towards
Chromium, TLS ends here with a certificate from the capture's own short-lived authority.

What is recorded: each exchange (request bytes as sent upstream, response head and body as
received, with transfer framing kept), the time each request was sent, the address used; each
TLS session's version, cipher and verified certificate chain; the gate's DNS answers; and every
request that was refused or failed (these get an answer from the proxy, never recorded as if
the site had sent it). WebSocket requests (an ``Upgrade`` header) are refused without being
sent: the proxy relays HTTP exchanges only.
"""

import _ssl  # ENCODING_DER, which ssl does not re-export before Python 3.13
import base64
import contextlib
import datetime
import hmac
import itertools
import secrets
import socket
import ssl
import threading
from dataclasses import dataclass, field
from typing import BinaryIO
from urllib.parse import urlsplit

from reclaim.capture._authority import CaptureAuthority
from reclaim.capture._errors import CaptureError, CaptureReason
from reclaim.capture._gate import AddressGate, check_url
from reclaim.capture._http import Body, Head, HttpFramingError, read_body, read_head

UPSTREAM_TIMEOUT_SECONDS = 30
CLIENT_TIMEOUT_SECONDS = 120
DEFAULT_PORTS = {"http": 80, "https": 443}
# Header fields meant for the proxy, never passed on (RFC 9110 7.6.1).
PROXY_FIELDS = (b"proxy-connection:", b"proxy-authorization:")


@dataclass(frozen=True)
class Exchange:
    """One request as sent to a site and its response as received, byte for byte."""

    url: str
    sent_utc: str
    address: str
    request: bytes
    response_head: Head
    response_body: Body
    session: int  # the TlsSession.number it went over, or 0 for plain HTTP

    @property
    def status(self) -> int:
        """Return the status code of the response."""
        return int(self.response_head.start.split(" ")[1])

    @property
    def protocol(self) -> str:
        """Return the HTTP version the server answered with ("HTTP/1.1")."""
        return self.response_head.start.split(" ")[0]


@dataclass(frozen=True)
class TlsSession:
    """One verified TLS connection to a site: its version, cipher and certificate chain."""

    number: int
    host: str
    port: int
    address: str
    version: str
    cipher: str
    chain: tuple[bytes, ...]  # DER, the site's certificate first, as verified
    chain_note: str
    established_utc: str


@dataclass(frozen=True)
class Problem:
    """A request the proxy did not pass on, or that failed, and why."""

    url: str
    reason: str
    at_utc: str
    kind: CaptureReason = CaptureReason.FAILED  # for an interface's own words


@dataclass
class Recording:
    """Everything the proxy saw during one capture (filled in from many threads)."""

    exchanges: list[Exchange] = field(default_factory=list)
    sessions: list[TlsSession] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def problem(self, url: str, reason: str, kind: CaptureReason) -> None:
        """Note that ``url`` was not fetched, and why."""
        with self.lock:
            self.problems.append(Problem(url, reason, now(), kind))


def now() -> str:
    """Return the time now in UTC, to the microsecond ("2026-12-02T00:40:01.123456Z")."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _Upstream:
    """A connection to one site (scheme, host, port) at the address the gate checked."""

    def __init__(self, origin: tuple[str, str, int], address: str, proxy: "RecordingProxy"):
        self.origin = origin
        scheme, host, port = origin
        sock = socket.create_connection((address, port), timeout=UPSTREAM_TIMEOUT_SECONDS)
        self.session = 0
        if scheme == "https":
            try:
                sock = proxy.trust.wrap_socket(sock, server_hostname=host)
            except BaseException:
                sock.close()
                raise
            self.session = proxy.note_session(sock, host, port, address)
        self.sock = sock
        self.reader: BinaryIO = sock.makefile("rb")

    def close(self) -> None:
        """Close the connection."""
        self.reader.close()
        self.sock.close()


class RecordingProxy:
    """A forward proxy on 127.0.0.1 that records what it carries; start, use, then close."""

    def __init__(self, gate: AddressGate, trust: ssl.SSLContext | None = None) -> None:
        self.gate = gate
        self.trust = trust or ssl.create_default_context()
        self.trust.set_alpn_protocols(["http/1.1"])
        self.authority = CaptureAuthority()
        self.recording = Recording()
        self._numbers = itertools.count(1)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        # Only the page's own requests may be fetched. The browser process makes requests of
        # its own (sign-in and update checks to Google, whatever the flags say); those come
        # without the credentials Playwright answers the page's 407 with, and are refused, so
        # nothing reaches a third party the person did not choose.
        self.username, self.password = "reclaim-capture", secrets.token_urlsafe(24)
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        self.authorisation = f"Basic {token}"  # the Proxy-Authorization the page's requests carry
        self._unauthorised: set[str] = set()
        self._authorised_targets: set[str] = set()

    @property
    def address(self) -> str:
        """Return the proxy's address for --proxy-server ("http://127.0.0.1:PORT")."""
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def start(self) -> None:
        """Start accepting connections in a thread of its own."""
        threading.Thread(target=self._accept, daemon=True, name="capture-proxy").start()

    def close(self) -> None:
        """Stop accepting, close every open connection and forget the authority's key."""
        self._listener.close()
        with self._open_lock:
            for sock in list(self._open):
                _quietly_close(sock)
        self.authority.close()

    def note_session(self, sock: ssl.SSLSocket, host: str, port: int, address: str) -> int:
        """Record the TLS session ``sock`` set up; return its number."""
        chain, note = _verified_chain(sock)
        cipher = sock.cipher()
        number = next(self._numbers)
        session = TlsSession(
            number, host, port, address, sock.version() or "", cipher[0] if cipher else "",
            chain, note, now(),
        )  # fmt: skip
        with self.recording.lock:
            self.recording.sessions.append(session)
        return number

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed: the capture is over
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        self._track(client)
        client.settimeout(CLIENT_TIMEOUT_SECONDS)
        try:
            reader: BinaryIO = client.makefile("rb")
            head = read_head(reader)
            if head is None:
                return
            method, target = _request_line(head)
            if not self._authorised(head):
                self._ask_credentials(client, target)
                return
            with self.recording.lock:
                self._authorised_targets.add(target)
            if method == "CONNECT":
                self._tunnel(client, target)
            else:
                _Relay(self, client, reader, None).run(head)
        except (OSError, HttpFramingError):
            pass  # Chromium gave up on the connection, or the capture ended
        finally:
            self._untrack(client)
            _quietly_close(client)

    def browser_requests(self) -> list[str]:
        """Return the targets asked for without the page's credentials, and never with them:
        the browser's own requests, which were not fetched."""
        with self.recording.lock:
            return sorted(self._unauthorised - self._authorised_targets)

    def _authorised(self, head: Head) -> bool:
        given = head.get("Proxy-Authorization").encode()
        return hmac.compare_digest(given, self.authorisation.encode())

    def _ask_credentials(self, client: socket.socket, target: str) -> None:
        """Answer 407: the page's requests come back with credentials, the browser's never."""
        with self.recording.lock:
            self._unauthorised.add(target)
        client.sendall(
            b"HTTP/1.1 407 Proxy Authentication Required\r\n"
            b'Proxy-Authenticate: Basic realm="reclaim-capture"\r\n'
            b"Content-Length: 0\r\nConnection: close\r\nProxy-Connection: close\r\n\r\n"
        )

    def _tunnel(self, client: socket.socket, authority: str) -> None:
        parts = urlsplit(f"//{authority}")
        host, port = parts.hostname or "", parts.port or 443
        try:
            self.gate.resolve(host, port)
        except CaptureError as error:
            self.recording.problem(f"https://{authority}/", str(error), error.reason)
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        tls = self.authority.context_for(host).wrap_socket(client, server_side=True)
        self._track(tls)
        try:
            _Relay(self, tls, tls.makefile("rb"), ("https", host, port)).run(None)
        finally:
            self._untrack(tls)
            _quietly_close(tls)

    def _track(self, sock: socket.socket) -> None:
        with self._open_lock:
            self._open.add(sock)

    def _untrack(self, sock: socket.socket) -> None:
        with self._open_lock:
            self._open.discard(sock)


class _Relay:
    """Passes the requests of one Chromium connection on, one at a time, and records them."""

    def __init__(
        self,
        proxy: RecordingProxy,
        client: socket.socket,
        reader: BinaryIO,
        origin: tuple[str, str, int] | None,
    ) -> None:
        self.proxy, self.client, self.reader, self.origin = proxy, client, reader, origin
        self.upstream: _Upstream | None = None

    def run(self, first: Head | None) -> None:
        """Relay requests until either side closes."""
        try:
            head = first or read_head(self.reader)
            while head is not None and self._one(head):
                head = read_head(self.reader)
        finally:
            if self.upstream is not None:
                self.upstream.close()

    def _one(self, head: Head) -> bool:
        """Relay one request; return whether the connection stays open for another."""
        body = read_body(self.reader, head, has_body=True)
        method, target = _request_line(head)
        url, origin, path = self._where(target)
        if head.get("Upgrade"):  # WebSocket: not relayed, so not sent on either
            reason = "a capture does not carry WebSocket connections"
            return self._refuse(url, "501 Not Implemented", reason, CaptureReason.FAILED)
        try:
            check_url(url)
            address = self.proxy.gate.resolve(origin[1], origin[2]).used
        except CaptureError as error:
            return self._refuse(url, "403 Forbidden", str(error), error.reason)
        request = _outgoing(head, method, path) + body.raw
        try:
            sent, response_head, response_body = self._exchange(origin, address, request, method)
        except ssl.SSLCertVerificationError as error:
            reason = f"the certificate of {origin[1]} could not be verified: {error.verify_message}"
            return self._refuse(url, "502 Bad Gateway", reason, CaptureReason.CERTIFICATE)
        except (OSError, HttpFramingError) as error:
            reason = f"{origin[1]} did not answer: {error}"
            return self._refuse(url, "502 Bad Gateway", reason, CaptureReason.UNREACHABLE)
        assert self.upstream is not None
        exchange = Exchange(url, sent, address, request, response_head, response_body,
                            self.upstream.session)  # fmt: skip
        with self.proxy.recording.lock:
            self.proxy.recording.exchanges.append(exchange)
        self.client.sendall(
            response_head.raw + response_body.raw
        )  # after recording: what Chromium saw is in the record
        return not _closes(head, response_head, response_body)

    def _where(self, target: str) -> tuple[str, tuple[str, str, int], str]:
        """Return the full URL, the origin and the path of a request's target."""
        if self.origin is not None:  # inside a tunnel: the target is a path
            if not target.startswith("/"):
                raise HttpFramingError("a request in a tunnel must name a path")
            scheme, host, port = self.origin
            shown = host if port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
            return f"{scheme}://{shown}{target}", self.origin, target
        parts = urlsplit(target)
        if parts.scheme != "http" or not parts.hostname:
            raise HttpFramingError("a plain request to the proxy must name an http:// address")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return target, ("http", parts.hostname, parts.port or 80), path

    def _exchange(
        self, origin: tuple[str, str, int], address: str, request: bytes, method: str
    ) -> tuple[str, Head, Body]:
        """Send ``request`` and return when it was sent and the response as received."""
        reused = self._connect(origin, address)
        assert self.upstream is not None
        sent = now()
        self.upstream.sock.sendall(request)
        head = _final_head(self.upstream.reader, self.client)
        if head is None and reused:  # the server had closed the idle connection: once more
            self.upstream.close()
            self.upstream = None
            return self._exchange(origin, address, request, method)
        if head is None:
            raise HttpFramingError("the server closed the connection without answering")
        status = int(head.start.split(" ")[1])
        has_body = method != "HEAD" and status not in (204, 304) and status >= 200
        return sent, head, read_body(self.upstream.reader, head, has_body)

    def _connect(self, origin: tuple[str, str, int], address: str) -> bool:
        """Make sure a connection to ``origin`` is open; return whether it was already."""
        if self.upstream is not None and self.upstream.origin == origin:
            return True
        if self.upstream is not None:
            self.upstream.close()
        self.upstream = None
        self.upstream = _Upstream(origin, address, self.proxy)
        return False

    def _refuse(self, url: str, status: str, reason: str, kind: CaptureReason) -> bool:
        self.proxy.recording.problem(url, reason, kind)
        body = f"Reclaim did not fetch this address: {reason}\n".encode()
        head = f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        head += f"Content-Length: {len(body)}\r\nX-Reclaim-Proxy: refused\r\n\r\n"
        self.client.sendall(head.encode() + body)
        return True


def _request_line(head: Head) -> tuple[str, str]:
    """Return the method and target of a request; raise HttpFramingError if it has none."""
    parts = head.start.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise HttpFramingError("a request line was not 'METHOD TARGET HTTP/1.x'")
    return parts[0], parts[1]


def _outgoing(head: Head, method: str, path: str) -> bytes:
    """Return the request head as sent upstream: origin-form target, proxy fields removed.

    Everything else stays as Chromium wrote it, byte for byte.
    """
    lines = head.raw.split(b"\n")
    version = head.start.split(" ")[-1]
    kept = [line for line in lines[1:] if not line.lower().startswith(PROXY_FIELDS)]
    return b"\n".join([f"{method} {path} {version}\r".encode("latin-1"), *kept])


def _final_head(reader: BinaryIO, client: socket.socket) -> Head | None:
    """Return the final response head, passing interim (1xx) ones to Chromium as they come."""
    while True:
        head = read_head(reader)
        if head is None:
            return None
        parts = head.start.split(" ")
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise HttpFramingError("the server's answer was not HTTP")
        if not 100 <= int(parts[1]) < 200 or parts[1] == "101":
            return head
        client.sendall(head.raw)


def _closes(request: Head, response: Head, body: Body) -> bool:
    """Return whether the connection ends after this exchange."""
    if body.until_close or response.start.split(" ")[1] == "101":
        return True  # a protocol switch is never asked for (see _one); if one comes, it ends
    if "close" in request.tokens("Connection") | response.tokens("Connection"):
        return True
    return response.start.startswith("HTTP/1.0") and "keep-alive" not in response.tokens(
        "Connection"
    )


def _verified_chain(sock: ssl.SSLSocket) -> tuple[tuple[bytes, ...], str]:
    """Return the chain the site's certificate was verified through, and how it was obtained.

    Python 3.13 makes this public (SSLSocket.get_verified_chain); 3.10 to 3.12 have it on the
    underlying _ssl object. Where neither exists only the site's own certificate is kept.
    """
    inner = getattr(sock, "_sslobj", None)
    method = getattr(sock, "get_verified_chain", None) or getattr(inner, "get_verified_chain", None)
    if method is not None:
        chain = tuple(_der(certificate) for certificate in method())
        if chain:
            return chain, "the verified chain, from the site's certificate to a trusted root"
    leaf = sock.getpeercert(binary_form=True)
    return ((leaf,) if leaf else ()), "the site's certificate only (no chain available)"


def _der(certificate: object) -> bytes:
    if isinstance(certificate, bytes):
        return certificate
    return bytes(certificate.public_bytes(_ssl.ENCODING_DER))  # type: ignore[attr-defined]


def _quietly_close(sock: socket.socket) -> None:
    # shutdown wakes a thread blocked reading this socket; close alone waits for its reader.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
