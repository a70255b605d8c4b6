"""RDAP lookups against a real RDAP server on loopback, answering in the registries' shapes.

The site's name is resolved by a stand-in resolver (no DNS offline); everything else is real
HTTP to 127.0.0.1.
"""

import ipaddress
import json
import socket
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer

import pytest

from reclaim.addresses import check_addresses
from reclaim.notices import _rdap
from reclaim.notices._rdap import (
    AbuseContact,
    RdapBootstrap,
    RdapError,
    cdn_of,
    look_up,
    registrable_domain,
)
from tests.loopback import Internal, QuietHandler

real_resolve = _rdap._resolve  # kept before the stand-in below replaces it
PUBLIC_RDAP, MOVED_RDAP, INTRANET = "rdap.test", "moved-rdap.test", "intranet.test"


def jcard(*properties: list[object]) -> list[object]:
    return ["vcard", [["version", {}, "text", "4.0"], *properties]]


def registry_answer(base: str) -> dict[str, object]:
    """A thin registry's answer (like Verisign's for .com): the registrar and a related link."""
    return {
        "objectClassName": "domain",
        "ldhName": "EXAMPLE.COM",
        "links": [
            {"rel": "self", "href": f"{base}/domain/EXAMPLE.COM", "type": "application/rdap+json"},
            {
                "rel": "related",
                "href": f"{base}/registrar/domain/EXAMPLE.COM",
                "type": "application/rdap+json",
            },
        ],
        "entities": [
            {
                "objectClassName": "entity",
                "handle": "292",
                "roles": ["registrar"],
                "publicIds": [{"type": "IANA Registrar ID", "identifier": "292"}],
                "vcardArray": jcard(["fn", {}, "text", "Example Registrar, Inc."]),
                "entities": [
                    {
                        "objectClassName": "entity",
                        "roles": ["abuse"],
                        "vcardArray": jcard(
                            ["fn", {}, "text", ""],
                            ["tel", {"type": "voice"}, "uri", "tel:+1.5555550100"],
                            ["email", {}, "text", "abuse@registrar.test"],
                        ),
                    }
                ],
            }
        ],
    }


REGISTRAR_ANSWER = {
    "objectClassName": "domain",
    "ldhName": "example.com",
    "entities": [
        {
            "objectClassName": "entity",
            "roles": ["registrar"],
            "vcardArray": jcard(["fn", {}, "text", "Example Registrar, Inc."]),
            "entities": [
                {
                    "roles": ["abuse"],
                    "vcardArray": jcard(["email", {}, "text", "report@registrar.test"]),
                }
            ],
        },
        {"roles": ["registrant"], "vcardArray": jcard(["fn", {}, "text", "REDACTED"])},
    ],
}

# ARIN's shape: the abuse contact sits inside the organisation that holds the network.
NETWORK_ANSWER = {
    "objectClassName": "ip network",
    "handle": "NET-127-0-0-0-1",
    "startAddress": "127.0.0.0",
    "endAddress": "127.255.255.255",
    "ipVersion": "v4",
    "name": "CLOUDFLARENET",
    "entities": [
        {
            "objectClassName": "entity",
            "handle": "CLOUD14",
            "roles": ["registrant"],
            "vcardArray": jcard(
                ["fn", {}, "text", "Cloudflare, Inc."], ["kind", {}, "text", "org"]
            ),
            "entities": [
                {
                    "objectClassName": "entity",
                    "handle": "ABUSE2916-ARIN",
                    "roles": ["abuse"],
                    "vcardArray": jcard(
                        ["fn", {}, "text", "Abuse"],
                        ["email", {}, "text", "abuse@cloudflare.test"],
                        ["tel", {"type": ["work", "voice"]}, "text", "+1-650-319-8930"],
                    ),
                }
            ],
        }
    ],
}


@dataclass
class Rdap:
    """A loopback RDAP server: answers by path, and records the paths it was asked."""

    base: str = ""
    answers: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    redirects: dict[str, str] = field(default_factory=dict)  # path -> Location

    def set(self, path: str, answer: object, status: int = 200) -> None:
        self.answers[path] = (status, json.dumps(answer).encode())


@pytest.fixture
def rdap() -> Iterator[Rdap]:
    server_data = Rdap()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            server_data.asked.append(self.path)
            if self.path in server_data.redirects:
                self.answer(302, b"", "text/plain", ("Location", server_data.redirects[self.path]))
                return
            status, body = server_data.answers.get(self.path, (404, b'{"errorCode": 404}'))
            self.answer(status, body, "application/rdap+json")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    server_data.base = f"http://127.0.0.1:{server.server_address[1]}"
    server_data.set("/domain/example.com", registry_answer(server_data.base))
    server_data.set("/registrar/domain/EXAMPLE.COM", REGISTRAR_ANSWER)
    server_data.set("/ip/127.0.0.1", NETWORK_ANSWER)
    try:
        yield server_data
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def example_resolves_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand in for DNS: example.com's names resolve to two loopback addresses."""
    names = {
        "www.example.com": ["127.0.0.1", "127.0.0.2"],
        "127.0.0.1": ["127.0.0.1"],
        PUBLIC_RDAP: ["127.0.0.1"],  # "public" RDAP servers, here on loopback
        MOVED_RDAP: ["127.0.0.1"],
        INTRANET: ["127.0.0.1"],  # a name for an internal service: refused by the policy
    }

    def resolve(host: str, problems: list[str]) -> list[str]:
        if host not in names:
            problems.append(f"The name {host} could not be found (it may no longer exist).")
        return names.get(host, [])

    monkeypatch.setattr(_rdap, "_resolve", resolve)


def test_the_real_resolver_returns_addresses_once_each() -> None:
    problems: list[str] = []
    assert real_resolve("127.0.0.1", problems) == ["127.0.0.1"]
    assert "127.0.0.1" in real_resolve("localhost", problems) and problems == []


def test_finds_the_registrar_the_network_and_the_cdn(rdap: Rdap) -> None:
    report = look_up(
        "https://www.example.com/gallery/1", RdapBootstrap.single(rdap.base), allow_private=True
    )
    assert report.domain == "example.com"
    assert report.addresses == ("127.0.0.1", "127.0.0.2")
    assert report.registrar == AbuseContact(
        role="registrar",
        name="Example Registrar, Inc.",
        email="report@registrar.test",  # the registrar's own answer comes first
        phone="+1.5555550100",  # only the registry gave a phone number
        source_url=f"{rdap.base}/registrar/domain/EXAMPLE.COM",
    )
    assert report.networks == (
        AbuseContact(
            role="network",
            name="CLOUDFLARENET (Cloudflare, Inc.)",
            email="abuse@cloudflare.test",
            phone="+1-650-319-8930",
            source_url=f"{rdap.base}/ip/127.0.0.1",
        ),
    )
    assert report.cdn == "Cloudflare" and report.problems == ()
    assert "/ip/127.0.0.2" not in rdap.asked, "127.0.0.2 is in the network already found"


def test_registry_answer_alone_gives_the_registrar(rdap: Rdap) -> None:
    del rdap.answers["/registrar/domain/EXAMPLE.COM"]
    report = look_up(
        "https://www.example.com/", RdapBootstrap.single(rdap.base + "/"), allow_private=True
    )
    assert report.registrar is not None
    assert report.registrar.email == "abuse@registrar.test"
    assert report.registrar.source_url == f"{rdap.base}/domain/example.com"
    assert report.problems == (
        "The RDAP server answered status 404 for the domain example.com at its registrar.",
    )


def test_a_404_and_an_answer_that_is_not_json_become_problems(rdap: Rdap) -> None:
    del rdap.answers["/domain/example.com"]
    rdap.answers["/ip/127.0.0.1"] = (200, b"<html>not rdap</html>")
    rdap.set("/ip/127.0.0.2", ["not", "an", "object"])
    report = look_up(
        "https://www.example.com/", RdapBootstrap.single(rdap.base), allow_private=True
    )
    assert report.registrar is None and report.networks == () and report.cdn == ""
    assert report.problems == (
        "The RDAP server answered status 404 for the domain example.com.",
        "The RDAP server's answer for the address 127.0.0.1 is not RDAP.",
        "The RDAP server's answer for the address 127.0.0.2 is not RDAP.",
    )


def test_an_rdap_server_that_cannot_be_reached_becomes_a_problem() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    report = look_up("https://www.example.com/", RdapBootstrap.single(closed), allow_private=True)
    assert report.registrar is None and report.networks == ()
    assert report.problems == (
        "The RDAP server for the domain example.com could not be reached.",
        "The RDAP server for the address 127.0.0.1 could not be reached.",
        "The RDAP server for the address 127.0.0.2 could not be reached.",
    )


def test_a_name_that_does_not_resolve_still_gets_its_registrar(rdap: Rdap) -> None:
    rdap.set("/domain/gone.example", {"entities": []})
    report = look_up("http://gone.example/", RdapBootstrap.single(rdap.base), allow_private=True)
    assert report.addresses == () and report.networks == ()
    assert report.problems == (
        "The name gone.example could not be found (it may no longer exist).",
        "The RDAP answer for gone.example names no registrar.",
    )


def test_private_addresses_are_not_looked_up_without_allow_private(rdap: Rdap) -> None:
    report = look_up("https://www.example.com/", RdapBootstrap.single(rdap.base))
    assert report.networks == () and not any(p.startswith("/ip/") for p in rdap.asked)
    assert report.addresses == ("127.0.0.1", "127.0.0.2")
    assert any("127.0.0.1 (of www.example.com) is private" in p for p in report.problems)
    assert report.registrar is not None, "the domain is still looked up"
    assert any("not https" in p for p in report.problems), "the loopback related link is not"


def test_an_ip_address_has_no_domain_to_ask_about(rdap: Rdap) -> None:
    report = look_up("http://127.0.0.1:8080/x", RdapBootstrap.single(rdap.base), allow_private=True)
    assert report.domain == "" and report.registrar is None
    assert [n.email for n in report.networks] == ["abuse@cloudflare.test"]
    assert rdap.asked == ["/ip/127.0.0.1"]


@pytest.mark.parametrize("url", ["ftp://example.com/", "example.com", "mailto:a@example.com"])
def test_rejects_an_address_that_is_not_a_web_address(url: str) -> None:
    with pytest.raises(RdapError):
        look_up(url, RdapBootstrap.single("http://127.0.0.1:9/"))


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("a.b.example.co.uk", "example.co.uk"),
        ("example.co.uk", "example.co.uk"),
        ("www.example.com", "example.com"),
        ("WWW.Example.COM.", "example.com"),
        ("cdn.shop.example.com.au", "example.com.au"),
        ("example.com", "example.com"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("user.github.io", "github.io"),  # the Public Suffix List would keep user.github.io
    ],
)
def test_registrable_domain(host: str, domain: str) -> None:
    assert registrable_domain(host) == domain


DNS = {
    "version": "1.0",
    "publication": "2026-11-20T18:00:01Z",
    "services": [
        [["com", "net"], ["https://rdap.verisign.com/com/v1/"]],
        [["uk"], ["http://rdap.nominet.uk/uk/", "https://rdap.nominet.uk/uk/"]],
        [["xn--p1ai"], ["https://rdap.tcinet.ru"]],
    ],
}
IPV4 = {
    "version": "1.0",
    "services": [
        [["1.0.0.0/8", "27.0.0.0/8"], ["https://rdap.apnic.net/"]],
        [["8.0.0.0/8"], ["https://rdap.arin.net/registry/", "http://rdap.arin.net/registry/"]],
        [["8.8.0.0/16"], ["https://rdap.example-nir.test/"]],
    ],
}
IPV6 = {
    "version": "1.0",
    "services": [
        [["2001:200::/23"], ["https://rdap.apnic.net/"]],
        [["2a00::/12"], ["https://rdap.db.ripe.net/"]],
    ],
}


def test_reads_ianas_bootstrap_files() -> None:
    bootstrap = RdapBootstrap.from_iana(*(json.dumps(f).encode() for f in (DNS, IPV4, IPV6)))
    assert bootstrap.domain_base("example.com") == "https://rdap.verisign.com/com/v1/"
    assert bootstrap.domain_base("example.co.uk") == "https://rdap.nominet.uk/uk/"
    assert bootstrap.domain_base("EXAMPLE.XN--P1AI") == "https://rdap.tcinet.ru/"
    assert bootstrap.domain_base("example.zz") is None
    assert bootstrap.ip_base("1.1.1.1") == "https://rdap.apnic.net/"
    assert bootstrap.ip_base("8.8.8.8") == "https://rdap.example-nir.test/", "longest prefix"
    assert bootstrap.ip_base("8.9.0.1") == "https://rdap.arin.net/registry/"
    assert bootstrap.ip_base("::ffff:8.9.0.1") == "https://rdap.arin.net/registry/"
    assert bootstrap.ip_base("2a00:1450::1") == "https://rdap.db.ripe.net/"
    assert bootstrap.ip_base("9.9.9.9") is None
    assert (ipaddress.ip_network("27.0.0.0/8"), "https://rdap.apnic.net/") in bootstrap.networks


@pytest.mark.parametrize(
    "files",
    [
        (b"not json", b"{}", b"{}"),
        (json.dumps(DNS).encode(), b'{"services": [[["300.0.0.0/8"], ["https://x/"]]]}', b"{}"),
        (b'{"services": 3}', json.dumps(IPV4).encode(), json.dumps(IPV6).encode()),
    ],
)
def test_a_broken_bootstrap_file_raises(files: tuple[bytes, bytes, bytes]) -> None:
    with pytest.raises(RdapError):
        RdapBootstrap.from_iana(*files)


def test_single_sends_every_question_to_one_server() -> None:
    bootstrap = RdapBootstrap.single("http://127.0.0.1:8080/rdap")
    assert bootstrap.domain_base("example.co.uk") == "http://127.0.0.1:8080/rdap/"
    assert bootstrap.ip_base("2001:db8::1") == "http://127.0.0.1:8080/rdap/"
    assert bootstrap.ip_base("192.0.2.1") == "http://127.0.0.1:8080/rdap/"


@pytest.mark.parametrize(
    ("name", "cdn"),
    [
        ("CLOUDFLARENET (Cloudflare, Inc.)", "Cloudflare"),
        ("FASTLY", "Fastly"),
        ("AKAMAI-4", "Akamai"),
        ("AMAZON-02 (Amazon.com, Inc.)", ""),
        ("EXAMPLE-HOSTING", ""),
    ],
)
def test_cdn_networks_by_name(name: str, cdn: str) -> None:
    assert cdn_of(name) == cdn


def public_test_names(addresses: Sequence[str], host: str) -> None:
    """The real policy, except that the test's "public" RDAP names may stand for loopback."""
    if host in (PUBLIC_RDAP, MOVED_RDAP) and list(addresses) == ["127.0.0.1"]:
        return
    check_addresses(addresses, host)


@pytest.fixture
def internal() -> Iterator[Internal]:
    service = Internal("127.0.0.1")
    yield service
    service.close()


@pytest.mark.parametrize("towards", ["http://127.0.0.1:{port}/", f"http://{INTRANET}:{{port}}/"])
def test_an_rdap_redirect_into_the_local_network_is_refused(
    rdap: Rdap, internal: Internal, towards: str
) -> None:
    rdap.redirects["/domain/example.com"] = towards.format(port=internal.port)
    port = rdap.base.rsplit(":", 1)[1]
    bootstrap = RdapBootstrap.single(f"http://{PUBLIC_RDAP}:{port}/")
    report = look_up("https://www.example.com/", bootstrap, policy=public_test_names)
    assert internal.reached() == 0, "the internal service was never asked"
    assert rdap.asked == ["/domain/example.com"]
    assert report.registrar is None
    assert any("was not followed" in p and "private, local or reserved" in p
               for p in report.problems), report.problems  # fmt: skip


def test_an_rdap_redirect_to_a_public_server_is_followed(rdap: Rdap) -> None:
    port = rdap.base.rsplit(":", 1)[1]
    rdap.redirects["/domain/example.com"] = f"http://{MOVED_RDAP}:{port}/moved/example.com"
    rdap.set("/moved/example.com", REGISTRAR_ANSWER)
    bootstrap = RdapBootstrap.single(f"http://{PUBLIC_RDAP}:{port}/")
    report = look_up("https://www.example.com/", bootstrap, policy=public_test_names)
    assert rdap.asked == ["/domain/example.com", "/moved/example.com"]
    assert report.registrar is not None and report.registrar.email == "report@registrar.test"
