"""A site called ``evidence.test`` on loopback, over HTTP and HTTPS, for capture tests.

The HTTPS side has a certificate from a test authority made here; captures trust that
authority only through the trust store the test injects, and reach the name only through an
injected resolver (evidence.test -> 127.0.0.1) and a policy that allows that one answer. Nothing
here reaches beyond loopback.
"""

import gzip
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fpdf import FPDF

from reclaim.addresses import check_addresses
from reclaim.capture import Network
from reclaim.capture._authority import (
    _builder as certificate_builder,  # the same one-day certificates
)

NAME = "evidence.test"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)
PAGE = (
    b"<!doctype html><html lang='en'><head><title>Forum thread 42</title>"
    b"<link rel='stylesheet' href='/chunked'></head>"
    b"<body><h1>Thread 42</h1><p>posted by ex_partner_99</p><img src='/image.png' alt=''>"
    b"<script src='/old.js'></script></body></html>"
)
MISSING = b"<!doctype html><html lang='en'><title>Not found</title><h1>No such thread</h1></html>"
CSS_CHUNKS = (b"h1 { color: #123456; }\n", b"p { margin: 0; }\n")
SESSION_COOKIE = "session=set-by-the-site-4f9d2b; Path=/"


def _pdf() -> bytes:
    """A one-page PDF document, as a site might serve a posted notice."""
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=24)
    document.cell(text=PDF_TEXT)
    return bytes(document.output())


PDF_TEXT = "A notice served as a PDF"
HELD_SECONDS = 8
PDF = _pdf()


@dataclass(frozen=True)
class Authority:
    """A test certificate authority and a certificate it issued for evidence.test."""

    certificate_pem: bytes
    chain_file: Path  # the site's key, its certificate and the authority's, for the server


class Site(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path == "/start":
            self._send(302, b"", "text/plain", ("Location", "/thread/42"))
        elif self.path == "/thread/42":
            body = gzip.compress(PAGE)
            self._send(200, body, "text/html", ("Content-Encoding", "gzip"),
                       ("Set-Cookie", SESSION_COOKIE))  # fmt: skip
        elif self.path == "/image.png":
            self._send(200, PNG, "image/png")
        elif self.path == "/old.js":
            self.protocol_version = "HTTP/1.0"  # an old server: answers 1.0 and closes
            self._send(200, b"document.title = document.title;", "text/javascript")
        elif self.path == "/chunked":
            self._chunked()
        elif self.path == "/never-quiet":
            body = (b"<!doctype html><title>Live</title><h1>Live</h1><img src='/held' alt=''>"
                    b"<script>fetch('/held')</script>")  # fmt: skip
            self._send(200, body, "text/html")
        elif self.path == "/held":  # answered only after a capture gave up waiting for it
            time.sleep(HELD_SECONDS)
            self._send(200, b"late", "text/plain")
        elif self.path == "/notice.pdf":
            self._send(200, PDF, "application/pdf")
        elif self.path == "/broken":
            self._send(503, b"<title>Down</title><h1>Service unavailable</h1>", "text/html")
        else:
            self._send(404, MISSING, "text/html")

    def _send(self, status: int, body: bytes, kind: str, *headers: tuple[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _chunked(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for piece in CSS_CHUNKS:
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *arguments: object) -> None:
        pass


def make_authority(folder: Path) -> Authority:
    """Return a new test authority with a certificate for evidence.test, kept in ``folder``."""
    ca_key, site_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Reclaim test authority")])
    ca = (
        certificate_builder(ca_name, ca_name, ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .sign(ca_key, hashes.SHA256())
    )
    site_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)])
    site = (
        certificate_builder(site_name, ca_name, site_key.public_key())
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key = site_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    chain_file = folder / "site.pem"
    chain_file.write_bytes(key + site.public_bytes(pem) + ca.public_bytes(pem))
    return Authority(ca.public_bytes(pem), chain_file)


@contextmanager
def serve(
    authority: Authority | None, handler: type[BaseHTTPRequestHandler] = Site
) -> Iterator[int]:
    """Serve the site on 127.0.0.1 (over TLS when ``authority`` is given); yield the port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if authority is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(authority.chain_file)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    # A short poll: shutdown() waits for the loop to look (the default half second, each time).
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def resolver(host: str, port: int) -> list[str]:
    """Resolve only evidence.test (to loopback): anything else is unknown, as in a sandbox."""
    if host == NAME:
        return ["127.0.0.1"]
    raise OSError(f"{host} is not known in this test")


def policy(addresses: Sequence[str], host: str) -> None:
    """The real policy, except that evidence.test may stand for 127.0.0.1."""
    if host == NAME and list(addresses) == ["127.0.0.1"]:
        return
    check_addresses(addresses, host)


def network(authority: Authority) -> Network:
    """Return the capture network of these tests: trusting only the test authority."""
    trust = ssl.create_default_context(cadata=authority.certificate_pem.decode())
    return Network(resolver=resolver, policy=policy, trust=trust)
