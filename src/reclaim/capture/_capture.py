"""Capture a web page as evidence with Chromium: full-page screenshot and PDF (with the
address and capture time shown on them), MHTML, the DOM as HTML, a WARC of what the network
carried packed as a signed WACZ, and metadata. Nothing is sent anywhere but the page's own
servers; never to a public archive.

Every request Chromium makes goes through the recording proxy (reclaim.capture._proxy), which
asks the address gate first: the WARC holds the bytes the proxy sent and received, not the
browser's view of them.
"""

import contextlib
import datetime
import hashlib
import io
import json
import shutil
import ssl
import sys
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from reclaim import __version__
from reclaim.addresses import Policy, Resolver, check_addresses, loopback_only, resolve
from reclaim.capture._drivers import DRIVERS_OF_THIS_PROCESS
from reclaim.capture._errors import (
    CaptureError,
    CaptureNotShownError,
    CaptureReason,
    CaptureRefusedError,
    reason_of_browser_error,
)
from reclaim.capture._gate import AddressGate, check_url
from reclaim.capture._proxy import Exchange, RecordingProxy
from reclaim.capture._sandbox import NO_SANDBOX_HELP, browser_home, is_sandbox_failure
from reclaim.capture._sign import ALGORITHM, sign_wacz
from reclaim.capture._warc import DESCRIPTION, write_warc
from reclaim.capture.chromium import (
    CHROMIUM_ARGS,
    every_chromium,
    find_chromium,
    is_headless_shell,
)

NAVIGATION_TIMEOUT_MS = 30_000  # for the page's own document to arrive and be read
# Then for the page to load (its images, frames and embeds) and for its network to fall quiet
# (half a second with nothing in flight), which most pages reach at once. A page that never
# does (an <embed> whose address the proxy refused once held Chromium's load forever; a long
# poll) is saved as it is after these waits, and its metadata says so: no page can refuse
# to be captured by never finishing.
LOAD_TIMEOUT_MS = 30_000
QUIET_TIMEOUT_MS = 10_000
BANNER_ID = "reclaim-capture-banner"
PRIVATE_FOLDER_MODE = 0o700
# Only for a capture's Chromium, whose every request goes to the recording proxy: it may not
# resolve a name itself (no DNS, no DNS over HTTPS: the proxy's gate resolves), and WebRTC
# may not send UDP past the proxy (STUN and TURN to any address). QUIC is off for all.
# The desktop Chromium reads the WebRTC policy from --webrtc-ip-handling-policy and ignores
# the --force- spelling; the headless shell reads only the --force- one (each was tried with a
# STUN server on loopback: tests/browser/test_capture_attacks.py runs that in every Chromium
# on the machine). Both are given, so whichever Chromium runs, no datagram leaves.
WEBRTC_POLICY = "disable_non_proxied_udp"
CAPTURE_ONLY_ARGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    f"--webrtc-ip-handling-policy={WEBRTC_POLICY}",
    f"--force-webrtc-ip-handling-policy={WEBRTC_POLICY}",
)
# Playwright's error when a navigation became a download (seen with Chromium 156's headless
# shell on a PDF: the desktop Chromium shows the PDF in its viewer instead).
DOWNLOAD_STARTED = "Page.goto: Download is starting"
NOT_SHOWN = (
    "the page could not be captured: the address is a file to download (such as a PDF), which "
    "Chromium's headless shell cannot show; with Debian's chromium package installed too, "
    "such addresses are captured in it"
)
_WACZ_LOCK = threading.Lock()  # one packing at a time: each redirects the process's stdout


@dataclass(frozen=True)
class Capture:
    """The files of one capture and what was recorded about it."""

    folder: Path
    files: dict[str, Path]
    metadata: dict[str, Any]

    def locker_details(self) -> dict[str, str]:
        """Return the details the locker keeps with each file of this capture."""
        status = int(self.metadata["status"])
        return {
            "url": str(self.metadata["requested_url"]),
            "captured_utc": str(self.metadata["capture_started_utc"]),
            "status": str(status),
            "error_page": _error_words(status),
            "wacz_public_key": str(self.metadata["wacz_signature"]["public_key"]),
        }


@dataclass(frozen=True)
class Network:
    """How a capture reaches the web: which resolver, address policy and trust store it uses.

    The defaults are the system's; tests inject a resolver that maps a test name to loopback,
    a policy that allows that one answer, and a trust store holding their test authority.
    """

    resolver: Resolver | None = None
    policy: Policy | None = None
    trust: ssl.SSLContext | None = None


def check_address(url: str, allow_private: bool = False) -> None:
    """Raise CaptureError unless ``url`` is http(s) on a public address (or private allowed)."""
    _gate(url, allow_private, Network())


def capture_page(
    url: str,
    destination: Path,
    allow_private: bool = False,
    chromium: Path | None = None,
    network: Network | None = None,
) -> Capture:
    """Capture ``url`` into the new folder ``destination``; return what was written.

    Raises CaptureError (CaptureRefusedError for a private address, before anything runs or
    when the page sends its own frame to one); the folder is then removed. An address that
    Chromium's headless shell would save as a download (a PDF) is captured in a full Chromium
    when one is installed (``chromium`` not given); else CaptureNotShownError.
    """
    network = network or Network()
    gate = _gate(url, allow_private, network)  # refuses before anything is fetched
    *first, last = [chromium] if chromium is not None else _browsers_to_try()
    for browser in first:
        try:
            return _capture_once(url, destination, gate, browser, network)
        except CaptureNotShownError:
            continue  # the next Chromium may show it
    return _capture_once(url, destination, gate, last, network)


def _capture_once(
    url: str, destination: Path, gate: AddressGate, chromium: Path, network: Network
) -> Capture:
    destination.mkdir(parents=True, mode=PRIVATE_FOLDER_MODE)  # evidence: its owner's eyes only
    try:
        return _capture_into(url, destination, gate, chromium, network)
    except BaseException:
        shutil.rmtree(destination, ignore_errors=True)  # nothing half-made is left behind
        raise


def _browsers_to_try() -> list[Path]:
    """Return the Chromium a capture picks, then, if that is a headless shell, the first full
    Chromium on the machine: only a full one shows a PDF (in its viewer) instead of saving it.
    The second is tried only for an address the first would save (CaptureNotShownError)."""
    first = find_chromium()
    if not is_headless_shell(first):
        return [first]
    return [first, *[found for found in every_chromium() if not is_headless_shell(found)][:1]]


def _capture_into(
    url: str, destination: Path, gate: AddressGate, chromium: Path | None, network: Network
) -> Capture:
    started = datetime.datetime.now(datetime.UTC)
    proxy = RecordingProxy(gate, network.trust)
    proxy.start()
    try:
        # In a thread with a started driver and no event loop (see _drivers).
        page, browser = DRIVERS_OF_THIS_PROCESS.run(
            lambda playwright: _run_browser(playwright, url, destination, started, chromium, proxy)
        )
    finally:
        proxy.close()
    metadata = _metadata(url, page, proxy, started, browser)
    write_warc(destination / "capture.warc.gz", proxy.recording, gate.answers(), browser)
    first = _first_hop(page)
    _pack_wacz(destination, first, _fetched_at(proxy, first, started), str(page["title"]))
    public_key = sign_wacz(destination / "capture.wacz")
    metadata["wacz_signature"] = {"public_key": public_key, "algorithm": ALGORITHM}
    return _finish(destination, metadata)


def _first_hop(page: dict[str, Any]) -> str:
    """Return the requested address as Chromium wrote it (and so as the WARC records it)."""
    chain = page["redirect_chain"]
    return str(chain[0]["url"]) if chain else str(page["final_url"])


def _fetched_at(proxy: RecordingProxy, url: str, started: datetime.datetime) -> datetime.datetime:
    """Return when ``url`` was requested (its WARC date, which the WACZ's page entry names)."""
    exchange = _exchange_for(proxy, url)
    if exchange is None:
        return started
    return datetime.datetime.strptime(exchange.sent_utc, "%Y-%m-%dT%H:%M:%S.%fZ")


def _gate(url: str, allow_private: bool, network: Network) -> AddressGate:
    parts = check_url(url)
    policy = loopback_only if allow_private else (network.policy or check_addresses)
    gate = AddressGate(network.resolver or resolve, policy)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    gate.resolve(parts.hostname or "", port)
    return gate


def _finish(destination: Path, metadata: dict[str, Any]) -> Capture:
    files = {path.name: path for path in sorted(destination.iterdir())}
    metadata["files"] = {name: _sha256(path) for name, path in files.items()}
    (destination / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    files["metadata.json"] = destination / "metadata.json"
    for path in files.values():
        path.chmod(0o600)  # whatever the umask: Chromium and Python write 0644 by default
    return Capture(destination, files, metadata)


def _run_browser(
    playwright: Playwright,
    url: str,
    destination: Path,
    started: datetime.datetime,
    chromium: Path | None,
    proxy: RecordingProxy,
) -> tuple[dict[str, Any], str]:
    with browser_home(chromium or find_chromium()) as home:
        try:
            context = playwright.chromium.launch_persistent_context(
                str(home.profile),
                executable_path=str(home.executable),
                args=_arguments(proxy),
                chromium_sandbox=True,  # Playwright's default is --no-sandbox
                env=dict[str, str | float | bool](home.env),
                # Playwright answers the proxy's 407 for the page's requests only (see _proxy).
                proxy={
                    "server": proxy.address,
                    "bypass": "<-loopback>",
                    "username": proxy.username,
                    "password": proxy.password,
                },
                ignore_https_errors=False,
                accept_downloads=False,  # a capture keeps pages, never files a page pushes
                service_workers="block",  # nothing of a page runs outside the page
            )
        except PlaywrightError as error:
            raise _launch_failure(error) from None
        try:
            browser = context.browser
            if browser is None:  # Chromium always has one; Playwright types it as optional
                raise CaptureError("Chromium started without a browser to drive")
            # The page gets a context of its own: the proxy's credentials are answered for
            # its requests, never for the browser's own (which share the default context).
            page_context = browser.new_context(
                ignore_https_errors=False, accept_downloads=False, service_workers="block"
            )
            return _record(page_context, url, destination, started, proxy), browser.version
        except PlaywrightError as error:
            raise _browser_failure(error) from None
        finally:
            context.close()


def _arguments(proxy: RecordingProxy) -> list[str]:
    return [
        *CHROMIUM_ARGS,
        # The proxy itself is given to Playwright (launch's proxy=, with its credentials);
        # "<-loopback>" there sends loopback too through the proxy and its gate.
        "--ignore-certificate-errors-spki-list=" + ",".join(proxy.authority.spki_digests()),
        *CAPTURE_ONLY_ARGS,
    ]


def _launch_failure(error: PlaywrightError) -> CaptureError:
    if is_sandbox_failure(error.message):
        return CaptureError(NO_SANDBOX_HELP)
    return _browser_failure(error)


def _note_navigation(request: Any, page: Any, navigations: list[str]) -> None:
    """Note where the page's own frame went (a redirect, a refresh, a script, a form)."""
    if request.is_navigation_request() and request.frame == page.main_frame:
        navigations.append(request.url)


def _failure(error: PlaywrightError, proxy: RecordingProxy, navigations: list[str]) -> CaptureError:
    """Return why the page failed: the proxy's reason when it refused the page or a redirect."""
    hosts = {urlsplit(url).hostname for url in navigations}
    for problem in proxy.recording.problems:
        if urlsplit(problem.url).hostname in hosts:
            return CaptureError(f"the page could not be captured: {problem.reason}", problem.kind)
    return _browser_failure(error)


def _browser_failure(error: PlaywrightError) -> CaptureError:
    """Return the browser's failure: its first line only, never Playwright's call log."""
    first_line = error.message.strip().splitlines()[0] if error.message.strip() else ""
    reason = reason_of_browser_error(error.message)
    return CaptureError(f"the page could not be captured: {first_line}", reason)


def _record(
    context: Any, url: str, folder: Path, started: datetime.datetime, proxy: RecordingProxy
) -> dict[str, Any]:
    page = context.new_page()
    navigations: list[str] = []
    page.on("request", lambda sent: _note_navigation(sent, page, navigations))
    try:
        main = page.goto(url, wait_until="domcontentloaded", timeout=NAVIGATION_TIMEOUT_MS)
    except PlaywrightError as error:
        if error.message.startswith(DOWNLOAD_STARTED):
            raise CaptureNotShownError(NOT_SHOWN) from None
        raise _failure(error, proxy, navigations) from None
    if main is None:
        raise CaptureError("the page sent nothing back", CaptureReason.EMPTY)
    try:
        quiet = _falls_quiet(page)
    except PlaywrightError as error:  # the page went elsewhere, or Chromium failed
        raise _failure(error, proxy, navigations) from None
    _refuse_unfetched(main, proxy)
    _refuse_led_inside(navigations, proxy)
    try:
        _save(context, page, folder, main.url, started)
    except PlaywrightError:
        _refuse_led_inside(navigations, proxy)  # the page moved while being saved
        raise
    _refuse_led_inside(navigations, proxy)  # again: a script may have moved it meanwhile
    return {
        "final_url": main.url,
        "redirect_chain": _redirects(main),
        "status": main.status,
        "status_text": main.status_text,
        "title": page.title(),
        "network_quiet": quiet,
    }


def _falls_quiet(page: Any) -> bool:
    """Wait for the page to load and its network to fall quiet; return whether both happened
    in time (LOAD_TIMEOUT_MS, then QUIET_TIMEOUT_MS)."""
    try:
        page.wait_for_load_state("load", timeout=LOAD_TIMEOUT_MS)
        page.wait_for_load_state("networkidle", timeout=QUIET_TIMEOUT_MS)
    except PlaywrightTimeoutError:
        return False
    return True


def _save(context: Any, page: Any, folder: Path, url: str, started: datetime.datetime) -> None:
    """Write the page's DOM, MHTML, screenshot and PDF into ``folder``."""
    (folder / "dom.html").write_text(page.content(), encoding="utf-8")
    session = context.new_cdp_session(page)
    snapshot = session.send("Page.captureSnapshot", {"format": "mhtml"})
    (folder / "page.mhtml").write_text(snapshot["data"], encoding="utf-8")
    _show_banner(page, url, started)
    page.screenshot(path=str(folder / "screenshot.png"), full_page=True)
    page.pdf(path=str(folder / "page.pdf"), print_background=True)


def _refuse_unfetched(main: Any, proxy: RecordingProxy) -> None:
    """Raise CaptureError when the page shown is the proxy's refusal, not the site's answer."""
    hops = {main.url, *(hop["url"] for hop in _redirects(main))}
    for problem in proxy.recording.problems:
        if problem.url in hops:
            raise CaptureError(f"the page could not be captured: {problem.reason}", problem.kind)


def _refuse_led_inside(navigations: list[str], proxy: RecordingProxy) -> None:
    """Raise CaptureRefusedError when the page sent its own frame to a refused address.

    The proxy never fetched it, but what the frame shows is then no longer the page (meta
    refresh, ``location =``, a form sent by a script): a page that tries this is not kept.
    """
    places = {_place(url) for url in navigations}
    for problem in proxy.recording.problems:
        if problem.kind == CaptureReason.PRIVATE and _place(problem.url) in places:
            raise CaptureRefusedError(f"the page led to a refused address: {problem.reason}")


def _place(url: str) -> tuple[str, int]:
    """Return the host and port of ``url``: all the proxy knows of a refused tunnel."""
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


def _metadata(
    url: str, page: dict[str, Any], proxy: RecordingProxy, started: datetime.datetime, browser: str
) -> dict[str, Any]:
    ended = datetime.datetime.now(datetime.UTC)
    main = _exchange_for(proxy, str(page["final_url"]))
    status = int(page["status"])
    return {
        "requested_url": url,
        **page,
        "error_page": status >= 400,
        "http_version": main.protocol if main else "",
        "server_address": _server_address(main, str(page["final_url"])),
        "tls": _tls(proxy, main),
        "dns": [
            {"host": answer.host, "addresses": list(answer.addresses), "used": answer.used}
            for answer in proxy.gate.answers()
        ],
        "not_fetched": [{"url": p.url, "reason": p.reason} for p in proxy.recording.problems],
        "browser_requests_not_fetched": proxy.browser_requests(),
        "capture_started_utc": started.isoformat(timespec="milliseconds"),
        "capture_ended_utc": ended.isoformat(timespec="milliseconds"),
        "capture_time_note": "one capture time (the start) is shown on the screenshot and PDF; "
        "the banner showing it was added to those two files only; each WARC record has the "
        "time its own request was sent",
        "warc_note": DESCRIPTION,
        "software": {"reclaim": __version__, "chromium": browser, "python": sys.version.split()[0]},
    }


def _exchange_for(proxy: RecordingProxy, url: str) -> Exchange | None:
    found = [exchange for exchange in proxy.recording.exchanges if exchange.url == url]
    return found[0] if found else None


def _server_address(main: Exchange | None, url: str) -> dict[str, Any] | None:
    if main is None:
        return None
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return {"ipAddress": main.address, "port": port}


def _tls(proxy: RecordingProxy, main: Exchange | None) -> dict[str, Any] | None:
    sessions = [s for s in proxy.recording.sessions if main and s.number == main.session]
    if not sessions or not sessions[0].chain:
        return None
    session = sessions[0]
    leaf = x509.load_der_x509_certificate(session.chain[0])
    return {
        "protocol": session.version,
        "cipher": session.cipher,
        "subjectName": leaf.subject.rfc4514_string(),
        "issuer": leaf.issuer.rfc4514_string(),
        "validFrom": leaf.not_valid_before_utc.isoformat(),
        "validTo": leaf.not_valid_after_utc.isoformat(),
        "chain_sha256": [hashlib.sha256(der).hexdigest() for der in session.chain],
        "chain_note": session.chain_note,
    }


def _error_words(status: int) -> str:
    if status >= 500:
        return f"yes: the server answered {status} (a server error page)"
    if status >= 400:
        return f"yes: the server answered {status} (the page was not there)"
    return "no"


def _redirects(main: Any) -> list[dict[str, Any]]:
    chain: list[dict[str, Any]] = []
    request = main.request.redirected_from
    while request is not None:
        response = request.response()
        chain.insert(0, {"url": request.url, "status": response.status if response else None})
        request = request.redirected_from
    return chain


def _show_banner(page: Any, url: str, started: datetime.datetime) -> None:
    text = f"Captured by Reclaim · {url} · {started.strftime('%Y-%m-%d %H:%M:%S')} UTC"
    page.evaluate(
        """([id, text]) => {
            const banner = document.createElement('div');
            banner.id = id;
            banner.textContent = text;
            banner.style.cssText = 'position:relative;z-index:2147483647;display:block;'
              + 'background:#ffd200;color:#000;font:14px/1.4 monospace;padding:6px 8px;'
              + 'border-bottom:2px solid #000;word-break:break-all;direction:ltr;';
            document.body.prepend(banner);
        }""",
        [BANNER_ID, text],
    )


def _pack_wacz(folder: Path, url: str, started: datetime.datetime, title: str) -> None:
    """Pack the WARC as ``capture.wacz`` with py-wacz's own ``wacz create``, in this process.

    Run as ``python -m wacz`` it cost a second interpreter and py-wacz's imports (most of a
    second of CPU) for every capture; here they are paid once per process. As in that process,
    its progress lines are not shown, and the temporary files it leaves to the garbage
    collector (each warning as it goes) are nobody's concern. Both are the whole process's
    settings, so one packing runs at a time, and the failure is raised only after py-wacz's
    objects are gone (they go with its exception).
    """
    from wacz.main import main as wacz  # its imports take half a second: only when packing

    arguments = [
        "create",
        "-o",
        str(folder / "capture.wacz"),
        "--detect-pages",
        "--url",
        url,
        "--title",
        title or url,
        "--ts",
        started.strftime("%Y%m%d%H%M%S"),
        str(folder / "capture.warc.gz"),
    ]
    failure = ""
    with _WACZ_LOCK, contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            wacz(arguments)  # as `python -m wacz`: it fails by raising, not by what it returns
        except SystemExit as error:  # its argument parser refused (saying why on stderr)
            failure = f"wacz create exited {error}"
        except Exception as error:  # whatever its parts raise (ValueError, OSError, ...)
            failure = f"{type(error).__name__}: {error}"[-300:]  # its last line, as before
    if failure:
        raise CaptureError(f"the WACZ could not be written: {failure}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()
