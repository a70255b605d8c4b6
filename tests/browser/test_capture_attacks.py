"""Pages that try to make a capture reach into the network it runs in, captured with a real
Chromium. Each page is on ``evidence.test`` (a "public" name: the test's resolver maps it to
127.0.0.1 and the test's policy allows that one answer); the service it aims at is on loopback
too, and the real policy refuses it. For every attack the internal service sees not one
connection or datagram, and nothing it would have said is in the WARC, MHTML or DOM.

Each attack aims at an internal service of its own, answering a secret of its own, so that the
attacks that leave the page in place all run on one page in one capture (a capture is a few
seconds of Chromium) and a failure still names the attack that got through. Each attack that
moves the page itself ends its capture, so those keep a capture each; the module's captures
run a few at a time (see ``taken``), each test checking its own. The page of every
sub-resource attack is captured in every Chromium on the machine that Reclaim would use, each
aimed at services of its own: Chromiums differ in the flags they read."""

import gzip
import json
import quopri
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from reclaim.capture import CaptureError, CaptureReason, Network, capture_page
from reclaim.capture.chromium import every_chromium

from .. import evidence_site
from ..evidence_site import NAME, Authority
from ..loopback import SECRET, Internal, QuietHandler

INTRANET = "intranet.test"  # a name the test resolver maps to the internal service


def attack_pages(internal: Internal) -> dict[str, str]:
    """Return each attack's page body, aimed at ``internal``."""
    at, port = internal.base, internal.port
    spellings = [
        f"http://2130706433:{port}/",
        f"http://0x7f.1:{port}/",
        f"http://[::ffff:127.0.0.1]:{port}/",
        f"http://localhost:{port}/",
        f"http://{INTRANET}:{port}/",
    ]
    fetches = "".join(f"fetch({url!r}).then(r => r.text()).then(t => document.body.append(t));"
                      for url in spellings)  # fmt: skip
    rules = json.dumps(
        {
            "prerender": [{"source": "list", "urls": [f"{at}/speculated"]}],
            "prefetch": [{"source": "list", "urls": [f"{at}/speculated-prefetch"]}],
        }
    )
    return {
        "meta-refresh": f'<meta http-equiv="refresh" content="0; url={at}/refreshed">',
        "script-redirect": f'<script>location.href = "{at}/scripted";</script>',
        "late-script-redirect": f'<script>setTimeout(() => location = "{at}/later", 300)</script>',
        "form-post": f'<form id="f" method="post" action="{at}/posted"><input name="a"></form>'
        "<script>document.getElementById('f').submit()</script>",
        "image": f'<img src="{at}/image.png" alt="">',
        "iframe": f'<iframe src="{at}/framed"></iframe>',
        "fetch": f'<script>fetch("{at}/fetched").then(r => r.text())'
        ".then(t => document.body.append(t))</script>",
        "fetch-by-other-spellings": f"<script>{fetches}</script>",
        "xhr": f'<script>const x = new XMLHttpRequest(); x.open("GET", "{at}/xhr");'
        "x.onload = () => document.body.append(x.responseText); x.send();</script>",
        "websocket": f'<script>const w = new WebSocket("ws://{internal.host}:{port}/socket");'
        "w.onmessage = e => document.body.append(e.data);</script>",
        "event-source": f'<script>new EventSource("{at}/events")</script>',
        "stylesheet": f'<link rel="stylesheet" href="{at}/style.css">',
        "object-and-embed": f'<object data="{at}/object"></object><embed src="{at}/embed">',
        "prefetch": f'<link rel="prefetch" href="{at}/prefetched">',
        "preconnect": f'<link rel="preconnect" href="{at}">'
        f'<link rel="dns-prefetch" href="//{INTRANET}">',
        "prerender": f'<link rel="prerender" href="{at}/prerendered">'
        f'<script type="speculationrules">{rules}</script>',
        "service-worker": "<script>navigator.serviceWorker &&"
        f" navigator.serviceWorker.register('/{worker_script(internal)}').catch(() => {{}})"
        "</script>",
        "worker": "<script>new Worker(URL.createObjectURL(new Blob("
        f"['fetch(\"{at}/from-worker\")'], {{type: 'text/javascript'}})))</script>",
        "beacon": f'<script>navigator.sendBeacon("{at}/beacon", "x")</script>',
        "popup": f'<script>window.open("{at}/popup")</script>',
        "webrtc": "<script>const pc = new RTCPeerConnection({iceServers: ["
        f'{{urls: "stun:{internal.host}:{port}"}}, {{urls: "turn:{internal.host}:{port}'
        '?transport=tcp", username: "u", credential: "c"}]});'
        'pc.createDataChannel("d"); pc.createOffer().then(o => pc.setLocalDescription(o));'
        "</script>",
        "webtransport": "<script>try { new WebTransport("
        f'"https://{internal.host}:{port}/wt").ready.catch(() => {{}}) }} catch (e) {{}}</script>',
    }


REDIRECTS = {"redirect": "{at}/redirected", "redirect-by-name": f"http://{INTRANET}:{{port}}/"}
NAVIGATIONS = [
    "redirect", "redirect-by-name", "meta-refresh", "script-redirect", "late-script-redirect",
    "form-post",
]  # fmt: skip
SUB_RESOURCES = [
    "image", "iframe", "fetch", "fetch-by-other-spellings", "xhr", "websocket", "event-source",
    "stylesheet", "object-and-embed", "prefetch", "preconnect", "prerender", "service-worker",
    "worker", "beacon", "popup", "webrtc", "webtransport",
]  # fmt: skip
EVERY_SUB_RESOURCE = "every-sub-resource"  # one page carrying every attack in SUB_RESOURCES


def worker_script(internal: Internal) -> str:
    """Return the path of the service worker that aims at ``internal`` (one per service, so
    the page in each Chromium registers a worker aimed at that Chromium's own service)."""
    return f"sw-{internal.port}.js"


def secret_of(attack: str) -> str:
    """Return what the internal service ``attack`` aims at says (each has its own)."""
    return f"{SECRET}[{attack}]"


def attack_site(services: Mapping[str, Internal]) -> type[BaseHTTPRequestHandler]:
    """Return a handler for evidence.test serving one attack page per path, each aimed at its
    own service in ``services``, and every sub-resource attack together on one page."""
    pages = {name: attack_pages(services[name])[name] for name in SUB_RESOURCES + NAVIGATIONS
             if name not in REDIRECTS}  # fmt: skip
    pages[EVERY_SUB_RESOURCE] = "".join(pages[name] for name in SUB_RESOURCES)
    for chromium in OTHERS:
        pages[in_other(EVERY_SUB_RESOURCE, chromium)] = "".join(
            attack_pages(services[in_other(name, chromium)])[name] for name in SUB_RESOURCES
        )
    workers = {
        worker_script(inside): f'self.addEventListener("install", e => e.waitUntil(fetch("'
        f'{inside.base}/sw")));'
        for inside in [services[name] for name in in_every_chromium("service-worker")]
    }

    class AttackSite(QuietHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            name = self.path.strip("/")
            if name in REDIRECTS:
                inside = services[name]
                target = REDIRECTS[name].format(at=inside.base, port=inside.port)
                self.answer(302, b"", "text/plain", ("Location", target))
            elif name in workers:
                self.answer(200, workers[name].encode(), "text/javascript")
            elif name in pages:
                body = f"<!doctype html><title>Public page</title><h1>Public</h1>{pages[name]}"
                self.answer(200, body.encode(), "text/html")
            else:
                self.answer(404, b"", "text/plain")

    return AttackSite


def resolver(host: str, port: int) -> list[str]:
    """evidence.test and intranet.test both resolve to loopback (only the first is allowed)."""
    if host in (NAME, INTRANET):
        return ["127.0.0.1"]
    raise OSError(f"{host} is not known in this test")


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    return evidence_site.make_authority(tmp_path_factory.mktemp("authority"))


# Every Chromium on the machine that Reclaim would use: the first is the one it picks, where
# every attack runs; each other one gets the page of every sub-resource attack too, since
# Chromiums differ in which flags they read (the WebRTC policy: see reclaim.capture).
CHROMIUMS = {path.name: path for path in every_chromium()}
FIRST = next(iter(CHROMIUMS), "none")
OTHERS = [name for name in CHROMIUMS if name != FIRST]


def in_other(attack: str, chromium: str) -> str:
    """Return the name of ``attack`` as aimed at from ``chromium`` (the first's is the name)."""
    return attack if chromium == FIRST else f"{attack}@{chromium}"


def in_every_chromium(attack: str) -> list[str]:
    """Return the names of ``attack`` as aimed at from each Chromium, the first one's first."""
    return [in_other(attack, chromium) for chromium in [FIRST, *OTHERS]]


@pytest.fixture(scope="module")
def services() -> Iterator[dict[str, Internal]]:
    """An internal service for each attack (no two attacks aim at the same one), and for each
    sub-resource attack in every other Chromium."""
    names = NAVIGATIONS + SUB_RESOURCES
    names += [in_other(attack, chromium) for chromium in OTHERS for attack in SUB_RESOURCES]
    made = {name: Internal("127.0.0.1", secret=secret_of(name)) for name in names}
    yield made
    with ThreadPoolExecutor(max_workers=len(made)) as closing:  # each waits for its loop
        list(closing.map(Internal.close, made.values()))


@pytest.fixture(scope="module")
def site(authority: Authority, services: dict[str, Internal]) -> Iterator[str]:
    with evidence_site.serve(authority, attack_site(services)) as port:
        yield f"https://{NAME}:{port}"


def network(authority: Authority, look_up: Callable[[str, int], list[str]] = resolver) -> Network:
    trust = evidence_site.network(authority).trust
    return Network(resolver=look_up, policy=evidence_site.policy, trust=trust)


def captured_text(folder: Path) -> dict[str, str]:
    """Return the text of the capture's WARC, MHTML and DOM (whichever were written)."""
    found = {}
    if (folder / "capture.warc.gz").exists():
        found["warc"] = gzip.decompress((folder / "capture.warc.gz").read_bytes()).decode("latin-1")
    if (folder / "page.mhtml").exists():
        raw = (folder / "page.mhtml").read_bytes()
        found["mhtml"] = (raw + quopri.decodestring(raw)).decode("latin-1")
    if (folder / "dom.html").exists():
        found["dom"] = (folder / "dom.html").read_text()
    return found


def capture_attack(
    site: str, name: str, folder: Path, chromium: Path, net: Network
) -> CaptureError | None:
    """Capture the attack page; return None if it was captured, or why it was refused."""
    try:
        capture_page(f"{site}/{name}", folder, chromium=chromium, network=net)
    except CaptureError as error:
        return error
    return None


REBINDING = "rebinding"
CAPTURES_AT_ONCE = 3  # each a Chromium of its own: more would only queue for the same cores


@dataclass(frozen=True)
class Taken:
    """One capture of the module: its folder, and what it came to once it has run."""

    folder: Path
    outcome: "Future[Any]"


@pytest.fixture(scope="module")
def taken(
    site: str, authority: Authority, chromium_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Taken]]:
    """Every capture of this module, started at once and run a few at a time, in the order of
    the tests (each waits for its own): a capture is seconds of Chromium, much of it waiting for
    the network to fall quiet. Each attack aims at a service of its own, so no capture can
    reach another's, and what each test checks after its capture it now checks later still."""
    root = tmp_path_factory.mktemp("attacks")
    with ThreadPoolExecutor(max_workers=CAPTURES_AT_ONCE) as pool:
        found = {}
        for name in [*NAVIGATIONS, EVERY_SUB_RESOURCE]:
            folder = root / name
            job = pool.submit(capture_attack, site, name, folder, chromium_path, network(authority))
            found[name] = Taken(folder, job)
        for chromium in OTHERS:
            name = in_other(EVERY_SUB_RESOURCE, chromium)
            folder = root / name
            net = network(authority)
            job = pool.submit(capture_attack, site, name, folder, CHROMIUMS[chromium], net)
            found[name] = Taken(folder, job)
        folder = root / REBINDING
        found[REBINDING] = Taken(
            folder, pool.submit(capture_rebinding, authority, folder, chromium_path)
        )
        yield found


@pytest.mark.parametrize("attack", NAVIGATIONS)
def test_a_page_that_sends_the_browser_inside_is_refused(
    attack: str, taken: dict[str, Taken], services: dict[str, Internal]
) -> None:
    folder, refused = taken[attack].folder, taken[attack].outcome.result()
    inside = services[attack]
    assert inside.reached() == 0, "the internal service was reached"
    for kind, text in captured_text(folder).items():
        assert SECRET not in text, kind
    assert refused is not None, "the page itself went inside: nothing is kept"
    assert refused.reason == CaptureReason.PRIVATE, str(refused)
    assert "private address" in str(refused), "the reason is said in words"
    assert not folder.exists(), "nothing half-made is left"


@pytest.mark.parametrize("chromium", list(CHROMIUMS))
def test_what_a_page_loads_from_inside_never_reaches_the_capture(
    chromium: str, taken: dict[str, Taken], services: dict[str, Internal], chromium_path: Path
) -> None:
    """Every attack in SUB_RESOURCES on one page, each at its own service, in every Chromium
    Reclaim would use: a failure lists the attacks that reached their service or whose
    service's answer was captured."""
    assert chromium_path.name == FIRST, "the first Chromium is the one captures pick"
    page = in_other(EVERY_SUB_RESOURCE, chromium)
    folder = taken[page].folder
    refused = taken[page].outcome.result()
    assert refused is None, f"the public page is still captured: {refused}"
    text = captured_text(folder)
    assert set(text) == {"warc", "mhtml", "dom"}
    assert "<h1>Public</h1>" in text["dom"]
    through = {}
    for attack in SUB_RESOURCES:
        aimed = in_other(attack, chromium)
        inside = services[aimed]
        kept = [kind for kind, found in text.items() if secret_of(aimed) in found]
        if inside.reached() or kept:
            through[attack] = (inside.connections, inside.datagrams, kept)
    assert not through, f"attack: (connections, datagrams, captured in): {through}"
    for kind, found in text.items():
        assert SECRET not in found, kind


class Rebinding(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # a connection per request: each could go elsewhere

    def do_GET(self) -> None:
        body = (
            b"<!doctype html><title>Public page</title><h1>Public</h1>"
            b"<img src='/a.png'><iframe src='/frame'></iframe><script>"
            b"setTimeout(() => fetch('/later').then(r => r.text())"
            b".then(t => document.body.append(t)), 400)</script>"
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *arguments: object) -> None:
        pass


def capture_rebinding(
    authority: Authority, folder: Path, chromium: Path
) -> tuple[list[str], Internal]:
    """Capture a page whose name answers 127.0.0.1 (allowed) once, then 127.0.0.2, where an
    internal service listens on the same port; return the names asked for and that service."""
    answers: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        answers.append(host)
        return ["127.0.0.1"] if len(answers) == 1 else ["127.0.0.2"]

    with evidence_site.serve(authority, Rebinding) as port:
        inside = Internal("127.0.0.2", port)
        try:
            url = f"https://{NAME}:{port}/"
            capture_page(url, folder, chromium=chromium, network=network(authority, rebinding))
        finally:
            inside.close()
    return answers, inside


def test_a_name_that_rebinds_to_an_inside_address_stays_pinned(taken: dict[str, Taken]) -> None:
    """The name answers 127.0.0.1 (allowed) once, then 127.0.0.2, where an internal service
    listens on the same port: every request of the capture still goes to the address checked."""
    answers, inside = taken[REBINDING].outcome.result()
    assert answers == [NAME], "the name was resolved once"
    assert inside.reached() == 0
    for kind, text in captured_text(taken[REBINDING].folder).items():
        assert SECRET not in text, kind
