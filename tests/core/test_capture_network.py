"""The capture's address gate and recording proxy without a browser: a plain HTTP client goes
through the proxy to ``evidence.test`` on loopback, and what the proxy recorded is compared with
what the test server sent, byte for byte."""

import gzip
import http.client
import io
import json
import socket
import ssl
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from reclaim.capture import (
    AddressGate,
    CaptureError,
    CaptureReason,
    CaptureRefusedError,
    Network,
    capture_page,
    check_url,
)
from reclaim.capture._proxy import RecordingProxy
from reclaim.capture._sign import WaczSignatureError, sign_wacz, verify_wacz

from .. import evidence_site
from ..evidence_site import CSS_CHUNKS, NAME, PAGE, Authority
from ..lockers import SHARED_PASSPHRASE, copy_locker
from ..loopback import Internal


@pytest.mark.parametrize(
    "url",
    [
        "https://user:pass@evidence.test/",
        "https://evidence.test\\@127.0.0.1/",
        "https://evidence.test /x",
        "https://evidence.test/\r\nHost: other",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://evidence.test/",
        "https:///no-host",
        "https://evidence.test:http/",
        "https://%65vidence.test/",
    ],
)
def test_addresses_parsers_disagree_on_are_refused_before_anything_runs(url: str) -> None:
    with pytest.raises(CaptureError):
        check_url(url)


def test_the_gate_resolves_each_name_once() -> None:
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["93.184.216.34"]

    gate = AddressGate(resolver)
    assert gate.resolve("site.example", 443).used == "93.184.216.34"
    assert gate.resolve("site.example", 443).addresses == ("93.184.216.34",)
    assert asked == ["site.example"], "a second lookup could answer differently (rebinding)"


@pytest.mark.parametrize(
    "answer",
    [
        ["127.0.0.1"],
        ["10.1.2.3"],
        ["93.184.216.34", "192.168.1.1"],  # one private address among public ones is enough
        ["169.254.169.254"],
        ["100.64.0.1"],
        ["::ffff:10.0.0.1"],
        ["::1"],
        ["224.0.0.1"],
        ["0.0.0.0"],  # noqa: S104 (an answer to refuse, not an address to bind)
        ["240.0.0.1"],
    ],
)
def test_the_gate_refuses_names_that_stand_for_private_addresses(answer: list[str]) -> None:
    gate = AddressGate(lambda host, port: answer)
    with pytest.raises(CaptureRefusedError, match="private address"):
        gate.resolve("site.example", 443)


def test_the_test_setting_allows_loopback_and_nothing_else() -> None:
    from reclaim.addresses import loopback_only

    assert AddressGate(lambda host, port: ["127.0.0.1"], loopback_only).resolve("a", 80).used
    with pytest.raises(CaptureRefusedError, match="not on this machine"):
        AddressGate(lambda host, port: ["93.184.216.34"], loopback_only).resolve("b", 80)
    with pytest.raises(CaptureRefusedError, match="not on this machine"):
        AddressGate(lambda host, port: ["127.0.0.1", "10.0.0.1"], loopback_only).resolve("c", 80)


def test_an_address_written_out_is_checked_without_asking_the_resolver() -> None:
    def resolver(host: str, port: int) -> list[str]:
        raise AssertionError("an IP address needs no resolver")

    with pytest.raises(CaptureRefusedError):
        AddressGate(resolver).resolve("127.0.0.1", 80)
    assert AddressGate(resolver).resolve("93.184.216.34", 80).used == "93.184.216.34"


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    return evidence_site.make_authority(tmp_path_factory.mktemp("authority"))


@pytest.fixture(scope="module")
def https_port(authority: Authority) -> Iterator[int]:
    with evidence_site.serve(authority) as port:
        yield port


@pytest.fixture(scope="module")
def http_port() -> Iterator[int]:
    with evidence_site.serve(None) as port:
        yield port


@pytest.fixture
def proxy(authority: Authority) -> Iterator[RecordingProxy]:
    network = evidence_site.network(authority)
    gate = AddressGate(evidence_site.resolver, evidence_site.policy)
    running = RecordingProxy(gate, network.trust)
    running.start()
    yield running
    running.close()


def through(proxy: RecordingProxy, port: int, path: str) -> http.client.HTTPResponse:
    """Fetch https://evidence.test:PORT/PATH through the proxy, as Chromium would."""
    # The client trusts the capture's authority, as Chromium is made to (by its key digest).
    towards_proxy = ssl.create_default_context(cadata=proxy.authority.certificate_pem().decode())
    port_of_proxy = int(proxy.address.rsplit(":", 1)[1])
    connection = http.client.HTTPSConnection("127.0.0.1", port_of_proxy, context=towards_proxy)
    connection.set_tunnel(NAME, port, headers={"Proxy-Authorization": proxy.authorisation})
    connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_the_proxy_records_bodies_and_framing_as_carried(
    proxy: RecordingProxy, https_port: int
) -> None:
    assert through(proxy, https_port, "/chunked").status == 200
    assert through(proxy, https_port, "/thread/42").getheader("Content-Encoding") == "gzip"
    chunked, page = proxy.recording.exchanges
    assert chunked.url == f"https://{NAME}:{https_port}/chunked"
    assert chunked.response_body.payload == b"".join(CSS_CHUNKS)
    assert chunked.response_body.raw.startswith(f"{len(CSS_CHUNKS[0]):x}\r\n".encode())
    assert chunked.response_body.raw.endswith(b"0\r\n\r\n")
    assert gzip.decompress(page.response_body.raw) == PAGE
    assert page.request.startswith(b"GET /thread/42 HTTP/1.1\r\n")
    assert page.address == "127.0.0.1" and page.protocol == "HTTP/1.1"
    assert page.sent_utc > chunked.sent_utc


def test_the_proxy_records_the_true_http_version(proxy: RecordingProxy, https_port: int) -> None:
    through(proxy, https_port, "/old.js")
    assert proxy.recording.exchanges[0].protocol == "HTTP/1.0"


def test_the_proxy_keeps_the_verified_chain(
    proxy: RecordingProxy, https_port: int, authority: Authority
) -> None:
    from cryptography import x509

    through(proxy, https_port, "/image.png")
    session = proxy.recording.sessions[0]
    assert (session.host, session.port, session.address) == (NAME, https_port, "127.0.0.1")
    chain = [x509.load_der_x509_certificate(der) for der in session.chain]
    assert chain[0].subject.rfc4514_string() == f"CN={NAME}"
    assert chain[-1] == x509.load_pem_x509_certificate(authority.certificate_pem)


def test_plain_requests_go_upstream_in_origin_form(proxy: RecordingProxy, http_port: int) -> None:
    with socket.create_connection(("127.0.0.1", int(proxy.address.rsplit(":", 1)[1]))) as sock:
        sock.sendall(
            f"GET http://{NAME}:{http_port}/image.png HTTP/1.1\r\nHost: {NAME}:{http_port}\r\n"
            f"Proxy-Authorization: {proxy.authorisation}\r\n"
            "Proxy-Connection: keep-alive\r\nConnection: close\r\n\r\n".encode()
        )
        answer = sock.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.1 200")
    exchange = proxy.recording.exchanges[0]
    assert exchange.request.startswith(b"GET /image.png HTTP/1.1\r\n")
    assert b"Proxy-Connection" not in exchange.request
    assert b"Proxy-Authorization" not in exchange.request, "the credentials stay with the proxy"
    assert exchange.session == 0


def test_the_proxy_refuses_private_addresses_and_says_so(proxy: RecordingProxy) -> None:
    with socket.create_connection(("127.0.0.1", int(proxy.address.rsplit(":", 1)[1]))) as sock:
        sock.sendall(
            b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n"
            + f"Proxy-Authorization: {proxy.authorisation}\r\n\r\n".encode()
        )
        answer = sock.recv(1000)
    assert answer.startswith(b"HTTP/1.1 403")
    assert "private address" in proxy.recording.problems[0].reason
    assert proxy.recording.exchanges == []


@pytest.mark.parametrize("given", ["", "Basic cmVjbGFpbS1jYXB0dXJlOndyb25n"])
def test_a_request_without_the_pages_credentials_is_never_fetched(
    proxy: RecordingProxy, https_port: int, given: str
) -> None:
    """The browser's own calls (to Google) come without them: no lookup, no connection."""
    header = f"Proxy-Authorization: {given}\r\n" if given else ""
    with socket.create_connection(("127.0.0.1", int(proxy.address.rsplit(":", 1)[1]))) as sock:
        sock.sendall(f"CONNECT {NAME}:{https_port} HTTP/1.1\r\n{header}\r\n".encode())
        answer = sock.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.1 407") and b"Proxy-Authenticate: Basic" in answer
    assert proxy.gate.answers() == [] and proxy.recording.sessions == []
    assert proxy.browser_requests() == [f"{NAME}:{https_port}"]


def test_a_certificate_the_trust_store_does_not_know_is_refused(
    authority: Authority, https_port: int
) -> None:
    gate = AddressGate(evidence_site.resolver, evidence_site.policy)
    strict = RecordingProxy(gate, ssl.create_default_context())  # the system's roots only
    strict.start()
    try:
        assert through(strict, https_port, "/thread/42").status == 502
    finally:
        strict.close()
    assert "could not be verified" in strict.recording.problems[0].reason
    assert strict.recording.exchanges == []


def make_wacz(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("datapackage.json", json.dumps({"created": "2026-12-02T00:00:00Z"}))
        archive.writestr("datapackage-digest.json", "{}")
        archive.writestr("archive/data.warc.gz", b"warc")
    return path


def test_a_signed_wacz_verifies_and_a_change_is_caught(tmp_path: Path) -> None:
    wacz = make_wacz(tmp_path / "capture.wacz")
    key = sign_wacz(wacz)
    assert verify_wacz(wacz) == key
    with zipfile.ZipFile(wacz) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
        digest = json.loads(members["datapackage-digest.json"])
    assert set(digest["signedData"]) == {
        "hash", "created", "software", "version", "signature", "publicKey"
    }  # fmt: skip
    assert digest["signedData"]["created"] == "2026-12-02T00:00:00Z"
    assert members["archive/data.warc.gz"] == b"warc"
    changed = tmp_path / "changed.wacz"
    with zipfile.ZipFile(changed, "w") as archive:
        for name, data in members.items():
            if name == "datapackage.json":
                data = data.replace(b"00:00:00", b"00:00:01")
            archive.writestr(name, data)
    with pytest.raises(WaczSignatureError, match="does not match"):
        verify_wacz(changed)
    with pytest.raises(WaczSignatureError):
        verify_wacz(make_wacz(tmp_path / "unsigned.wacz"))


def test_a_capture_custody_entry_states_the_address_time_and_signing_key(tmp_path: Path) -> None:
    box, _ = copy_locker(tmp_path / "locker", SHARED_PASSPHRASE)
    page = tmp_path / "metadata.json"
    page.write_text("{}")
    more = {"status": "404", "error_page": "yes: the server answered 404", "wacz_public_key": "KEY"}
    url, when = "https://forum.example/thread/42", "2026-12-02T00:00:00.000+00:00"
    (item,) = box.add_capture({"metadata.json": page}, url, when, None, more)
    assert item.details["error_page"].startswith("yes")
    entry = next(e for e in box.custody() if e.action == "item-added")
    assert entry.details["url"] == url and entry.details["captured_utc"] == when
    assert entry.details["status"] == "404" and entry.details["wacz_public_key"] == "KEY"
    plain = box.add(io.BytesIO(b"photo"), "photo.jpg", "image/jpeg")
    entry = next(e for e in box.custody() if e.item == plain.id)
    assert "url" not in entry.details


@pytest.mark.parametrize(
    "request_head",
    [b"CONNECT\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/1.1 extra\r\n\r\n", b"\x16\x03\x01\r\n\r\n"],
)
def test_the_proxy_drops_what_is_not_http(proxy: RecordingProxy, request_head: bytes) -> None:
    with socket.create_connection(("127.0.0.1", int(proxy.address.rsplit(":", 1)[1]))) as sock:
        sock.sendall(request_head)
        assert sock.makefile("rb").read() == b"", "closed without an answer"
    assert proxy.recording.exchanges == [] and proxy.recording.problems == []


@pytest.fixture
def internal() -> Iterator[Internal]:
    service = Internal("127.0.0.1")
    yield service
    service.close()


@pytest.mark.parametrize(
    "form",
    [
        "http://127.0.0.1:{port}\\@evidence.test/",
        "http://127.0.0.1:{port}%5C@evidence.test/",
        "http://evidence.test@127.0.0.1:{port}/",
        "http://evidence.test%2F@127.0.0.1:{port}/",
        "http://127.0.0.1:{port}/\t@evidence.test/",
        "http:/\\127.0.0.1:{port}/",
        "http:127.0.0.1:{port}/",
        "http://2130706433:{port}/",
        "http://0x7f.1:{port}/",
        "http://0177.0.0.1:{port}/",
        "http://127.1:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://127.0.0.1:{port}#@evidence.test/",
    ],
)
def test_addresses_read_differently_by_browsers_never_reach_inside(
    form: str, internal: Internal, tmp_path: Path
) -> None:
    """Refused before anything runs: no folder, no proxy, no browser, nothing reached."""
    url = form.format(port=internal.port)
    network = Network(resolver=evidence_site.resolver, policy=evidence_site.policy)
    with pytest.raises(CaptureError) as error:
        capture_page(url, tmp_path / "never", chromium=tmp_path / "no-browser", network=network)
    assert error.value.reason in (CaptureReason.BAD_ADDRESS, CaptureReason.PRIVATE), error.value
    assert not (tmp_path / "never").exists()
    assert internal.reached() == 0


def test_the_proxy_never_sends_a_websocket_request_on(
    proxy: RecordingProxy, http_port: int
) -> None:
    """WebSocket connections are not relayed: the request is refused, not passed on."""
    with socket.create_connection(("127.0.0.1", int(proxy.address.rsplit(":", 1)[1]))) as sock:
        sock.sendall(
            f"GET http://{NAME}:{http_port}/chat HTTP/1.1\r\nHost: {NAME}:{http_port}\r\n"
            f"Proxy-Authorization: {proxy.authorisation}\r\nConnection: Upgrade\r\n"
            "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n".encode()
        )
        answer = sock.recv(1000)
    assert answer.startswith(b"HTTP/1.1 501")
    assert proxy.recording.exchanges == [] and proxy.gate.answers() == [], "never sent on"
    assert "WebSocket" in proxy.recording.problems[0].reason
